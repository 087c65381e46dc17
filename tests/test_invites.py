"""Invite-only sign-ups: an admin makes invitations, a newcomer signs up with one, and
each works once, until it expires."""
from datetime import timedelta

import pytest
from bson import ObjectId
from mongoengine import NotUniqueError

from conftest import AuthActions, page, signed_in
from factories import make_user
from tumblelog.models import User, utcnow
from tumblelog.moderation import AuditEntry, Invite, SiteSettings


def invite_only():
    SiteSettings(signups="invite").save()


def register_with(client, username, code):
    data = {"username": username, "email": f"{username}@example.com", "password": "correct horse",
            "confirm": "correct horse", "invite": code}
    return client.post("/auth/register", data=data)


def make_invitation(client, days="7", note="for Mei"):
    """As a signed-in admin: make an invitation on the console; its link."""
    client.post("/admin/invites", data={"days": days, "note": note})
    return page(client.get("/admin/invites")).select_one(".invite--open .invite__link")["value"]


def test_an_invited_newcomer_signs_up_once_with_the_link(app):
    invite_only()
    make_user("root", is_admin=True)
    admin = signed_in(app, "root")
    link = make_invitation(admin)
    assert link.startswith("http://localhost/auth/register?invite=")
    path = link.removeprefix("http://localhost")

    newcomer = app.test_client()
    form = page(newcomer.get(path)).select_one("main form")
    code = form.select_one("input[name=invite]")["value"]
    assert code == path.partition("=")[2]
    assert register_with(newcomer, "mei", code).status_code == 303
    assert page(newcomer.get("/")).select_one(".site-nav__user").get_text(strip=True) == "mei"

    second = register_with(app.test_client(), "sam", code)
    assert second.status_code == 422
    assert "expired or was already used" in page(second).select_one(".field__errors").get_text()
    assert User.by_username("sam") is None
    row = page(admin.get("/admin/invites")).select_one(".invite")
    assert "used" in row.get_text() and row.select_one(".invite__link") is None
    assert [entry.action for entry in AuditEntry.objects] == ["invite"]


@pytest.mark.parametrize("code, why", [
    ("", "by invitation"),
    ("not-a-code", "expired or was already used"),
    ("x" * 65, "longer than 64"),
])
def test_sign_ups_by_invitation_need_a_good_code(client, code, why):
    invite_only()
    assert "by invitation" in page(client.get("/auth/register")).select_one(".signup-invite").get_text()
    response = register_with(client, "mei", code)
    assert response.status_code == 422
    assert why in page(response).select_one(".field__errors").get_text()
    assert User.by_username("mei") is None


def test_an_expired_invitation_is_refused(client):
    invite_only()
    invite = Invite.create(make_user("root", is_admin=True), days=1)
    Invite.objects(id=invite.id).update_one(set__expires_at=utcnow() - timedelta(minutes=1))
    assert register_with(client, "mei", invite.code).status_code == 422
    assert User.by_username("mei") is None


def test_a_withdrawn_invitation_is_refused(app):
    invite_only()
    make_user("root", is_admin=True)
    admin = signed_in(app, "root")
    code = make_invitation(admin).partition("invite=")[2]
    withdraw = page(admin.get("/admin/invites")).select_one(".invite form")["action"]
    assert admin.post(withdraw).status_code == 303
    assert register_with(app.test_client(), "mei", code).status_code == 422


def test_an_invitation_is_claimed_once_however_many_race_for_it(app):
    invite = Invite.create(make_user("root", is_admin=True), days=1)
    claims = [Invite.claim(invite.code, ObjectId()) for _ in range(2)]
    assert claims == [True, False]


def test_two_invitations_never_share_a_code(app):
    root = make_user("root", is_admin=True)
    invite = Invite.create(root, days=1)
    with pytest.raises(NotUniqueError):
        Invite(code=invite.code, created_by=root, created_by_name="root", expires_at=utcnow()).save()


def test_open_sign_ups_ask_for_no_code(client):
    html = page(client.get("/auth/register"))
    assert html.select_one("input[name=invite]") is None and html.select_one(".signup-invite") is None
    assert AuthActions(client).register("mei").status_code == 303


@pytest.mark.parametrize("days", ["0", "31", "soon", ""])
def test_an_invitation_lasts_one_to_thirty_days(client, auth, days):
    make_user("root", is_admin=True)
    auth.login("root")
    response = client.post("/admin/invites", data={"days": days})
    assert response.status_code == 422
    assert page(response).select_one(".field__errors")
    assert Invite.objects.count() == 0


def test_an_invitation_comes_back_when_the_account_cannot_be_saved(client, monkeypatch):
    invite_only()
    invite = Invite.create(make_user("root", is_admin=True), days=1)

    def taken_meanwhile(self, *args, **kwargs):  # another sign-up won the race for the name
        raise NotUniqueError("E11000 duplicate key")

    with monkeypatch.context() as patch:
        patch.setattr(User, "save", taken_meanwhile)
        response = register_with(client, "mei", invite.code)
    assert response.status_code == 422
    assert "just taken" in page(response).select_one(".field__errors").get_text()
    assert Invite.usable(invite.code) is not None
    assert register_with(client, "mei", invite.code).status_code == 303
