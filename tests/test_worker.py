"""The real wiring: a Redis server and a Celery worker process of their own, the web
app queueing a mail that the worker sends to a real SMTP server, retrying while that
server is away. Needs Debian's redis-server; CI (CI=true) installs it and never skips."""
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import TEST_MONGODB_URI, TestConfig, database_settings
from factories import PASSWORD, make_post, make_user
from mail_helpers import SmtpServer, free_port, link_in, text_of

from tumblelog.models import User

ROOT = Path(__file__).resolve().parent.parent
REDIS = shutil.which("redis-server")

if REDIS is None and os.environ.get("CI") == "true":
    pytest.fail("redis-server is missing: .ci/run installs it (apt-get install redis-server)", pytrace=False)
pytestmark = pytest.mark.skipif(REDIS is None, reason="redis-server is not installed (apt-get install redis-server)")


def wait_for_port(port, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing answers on port {port}")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server of this test's own, on a free port, keeping nothing on disk."""
    port = free_port()
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(server)


@pytest.fixture
def start_worker(redis_url, tmp_path):
    """``start_worker(mongodb_uri=None, **env)``: ``celery worker`` as compose runs it, with the
    web's SECRET_KEY, on the test's Redis; mails go to ``worker.smtp``, a port where an SMTP
    server starts only when the test says so."""
    started = []

    def start(mongodb_uri=None, **settings):
        smtp = SmtpServer()
        log = tmp_path / "worker.log"
        env = {**os.environ, "CELERY_BROKER_URL": redis_url, "MAIL_SERVER": "127.0.0.1",
               "MAIL_PORT": str(smtp.port), "SECRET_KEY": TestConfig.SECRET_KEY, "PYTHONPATH": str(ROOT), **settings}
        env.pop("MONGODB_URI", None)
        if mongodb_uri:
            env["MONGODB_URI"] = mongodb_uri
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tumblelog.worker", "worker", "--pool", "solo",
                 "--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
            )
        process.smtp, process.log = smtp, log
        started.append(process)
        return process

    yield start
    for process in started:
        stop(process)
        if process.smtp.controller._thread is not None:
            process.smtp.controller.stop()
        print(process.log.read_text()[-4000:])  # shown when the test fails


@pytest.fixture
def worker(start_worker):
    return start_worker()


def test_a_queued_mail_is_sent_by_the_worker_and_retried_until_the_server_answers(app_factory, worker, redis_url):
    app = app_factory(CELERY_BROKER_URL=redis_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=worker.smtp.port)
    client = app.test_client()
    make_user("alice")
    client.post("/auth/login", data={"username": "alice", "password": PASSWORD})
    # The SMTP server is not up yet: the page answers at once, the worker keeps trying.
    response = client.post("/settings", data={"section": "email", "email": "alice@wonder.land",
                                              "current_password": PASSWORD})
    assert response.status_code == 303
    deadline = time.monotonic() + 30
    while "retry: Retry in" not in worker.log.read_text() and time.monotonic() < deadline:
        assert worker.poll() is None, "the worker died"
        time.sleep(0.1)
    worker.smtp.controller.start()
    [mail] = worker.smtp.wait_for(1, timeout=60)
    assert mail.envelope_to == ["alice@wonder.land"]
    client.get(link_in(mail, "/settings/email/"))
    assert User.by_username("alice").email == "alice@wonder.land"


@pytest.mark.skipif(not TEST_MONGODB_URI, reason="a worker process shares the test's database only on a "
                    "server (TUMBLELOG_TEST_MONGODB_URI); mongomock lives in one process")
def test_tasks_that_read_the_database_run_on_the_worker(app_factory, start_worker, redis_url):
    """Beat's weekly digest, fired twice in a week, sends one mail; a reset request finds
    the account in the worker, whose link then works on the site."""
    app = app_factory(CELERY_BROKER_URL=redis_url)
    worker = start_worker(database_settings(app.config["TEST_DATABASE"])["host"])
    worker.smtp.controller.start()
    with app.app_context():
        ada = make_user("ada")
        reader = make_user("reader")
        User.objects(id=reader.id).update_one(set__followed_users=[ada.id], set__digest=True)
        make_post(author=ada, title="Fresh from Ada")
        for _ in range(2):  # beat firing twice in one week
            app.extensions["celery"].tasks["tumblelog.tasks.send_digests"].delay()
    [mail] = worker.smtp.wait_for(1, timeout=60)
    assert mail.envelope_to == ["reader@example.com"] and "Fresh from Ada" in text_of(mail)
    time.sleep(2)
    assert len(worker.smtp.messages) == 1
    client = app.test_client()
    assert client.post("/auth/reset", data={"email": "ada@example.com"}).status_code == 303
    reset = worker.smtp.wait_for(2, timeout=60)[1]
    assert reset.envelope_to == ["ada@example.com"]
    assert client.get(link_in(reset, "/auth/reset/")).status_code == 200


class Inbox(http.server.BaseHTTPRequestHandler):
    """A fediverse inbox on loopback that takes every POST and keeps it."""

    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Inbox.received.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.mark.skipif(not TEST_MONGODB_URI, reason="a worker process shares the test's database only on a "
                    "server (TUMBLELOG_TEST_MONGODB_URI); mongomock lives in one process")
def test_the_worker_delivers_a_new_post_to_a_remote_follower_signed(app_factory, start_worker, redis_url):
    from tumblelog.federation import httpsig
    from tumblelog.federation.models import ActorKey, Follower

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Inbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    inbox = f"http://127.0.0.1:{server.server_port}/inbox"
    app = app_factory(CELERY_BROKER_URL=redis_url, FEDERATION_ALLOW_PRIVATE=True)
    start_worker(database_settings(app.config["TEST_DATABASE"])["host"], FEDERATION_ALLOW_PRIVATE="1")
    try:
        with app.test_request_context():
            alice = make_user("alice")
            Follower(user=alice, actor="http://127.0.0.1/users/bob", inbox=inbox).save()
            post = make_post("quote", author=alice, quote="Sent by the worker")  # queued, not sent
            deadline = time.monotonic() + 60
            while not Inbox.received and time.monotonic() < deadline:
                time.sleep(0.1)
            [(path, headers, body)] = Inbox.received
            public = ActorKey.for_user(alice.pk).public_pem
        activity = json.loads(body)
        assert path == "/inbox" and activity["type"] == "Create" and activity["object"]["id"].endswith(str(post.id))
        params = httpsig.parse_signature(headers["signature"])
        httpsig.verify(httpsig.check_request(params, "POST", path, headers, body), params, public)
    finally:
        server.shutdown()
