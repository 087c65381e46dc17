"""Our HTTP signatures checked by an independent implementation of the same draft
(pyhttpsig, from PyPI), both ways: it verifies what we sign, and our inbox takes what
it signs."""
import json
from email.utils import format_datetime

import httpsig as independent
import pytest

from tests.factories import make_user
from tests.fediverse import RemoteUser
from tumblelog.federation import httpsig
from tumblelog.federation.models import Follower
from tumblelog.models import utcnow

SIGNED = ["(request-target)", "host", "date", "digest"]


def test_an_independent_implementation_verifies_our_signatures():
    private, public = httpsig.new_key_pair()
    body = b'{"type": "Create"}'
    headers = httpsig.sign("POST", "https://social.example/users/bob/inbox", body, "https://blog.example/user/alice#main-key", private)
    verifier = independent.HeaderVerifier(
        headers, public, required_headers=SIGNED, method="POST", path="/users/bob/inbox", sign_header="signature"
    )
    assert verifier.verify()
    tampered = independent.HeaderVerifier(
        {**headers, "Date": format_datetime(utcnow(), usegmt=True) + " "}, public,
        required_headers=SIGNED, method="POST", path="/users/bob/inbox", sign_header="signature",
    )
    assert not tampered.verify()


@pytest.fixture
def bob(app):
    with app.app_context():
        make_user("alice")
        return RemoteUser().remember()


def test_our_inbox_takes_a_follow_signed_by_an_independent_implementation(app, client, bob, monkeypatch):
    monkeypatch.setattr("tumblelog.federation.delivery.net.request", lambda *args, **kwargs: (202, b""))
    body = json.dumps(bob.activity("Follow", "http://localhost/user/alice")).encode()
    headers = {
        "Host": "localhost",
        "Date": format_datetime(utcnow(), usegmt=True),
        "Digest": httpsig.body_digest(body),
    }
    signer = independent.HeaderSigner(bob.key_id, bob.keys[0], algorithm="rsa-sha256", headers=SIGNED, sign_header="signature")
    signed = signer.sign(headers, host="localhost", method="POST", path="/user/alice/inbox")
    response = client.post("/user/alice/inbox", data=body, headers={**signed, "Content-Type": "application/activity+json"})
    assert response.status_code == 202, response.get_data(as_text=True)
    with app.app_context():
        assert Follower.objects(actor=bob.id).count() == 1
