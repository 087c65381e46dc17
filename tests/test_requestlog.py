"""Request logging: a line per request with its id, the id in a response header, full
tracebacks for 500s, and the level from LOG_LEVEL."""
import logging

import pytest

REQUEST_LOGGER = "tumblelog.requests"


def request_lines(caplog):
    return [record for record in caplog.records if record.name == REQUEST_LOGGER]


def test_each_request_gets_an_id_and_one_log_line(client, caplog):
    caplog.set_level(logging.INFO, logger="tumblelog")
    first, second = client.get("/"), client.get("/no/such/page")
    ids = [first.headers["X-Request-ID"], second.headers["X-Request-ID"]]
    assert ids[0] != ids[1] and all(len(i) == 32 for i in ids)
    lines = request_lines(caplog)
    assert [line.getMessage().split()[:3] for line in lines] == [["GET", "/", "200"], ["GET", "/no/such/page", "404"]]
    assert all(line.getMessage().split()[3].endswith("ms") for line in lines)
    assert [line.request_id for line in lines] == ids


def test_a_sane_incoming_request_id_is_kept(client):
    response = client.get("/", headers={"X-Request-ID": "proxy-7f3a.9:12"})
    assert response.headers["X-Request-ID"] == "proxy-7f3a.9:12"


@pytest.mark.parametrize("incoming", ["", "two words", "x" * 129, "<script>", "id\"quote", "ünïcode"])
def test_an_odd_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/", headers={"X-Request-ID": incoming})
    assert response.headers["X-Request-ID"] != incoming
    assert len(response.headers["X-Request-ID"]) == 32


def test_health_checks_log_only_at_debug(client, caplog):
    caplog.set_level(logging.INFO, logger="tumblelog")
    client.get("/healthz")
    assert request_lines(caplog) == []


def test_a_500_logs_its_traceback_with_the_request_id(app_factory, capsys):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "kaboom" not in response.get_data(as_text=True)
    err = capsys.readouterr().err
    request_id = response.headers["X-Request-ID"]
    assert "Traceback (most recent call last)" in err and "RuntimeError: kaboom" in err
    assert f"ERROR tumblelog [{request_id}] Exception on /boom [GET]" in err
    assert f"ERROR tumblelog.requests [{request_id}] GET /boom 500" in err


def test_log_level_comes_from_the_configuration(app_factory, capsys):
    client = app_factory(LOG_LEVEL="warning").test_client()
    client.get("/")
    client.get("/no/such/page")
    assert capsys.readouterr().err == ""


def test_an_unknown_log_level_is_refused(app_factory):
    with pytest.raises(RuntimeError, match="LOG_LEVEL='LOUD' is not one of: DEBUG, INFO"):
        app_factory(LOG_LEVEL="loud")


@pytest.mark.parametrize(
    "path",
    [
        "/x%0a2026-11-29 12:00:00,000 INFO tumblelog.requests [forged] GET /admin 200 1.0ms",
        "/x%0d%0aforged",
        "/x%1b[2Jcleared",
        "/x%e2%80%a8forged",  # U+2028, a line separator to some log viewers
    ],
)
def test_a_request_path_cannot_write_a_line_of_its_own(client, capsys, path):
    client.get(path)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1
    assert lines[0].split()[5] == "GET" and lines[0].split()[-2] == "404"
    assert "\x1b" not in lines[0] and "\u2028" not in lines[0]


def test_a_backslash_in_a_path_is_escaped_so_escapes_cannot_be_faked(client, capsys):
    client.get("/x\\n")
    assert "GET /x\\\\n 404" in capsys.readouterr().err
