"""Sites served over real HTTP on loopback, for tests where two tumblelog sites talk
to each other (federation, Webmention)."""
import threading

from flask import got_request_exception
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.factories import PASSWORD


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args):
        pass


class Site:
    """An app served on ``address`` by a threaded werkzeug server, while in a ``with``."""

    def __init__(self, app, address):
        self.app, self.address, self.errors = app, address, []
        got_request_exception.connect(lambda sender, exception, **extra: self.errors.append(exception), app, weak=False)

    def __enter__(self):
        self.server = make_server(self.address, 0, self.app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://{self.address}:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)

    def client(self, username):
        """A test client signed in as ``username``, reaching the app as this host."""
        client = self.app.test_client()
        client.post("/auth/login", data={"username": username, "password": PASSWORD}, base_url=self.url)
        return client
