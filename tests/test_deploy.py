"""The deployment files: docker-compose.yml (and the scale-out override), the
Dockerfile and .env.example. No Docker engine runs here, so their structure is checked
as data; CI also runs `docker-compose config -q` when it is installed."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from flask import request

ROOT = Path(__file__).resolve().parent.parent


def load(name):
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose():
    return load("docker-compose.yml")


@pytest.fixture(scope="module")
def scale():
    return load("docker-compose.scale.yml")


def test_compose_runs_mongo_as_a_single_node_replica_set_with_a_named_volume(compose):
    mongo = compose["services"]["mongo"]
    assert re.fullmatch(r"mongo:\d+(\.\d+)*", mongo["image"]), "the official image, major version pinned"
    command = mongo["command"]
    replica_set = command[command.index("--replSet") + 1]
    assert "mongo-data:/data/db" in mongo["volumes"]
    assert "mongo-data" in compose["volumes"]
    check = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in check and f"_id: '{replica_set}'" in check
    assert "isWritablePrimary" in check
    assert mongo["restart"] == "unless-stopped"


def test_compose_web_waits_for_a_healthy_mongo_and_answers_on_8000(compose):
    web = compose["services"]["web"]
    assert web["depends_on"]["mongo"]["condition"] == "service_healthy"
    assert "8000:8000" in web["ports"]
    env = web["environment"]
    command = compose["services"]["mongo"]["command"]
    assert env["MONGODB_URI"].endswith(f"?replicaSet={command[command.index('--replSet') + 1]}")
    assert env["MONGODB_URI"].startswith("mongodb://mongo:27017/")
    assert env["TUMBLELOG_CONFIG"] == "production"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?"), "compose refuses to start without it"


def test_scale_override_runs_replicas_behind_a_proxy_on_8000(compose, scale):
    services = scale["services"]
    assert services["web"] == {"profiles": ["single"]}, "the single published web steps aside"
    app, proxy = services["app"], services["proxy"]
    assert "ports" not in app and app["deploy"]["replicas"] >= 2
    assert app["depends_on"]["mongo"]["condition"] == "service_healthy"
    assert proxy["ports"] == ["8000:80"]
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"
    nginx = (ROOT / proxy["volumes"][0].split(":")[0]).read_text(encoding="utf-8")
    assert "server app:8000;" in nginx and "X-Request-ID $request_id" in nginx


def test_scale_replicas_have_the_single_webs_settings(compose, scale):
    web_env = compose["services"]["web"]["environment"]
    app_env = dict(scale["services"]["app"]["environment"])
    assert app_env.pop("TRUSTED_PROXIES") == "1"
    assert app_env == web_env


def test_dockerfile_runs_gunicorn_as_a_non_root_user_with_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.\d+-slim", dockerfile, re.M)
    assert re.search(r"^USER 10001", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", dockerfile, re.M)
    assert "'tumblelog:create_app()'" in dockerfile and "$GUNICORN_WORKERS" in dockerfile
    # The lock file is installed before the code is copied: its own layer.
    assert dockerfile.index("pip install") < dockerfile.index("COPY tumblelog/")
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {"tests", ".env", "requirements-dev.txt"} <= set(ignored)


def pins(text):
    """``{package: version}`` pinned in requirements ``text``, names normalised (PEP 503)."""
    return {
        re.sub(r"[-_.]+", "-", name).lower(): version
        for name, version in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^]]*\])?==([^\s;\\]+)", text, re.M)
    }


def test_the_image_installs_a_lock_file_that_pins_every_requirement_with_hashes():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^RUN pip install .*--require-hashes .*-r requirements\.lock$", dockerfile, re.M)
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    locked = pins(lock)
    # Fails when requirements.txt gains or changes a pin and `make lock` was not run.
    wanted = pins((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    assert {name: locked.get(name) for name in wanted} == wanted
    entries = re.split(r"\n(?=\S)", lock.split("\n", 2)[2].strip())  # after uv's two-line header
    assert len(entries) == len(locked) and all("--hash=sha256:" in entry for entry in entries)
    # The lock is compiled for the image's Python.
    image_python = re.search(r"^FROM python:(\d+\.\d+)", dockerfile, re.M)[1]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert f"--python-version {image_python} " in makefile


def settings_read_from_the_environment():
    """Every variable config.py and run.py read, and every one compose files substitute."""
    names = set()
    for name in ("config.py", "run.py"):
        names |= set(re.findall(r"(?:environ\.get|whole_number)\(\"([A-Z_]+)\"", (ROOT / name).read_text(encoding="utf-8")))
    for name in ("docker-compose.yml", "docker-compose.scale.yml"):
        names |= set(re.findall(r"\$\{([A-Z_]+)", (ROOT / name).read_text(encoding="utf-8")))
    return names


def test_env_example_lists_every_setting():
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^(?:# )?([A-Z_]+)=", example, re.M))
    names = settings_read_from_the_environment()
    assert {"SECRET_KEY", "MONGODB_URI", "LOG_LEVEL", "TRUSTED_PROXIES", "GUNICORN_WORKERS"} <= names
    assert names - listed == set()


@pytest.mark.parametrize("hops, forwarded, seen", [
    (0, "203.0.113.9", "127.0.0.1"),      # no proxy: the header is anyone's to forge
    (1, "203.0.113.9", "203.0.113.9"),
    (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # only the proxy's own hop counts
])
def test_client_address_comes_from_trusted_proxies_only(app_factory, hops, forwarded, seen):
    app = app_factory(TRUSTED_PROXIES=hops)

    @app.route("/whoami")
    def whoami():
        return f"{request.remote_addr} {request.scheme}"

    response = app.test_client().get("/whoami", headers={"X-Forwarded-For": forwarded, "X-Forwarded-Proto": "https"})
    assert response.get_data(as_text=True) == f"{seen} {'https' if hops else 'http'}"


@pytest.mark.parametrize("raw, count", [("", 0), (" 2 ", 2), ("1", 1)])
def test_trusted_proxies_reads_a_count(monkeypatch, raw, count):
    from config import whole_number

    monkeypatch.setenv("TRUSTED_PROXIES", raw)
    assert whole_number("TRUSTED_PROXIES", 0) == count


@pytest.mark.parametrize("raw", ["-1", "one", "1.5", "٣"])
def test_trusted_proxies_refuses_anything_but_a_count(monkeypatch, raw):
    from config import whole_number

    monkeypatch.setenv("TRUSTED_PROXIES", raw)
    with pytest.raises(SystemExit, match="TRUSTED_PROXIES=.* is not a whole number"):
        whole_number("TRUSTED_PROXIES", 0)


def installs(target, tmp_path):
    """The requirements files ``make TARGET`` installs into a fresh venv (dry run)."""
    plan = subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    return re.findall(r"pip install .* -r (\S+)", plan)


@pytest.mark.skipif(not shutil.which("make"), reason="needs GNU make")
@pytest.mark.parametrize("target, files", [
    ("run", ["requirements.txt"]),  # not Playwright, schemathesis or pytest
    ("test", ["requirements-dev.txt"]),  # which includes requirements.txt
])
def test_make_installs_what_the_target_needs(target, files, tmp_path):
    assert installs(target, tmp_path) == files
