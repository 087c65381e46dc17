"""A reader opts in to the weekly digest of what they follow; beat's task mails it once
a week, and one click unsubscribes without signing in."""
from datetime import timedelta

import pytest
from conftest import page
from factories import make_post, make_user
from mail_helpers import app, html_of, link_in, smtp, text_of  # noqa: F401  (fixtures)

from tumblelog import digest
from tumblelog.models import User, utcnow


@pytest.fixture
def reader(client, auth):
    """A reader following #python and the blogger ada, opted in to the digest."""
    make_user("ada")
    user = make_user("reader")
    auth.login("reader")
    client.post("/tag/python/follow")
    client.post("/user/ada/follow")
    assert client.post("/settings", data={"section": "digest", "digest": "y"}).status_code == 303
    auth.logout()
    return user


def run_beat(app):
    """What beat does on Monday morning: queue the periodic task (run eagerly here)."""
    with app.app_context():
        app.extensions["celery"].tasks["tumblelog.tasks.send_digests"].delay()


def test_the_digest_lists_new_posts_from_followed_tags_and_bloggers(app, reader, smtp):
    ada = User.by_username("ada")
    make_post(author=ada, title="Notes by Ada")
    make_post(author=make_user("bob"), title="Bob on Python", tags=["python"])
    make_post(author=User.by_username("bob"), title="Bob on cooking", tags=["food"])
    make_post(author=ada, title="Old news", created_at=utcnow() - timedelta(days=8))
    run_beat(app)
    [mail] = smtp.to("reader@example.com")
    for part in (text_of(mail), html_of(mail)):
        assert "Notes by Ada" in part and "Bob on Python" in part
        assert "Bob on cooking" not in part and "Old news" not in part
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_digest_is_never_sent_twice_for_a_week(app, reader, smtp):
    make_post(author=User.by_username("ada"), title="Notes by Ada")
    run_beat(app)
    run_beat(app)
    with app.app_context():
        assert digest.send(str(reader.id), digest.current_week()) is False  # a retried task
    assert len(smtp.messages) == 1


def test_readers_who_did_not_opt_in_get_nothing(app, client, auth, smtp):
    make_user("ada")
    make_user("quiet")
    auth.login("quiet")
    client.post("/user/ada/follow")
    make_post(author=User.by_username("ada"))
    run_beat(app)
    assert smtp.messages == []


def test_a_week_with_nothing_new_sends_nothing(app, reader, smtp):
    run_beat(app)
    assert smtp.messages == []


def test_one_click_unsubscribes_without_signing_in(app, client, reader, smtp):
    make_post(author=User.by_username("ada"))
    run_beat(app)
    link = link_in(smtp.messages[0], "/settings/unsubscribe/")
    assert "reader@example.com" in page(client.get(link)).get_text()
    assert User.by_username("reader").digest  # a link scanner's GET changes nothing
    response = client.post(link)
    assert response.status_code == 200 and "Unsubscribed" in page(response).h1.get_text()
    assert not User.by_username("reader").digest


@pytest.mark.parametrize("token", ["forged", "eyJpZCI6ImFiYyJ9.abc"])
def test_a_forged_unsubscribe_link_is_404(client, token):
    assert client.post(f"/settings/unsubscribe/{token}").status_code == 404


def test_iso_weeks_name_the_week():
    from datetime import datetime, timezone

    assert digest.current_week(datetime(2026, 11, 29, tzinfo=timezone.utc)) == "2026-W48"
    assert digest.current_week(datetime(2027, 1, 1, tzinfo=timezone.utc)) == "2026-W53"
