"""A blogger asks for notifications by e-mail: one mail now and then lists what is new
("sam and 19 others liked your post"), never one mail per like, never the same twice,
and one click unsubscribes without signing in."""
from urllib.parse import urlsplit

import pytest
from conftest import page
from factories import make_post, make_user
from mail_helpers import app, html_of, link_in, smtp, text_of  # noqa: F401  (fixtures)

from tumblelog import notification_mail
from tumblelog.models import User
from tumblelog.moderation import SiteSettings


@pytest.fixture
def alice(client, auth):
    """A blogger with a post, who asked for hourly notification mail on /activity."""
    user = make_user("alice")
    auth.login("alice")
    response = client.post("/activity/settings", data={"on": ["like", "reblog", "comment", "mention", "follow"],
                                                       "email": "hourly"})
    assert response.status_code == 303
    auth.logout()
    return user


@pytest.fixture
def post(alice):
    return make_post(author=alice, title="Hello mail")


def likers(post, count, start=0):
    for number in range(start, start + count):
        make_user(f"fan{number:02d}").like(post.id)


def run_beat(app):
    """What beat does each hour: queue the periodic task (run eagerly here)."""
    with app.app_context():
        app.extensions["celery"].tasks["tumblelog.tasks.send_notification_mails"].delay()


def test_twenty_likes_make_one_mail_with_one_grouped_line(app, post, smtp):
    likers(post, 20)
    run_beat(app)
    [mail] = smtp.to("alice@example.com")
    assert mail["Subject"] == "1 new notification on tumblelog"
    for part in (text_of(mail), html_of(mail)):
        assert "fan19 and 19 others liked your post “Hello mail”" in part
    assert link_in(mail, "/post/").startswith(f"/post/{post.id}")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].startswith("<http") and "/settings/unsubscribe/" in mail["List-Unsubscribe"]


def test_the_mail_speaks_in_the_sites_name(app, post, smtp):
    SiteSettings(title="Night Owls").save()
    likers(post, 2)
    run_beat(app)
    [mail] = smtp.to("alice@example.com")
    assert mail["Subject"] == "1 new notification on Night Owls"
    for part in (text_of(mail), html_of(mail)):
        assert "new on Night Owls since your last mail" in part and "tumblelog" not in part


def test_a_second_run_sends_nothing_and_the_next_hour_only_what_is_new(app, client, post, smtp, clock):
    likers(post, 2)
    run_beat(app)
    run_beat(app)
    assert len(smtp.messages) == 1
    clock.advance(minutes=65)
    run_beat(app)
    assert len(smtp.messages) == 1  # nothing new: no mail
    clock.advance(minutes=65)
    make_user("sam").follow(user=post.author.fetch())
    run_beat(app)
    assert len(smtp.messages) == 2
    assert "sam followed you" in text_of(smtp.messages[1]) and "liked" not in text_of(smtp.messages[1])


def test_two_workers_with_the_same_batch_mail_once(app, post, smtp):
    likers(post, 1)
    with app.app_context():
        until = notification_mail.utcnow()
        assert notification_mail.send_batch([str(post.author.pk)], until) == 1
        assert notification_mail.send_batch([str(post.author.pk)], until) == 0  # a retried task
    assert len(smtp.messages) == 1


def test_a_long_list_ends_with_how_many_more(app, alice, smtp, monkeypatch):
    monkeypatch.setattr(notification_mail, "MAIL_LINES", 3)
    for number in range(5):
        likers(make_post(author=alice, title=f"Post {number}"), 1, start=number)
    run_beat(app)
    [mail] = smtp.messages
    assert mail["Subject"] == "5 new notifications on tumblelog"
    assert text_of(mail).count("liked your post") == 3 and "and 2 more." in text_of(mail)


def test_read_notifications_and_kinds_turned_off_are_not_mailed(app, client, auth, post, smtp):
    likers(post, 1)
    auth.login("alice")
    client.get("/activity")  # read
    client.post("/activity/settings", data={"on": ["like"], "email": "hourly"})
    make_user("sam").follow(user=post.author.fetch())
    run_beat(app)
    assert smtp.messages == []


@pytest.mark.parametrize("change", [
    {"set__suspended": True},
    {"set__email_unverified": True},
    {"set__email": "not an address"},
    {"unset__email": True},
    {"set__notification_mail": "off"},
])
def test_readers_who_cannot_or_did_not_ask_get_nothing(app, post, smtp, change):
    User.objects(id=post.author.pk).update_one(**change)
    likers(post, 3)
    run_beat(app)
    assert smtp.messages == []


def test_daily_readers_get_one_mail_a_day(app, client, auth, post, smtp, clock):
    auth.login("alice")
    client.post("/activity/settings", data={"on": ["like"], "email": "daily"})
    likers(post, 1)
    run_beat(app)
    clock.advance(hours=3)
    likers(post, 1, start=1)
    run_beat(app)
    assert len(smtp.messages) == 1
    clock.advance(hours=22)
    run_beat(app)
    assert len(smtp.messages) == 2


def test_one_click_unsubscribes_without_signing_in(app, client, post, smtp):
    likers(post, 1)
    run_beat(app)
    link = link_in(smtp.messages[0], "/settings/unsubscribe/")
    assert "notification e-mails" in page(client.get(link)).get_text()
    assert User.by_username("alice").notification_mail == "hourly"  # a link scanner's GET changes nothing
    response = client.post(link)
    assert response.status_code == 200 and "Unsubscribed" in page(response).h1.get_text()
    assert User.by_username("alice").notification_mail == "off"


def test_a_digest_link_does_not_unsubscribe_from_notification_mail(app, client, post):
    from tumblelog import mail

    with app.test_request_context():
        digest_link, _ = mail.DIGEST.headers(post.author.fetch())
    assert client.post(urlsplit(digest_link).path).status_code == 200
    assert not User.by_username("alice").digest
    assert User.by_username("alice").notification_mail == "hourly"


@pytest.mark.parametrize("token", ["forged", "ImFiYyI.abc", "IjY1YTAwMDAwMDAwMDAwMDAwMDAwMDAwMCI.xyz"])
def test_a_forged_unsubscribe_link_is_404(client, post, token):
    assert client.post(f"/settings/unsubscribe/{token}").status_code == 404
    assert User.by_username("alice").notification_mail == "hourly"


@pytest.mark.parametrize("value", ["weekly", "", "HOURLY"])
def test_the_setting_refuses_other_frequencies(client, auth, alice, value):
    auth.login("alice")
    assert client.post("/activity/settings", data={"on": ["like"], "email": value}).status_code == 400
    assert User.by_username("alice").notification_mail == "hourly"


def test_the_command_runs_it_once(app, runner, post, smtp):
    likers(post, 1)
    result = runner.invoke(args=["notifications", "mail"])
    assert result.exit_code == 0, result.output
    assert "1 readers were due" in result.output
    assert len(smtp.to("alice@example.com")) == 1


def test_readers_are_walked_in_batches(app, monkeypatch, smtp):
    monkeypatch.setattr(notification_mail, "BATCH_USERS", 2)
    for number in range(5):
        User.objects(id=make_user(f"reader{number}").id).update_one(set__notification_mail="daily")
    with app.app_context():
        batches = list(notification_mail.batches(notification_mail.utcnow()))
    assert [len(ids) for ids in batches] == [2, 2, 1]
