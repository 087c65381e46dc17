"""A real SMTP server on loopback (aiosmtpd) for tests of mail: ``smtp.config`` points
an app at it (the ``app`` fixture here does that), ``smtp.messages`` is what arrived,
parsed, and ``link_in`` finds the link a user would follow."""
import email
import email.policy
import re
import socket
import time
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """Collects every mail it is sent."""

    def __init__(self):
        self.messages = []
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": self.port}

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_to = envelope.rcpt_tos
        self.messages.append(message)
        return "250 OK"

    def to(self, address):
        """The mails sent to ``address``."""
        return [message for message in self.messages if address in message.envelope_to]

    def wait_for(self, count, timeout=20):
        """Wait until ``count`` mails have arrived (a worker sends them meanwhile)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


def text_of(message):
    return message.get_body(("plain",)).get_content()


def html_of(message):
    return message.get_body(("html",)).get_content()


def link_in(message, path_start="/"):
    """The path (and query) of the first link in the mail's text whose path starts with
    ``path_start``, as the test client wants it."""
    for url in re.findall(r"https?://\S+", text_of(message)):
        parts = urlsplit(url)
        if parts.path.startswith(path_start):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no link to {path_start} in:\n{text_of(message)}")


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.controller.start()
    yield server
    server.controller.stop()


@pytest.fixture
def app(app_factory, smtp):
    """The app, mailing through ``smtp``: a test module that imports this fixture has
    every mail of its ``client`` arrive there."""
    return app_factory(**smtp.config)
