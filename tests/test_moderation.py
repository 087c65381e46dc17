"""Moderation: roles and what each may do, the held-comment queue, closing comments,
reports, suspensions, site settings and the audit log — as an operator, a moderator,
an author and a reader meet them."""
import pytest
from bson import ObjectId

from api_helpers import ApiClient
from bench.indexes import unserved
from bench.meter import METER, install
from conftest import AuthActions, page, post_ids, signed_in
from factories import add_comments, make_post, make_user
from tumblelog.models import MAX_HELD, Comment, Post, User
from tumblelog.moderation import AuditEntry, Invite, Report, SiteSettings
from tumblelog.notes import Reblog
from tumblelog.permissions import PERMISSIONS

install()  # at import, before any app here connects, so pymongo's listener sees it

# --- who may do what --------------------------------------------------------------------
#
# Each actor acts on bob's post: "owner" is bob himself (an author); "author" is another
# author. Every action is tried through the page or form a person would use.

ACTORS = {"admin": "admin", "moderator": "moderator", "author": "author", "reader": "reader", "owner": "author"}
EVERYONE = set(ACTORS)
ALLOWED = {
    "post": {"admin", "moderator", "author", "owner"},
    "edit_post": {"admin", "owner"},
    "delete_post": {"admin", "moderator", "owner"},
    "moderate_comments": {"admin", "moderator", "owner"},
    "close_comments": {"admin", "moderator", "owner"},
    "label_post": {"admin", "moderator", "owner"},
    "moderate": {"admin", "moderator"},
    "change_role": {"admin"},
    "site_settings": {"admin"},
    "read_audit": {"admin"},
    "delete_user": {"admin"},
    "invite": {"admin"},
    "report": EVERYONE,
    "report_comment": EVERYONE,
    "comment": EVERYONE,
    "like": EVERYONE,
    "follow": EVERYONE,
}


def try_action(client, action, post, comment):
    """Do ``action`` on bob's ``post``; True if it was allowed (a 2xx or 303 that is
    not a bounce to sign-in), False on 403."""
    requests = {
        "post": lambda: client.get("/post/new/blog"),
        "edit_post": lambda: client.get(f"/post/{post.id}/edit"),
        "delete_post": lambda: client.post(f"/post/{post.id}/delete"),
        "moderate_comments": lambda: client.post(f"/post/{post.id}/comments/{comment.id}/delete"),
        "close_comments": lambda: client.post(f"/post/{post.id}/comments/close"),
        "label_post": lambda: client.post(f"/post/{post.id}/labels", data={"labels": "mature"}),
        "moderate": lambda: client.get("/admin/users"),
        "change_role": lambda: client.post("/admin/users/bob/role", data={"role": "reader"}),
        "site_settings": lambda: client.get("/admin/settings"),
        "read_audit": lambda: client.get("/admin/audit"),
        "delete_user": lambda: client.post("/admin/users/bob/delete", data={"confirm": "bob"}),
        "invite": lambda: client.post("/admin/invites", data={"days": "7"}),
        "report": lambda: client.post(f"/post/{post.id}/report", data={"reason": "Spam"}),
        "report_comment": lambda: client.post(f"/post/{post.id}/comments/{comment.id}/report", data={"reason": "Rude"}),
        "comment": lambda: client.post(f"/post/{post.id}/comments", data={"body": "Hi"}),
        "like": lambda: client.post(f"/post/{post.id}/like"),
        "follow": lambda: client.post("/user/bob/follow"),
    }
    response = requests[action]()
    assert response.status_code in (200, 303, 403), response.status_code
    assert "/auth/login" not in response.headers.get("Location", "")
    return response.status_code != 403


def test_the_table_covers_every_permission():
    assert PERMISSIONS <= set(ALLOWED)


@pytest.mark.parametrize("action", sorted(ALLOWED))
@pytest.mark.parametrize("actor", sorted(ACTORS))
def test_each_role_may_do_exactly_what_the_table_says(client, actor, action):
    bob = make_user("bob", role="author")
    post = make_post("quote", author=bob)
    comment = Comment(author_name="sam", body="a comment")
    post.add_comment(comment)
    name = "bob" if actor == "owner" else f"the-{actor}"
    if actor != "owner":
        make_user(name, role=ACTORS[actor])
    AuthActions(client).login(name)
    assert try_action(client, action, post, comment) is (actor in ALLOWED[action])


def test_signed_out_visitors_are_sent_to_sign_in_for_the_console(client):
    for path in ("/admin", "/admin/users", "/admin/comments", "/admin/reports", "/admin/audit", "/admin/settings",
                 "/admin/invites"):
        assert client.get(path).headers["Location"].startswith("/auth/login")


def test_a_reader_sees_no_new_post_links_and_no_console(client, auth):
    make_user("rita", role="reader")
    auth.login("rita")
    html = page(client.get("/"))
    assert html.select(".new-post") == [] and html.select(".site-nav__admin") == []


def test_a_moderator_finds_the_console_in_the_header(client, auth):
    make_user("mod", role="moderator")
    auth.login("mod")
    assert page(client.get("/")).select_one(".site-nav__admin")["href"] == "/admin"


def test_new_accounts_get_the_default_role(app_factory):
    app = app_factory(DEFAULT_ROLE="reader")
    client = app.test_client()
    AuthActions(client).register("rita")
    assert client.get("/post/new/blog").status_code == 403
    with app.app_context():
        assert User.by_username("rita").role == "reader"


def test_the_api_refuses_posts_from_readers(client):
    make_user("rita", role="reader")
    api = ApiClient(client)
    api.token_for("rita")
    response = api.post("/posts", json={"type": "quote", "quote": "Hi"})
    assert response.status_code == 403


# --- the is_admin migration ---------------------------------------------------------------


def test_roles_migrate_turns_admins_into_admins_once(app, runner):
    users = User._get_collection()
    users.insert_many([
        {"username": "root", "username_key": "root", "password_hash": "x", "is_admin": True},
        {"username": "ada", "username_key": "ada", "password_hash": "x", "is_admin": False},
        {"username": "old", "username_key": "old", "password_hash": "x"},
        {"username": "mod", "username_key": "mod", "password_hash": "x", "role": "moderator"},
    ])
    result = runner.invoke(args=["roles", "migrate"])
    assert result.exit_code == 0 and "Updated 3 accounts." in result.output
    roles = {doc["username"]: doc.get("role") for doc in users.find()}
    assert roles == {"root": "admin", "ada": "author", "old": "author", "mod": "moderator"}
    assert users.count_documents({"is_admin": {"$exists": True}}) == 0
    assert "Updated 0 accounts." in runner.invoke(args=["roles", "migrate"]).output


def test_create_user_admin_still_makes_an_admin(app, runner):
    runner.invoke(args=["create-user", "root", "--admin", "--password", "correct horse"])
    assert User.by_username("root").role == "admin"


# --- the comment queue ------------------------------------------------------------------


def held_bodies(post):
    return [(c.body, c.state) for c in Post.objects.get(id=post.id).held_comments]


def shown_comments(client, post):
    return [p.get_text() for p in page(client.get(f"/post/{post.id}", follow_redirects=True)).select(".comments__list .comment__body")]


def set_policy(**values):
    SiteSettings(**values).save()


def test_a_held_comment_waits_unseen_until_the_author_approves_it(client, auth):
    set_policy(hold_anonymous=True)
    post = make_post("quote", author=make_user("alice"))
    response = client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": "First!"}, follow_redirects=True)
    assert "once the blog's moderators approve it" in page(response).select_one(".flashes").get_text()
    assert shown_comments(client, post) == []
    assert page(client.get("/")).select_one(".post__comments").get_text() == "0 comments"

    auth.login("alice")
    queue_link = page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one(".post-moderation__held")
    assert queue_link.get_text() == "1 comment awaiting review"
    held_id = page(client.get(queue_link["href"])).select_one("input[name=comment]")["value"]
    client.post(queue_link["href"], data={"comment": held_id, "action": "approve"})
    assert shown_comments(client, post) == ["First!"]
    assert Post.objects.get(id=post.id).comment_count == 1
    assert held_bodies(post) == []


def test_moderators_clear_a_queue_in_bulk(client, auth):
    post = make_post("quote", author=make_user("alice"))
    comments = [Comment(author_name="bot", body=f"held {n}") for n in range(3)]
    for comment in comments:
        post.hold_comment(comment)
    make_user("mod", role="moderator")
    auth.login("mod")
    queue = page(client.get("/admin/comments"))
    form = queue.select_one("form.held-queue")
    assert [c.get_text() for c in form.select(".comment__body")] == ["held 0", "held 1", "held 2"]
    client.post(form["action"], data={"comment": [str(comments[0].id), str(comments[1].id)], "action": "spam"})
    assert held_bodies(post) == [("held 0", "spam"), ("held 1", "spam"), ("held 2", "held")]
    assert Post.objects.get(id=post.id).held_count == 1
    client.post(form["action"], data={"comment": [str(c.id) for c in comments], "action": "delete"})
    assert held_bodies(post) == [] and Post.objects.get(id=post.id).held_count == 0
    assert page(client.get("/admin/comments")).select_one(".empty").get_text() == "No comments are waiting for review."


def test_approving_twice_publishes_once(app):
    post = make_post("quote")
    comment = Comment(author_name="sam", body="once")
    post.hold_comment(comment)
    first, second = Post.objects.get(id=post.id), Post.objects.get(id=post.id)
    assert first.approve_comment(comment.id) is True
    assert second.approve_comment(comment.id) is False
    stored = Post.objects.get(id=post.id)
    assert ([c.body for c in stored.comments], stored.comment_count, stored.held_count) == (["once"], 1, 0)


@pytest.mark.parametrize(
    "body, held",
    [("See https://a.example and www.b.example", False), ("https://a.example http://b.example www.c.example", True)],
)
def test_comments_with_too_many_links_are_held(client, auth, body, held):
    set_policy(max_links=2)
    post = make_post("quote")
    make_user("sam", role="reader")
    auth.login("sam")
    client.post(f"/post/{post.id}/comments", data={"body": body})
    assert (held_bodies(post) == [(body, "held")]) is held
    assert (shown_comments(client, post) == [body]) is not held


def test_a_full_queue_gives_the_comment_back(client):
    set_policy(hold_anonymous=True)
    post = make_post("quote")
    for n in range(MAX_HELD):
        post.hold_comment(Comment(author_name="bot", body=f"{n}"))
    response = client.post(f"/post/{post.id}/comments", data={"name": "Sam", "body": "My words"})
    assert response.status_code == 409
    html = page(response)
    assert "waiting for review" in html.select_one(".field__errors").get_text()
    assert html.select_one("textarea[name=body]").get_text().strip() == "My words"


def test_the_api_says_a_held_comment_is_held(client):
    set_policy(max_links=0, hold_anonymous=False)
    SiteSettings.objects.update(set__max_links=1)
    post = make_post("quote")
    api = ApiClient(client)
    api.token_for("sam")
    response = api.post(f"/posts/{post.id}/comments", json={"body": "http://a.example http://b.example"})
    assert (response.status_code, response.json["state"]) == (202, "held")
    assert api.get(f"/posts/{post.id}/comments").json["comments"] == []
    assert api.get(f"/posts/{post.id}").json["comment_count"] == 0


# --- closing comments --------------------------------------------------------------------


def test_an_author_closes_and_reopens_comments(client, auth):
    post = make_post("quote", author=make_user("alice"))
    auth.login("alice")
    assert client.post(f"/post/{post.id}/comments/close", data={"action": "close"}).status_code == 303
    html = page(client.get(f"/post/{post.id}", follow_redirects=True))
    assert html.select_one("form.comment-form") is None
    assert html.select_one(".comments__closed").get_text() == "The author has closed comments on this post."
    refused = client.post(f"/post/{post.id}/comments", data={"body": "Still here?"})
    assert refused.status_code == 409
    assert page(refused).select_one("#unsent-comment").get_text().strip() == "Still here?"
    client.post(f"/post/{post.id}/comments/close", data={"action": "open"})
    assert client.post(f"/post/{post.id}/comments", data={"body": "Back"}).status_code == 303
    assert shown_comments(client, post) == ["Back"]


# --- reports -------------------------------------------------------------------------------


def test_a_report_reaches_the_moderators_and_the_reporter_only_hears_thanks(client, auth):
    post = make_post("quote", author=make_user("bob"))
    make_user("rita", role="reader")
    auth.login("rita")
    report_link = page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one(".post-moderation__report")["href"]
    empty = client.post(report_link, data={"reason": ""})
    assert empty.status_code == 422
    thanks = client.post(report_link, data={"reason": "This is spam."}, follow_redirects=True)
    assert "Thank you" in page(thanks).select_one(".flashes").get_text()
    client.post(report_link, data={"reason": "Again."})  # a second report of the same post adds nothing
    assert Report.objects.count() == 1

    auth.logout()
    make_user("mod", role="moderator")
    auth.login("mod")
    queue = page(client.get("/admin/reports"))
    assert "This is spam." in queue.select_one(".admin-report").get_text()
    form = queue.select_one(".admin-report form")
    client.post(form["action"], data={"action": "hide", "reason": "spam"})
    assert page(client.get("/admin/reports")).select_one(".empty").get_text() == "No open reports."
    auth.logout()
    assert client.get(f"/post/{post.id}", follow_redirects=True).status_code == 404
    assert page(client.get("/")).select("article.post") == []


def test_a_reported_comment_is_deleted_from_the_queue_and_it_is_logged(app):
    post = make_post("quote", author=make_user("bob"))
    rude, kind = Comment(author_name="troll", body="You are all fools"), Comment(author_name="sam", body="Lovely")
    post.add_comment(rude)
    post.add_comment(kind)
    for name in ("rita", "rolf"):
        make_user(name, role="reader")
        reader = signed_in(app, name)
        link = page(reader.get(f"/post/{post.id}", follow_redirects=True)).select_one(f"#comment-{rude.id} .comment__report")["href"]
        form = page(reader.get(link))
        assert "You are all fools" in form.select_one("main blockquote").get_text()
        thanks = reader.post(link, data={"reason": "Insults"}, follow_redirects=True)
        assert "Thank you" in page(thanks).select_one(".flashes").get_text()
    assert Report.objects(comment=rude.id).count() == 2

    make_user("mod", role="moderator")
    mod = signed_in(app, "mod")
    item = page(mod.get("/admin/reports")).select_one(".admin-report--comment")
    assert "reported 2 times" in item.get_text() and "You are all fools" in item.select_one("blockquote").get_text()
    mod.post(item.select_one("form")["action"], data={"action": "delete", "reason": "insults"})
    assert [c.body for c in Post.objects.get(id=post.id).comments] == ["Lovely"]
    assert set(Report.objects.scalar("state")) == {"resolved"}
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target, entry.reason) == ("report delete", f"comment {rude.id} on post {post.id}", "insults")


def test_the_most_reported_things_come_first(client, auth):
    once, thrice = make_post("quote", quote="once"), make_post("quote", quote="thrice")
    comment = Comment(author_name="sam", body="twice")
    once.add_comment(comment)
    reporters = [make_user(f"reader{n}", role="reader") for n in range(3)]
    Report.file(once, reporters[0], "first")  # the oldest report, of the least reported post
    for reporter in reporters[:2]:
        Report.file(once, reporter, "rude", comment=comment)
    for reporter in reporters:
        Report.file(thrice, reporter, "spam")
    make_user("mod", role="moderator")
    auth.login("mod")
    items = page(client.get("/admin/reports")).select(".admin-report")
    shown = [(item.select_one("a")["href"], len(item.select(".admin-report__reasons li"))) for item in items]
    assert shown == [(f"/post/{thrice.id}", 3), (f"/post/{once.id}#comment-{comment.id}", 2), (f"/post/{once.id}", 1)]


def test_unknown_or_unpublished_comments_cannot_be_reported(client, auth):
    post = make_post("quote")
    held = Comment(author_name="bot", body="held")
    post.hold_comment(held)
    make_user("rita", role="reader")
    auth.login("rita")
    for comment_id in (held.id, ObjectId()):
        assert client.post(f"/post/{post.id}/comments/{comment_id}/report", data={"reason": "x"}).status_code == 404
    assert Report.objects.count() == 0


@pytest.mark.parametrize("reason", ["", " ", "x" * 501])
def test_a_report_needs_a_reason_of_sensible_length(client, auth, reason):
    post = make_post("quote", author=make_user("bob"))
    make_user("rita", role="reader")
    auth.login("rita")
    assert client.post(f"/post/{post.id}/report", data={"reason": reason}).status_code == 422
    assert Report.objects.count() == 0


def test_unknown_ids_are_404(client, auth):
    make_user("mod", role="moderator")
    auth.login("mod")
    missing = ObjectId()
    assert client.post(f"/admin/reports/{missing}", data={"action": "resolve"}).status_code == 404
    assert client.post(f"/admin/posts/{missing}/hide", data={"action": "hide"}).status_code == 404
    assert client.get(f"/post/{missing}/held").status_code == 404
    assert client.get("/admin/users/nobody").status_code == 404


# --- suspensions ---------------------------------------------------------------------------


LISTS = ["/", "/user/bob", "/tag/spam", "/search?q=cheap", "/feed.atom", "/api/v1/posts"]


def bobs_posts_shown(client, post):
    """On which lists bob's post shows."""
    return [url for url in LISTS if str(post.id) in client.get(url).get_data(as_text=True)]


def test_a_suspended_spammer_vanishes_everywhere_and_comes_back(client, auth):
    bob = make_user("bob")
    post = make_post("quote", author=bob, tags=["spam"], quote="cheap pills")
    kept_hidden = make_post("quote", author=bob, quote="hidden by a moderator")
    Post.objects(id=kept_hidden.id).update_one(set__hidden="moderator")
    token = ApiClient(client).token_for("bob")
    make_user("mod", role="moderator")
    auth.login("mod")
    user_page = page(client.get("/admin/users/bob"))
    form = user_page.select_one("form.admin-suspend")
    client.post(form["action"], data={"action": "suspend", "reason": "spam"})
    auth.logout()

    assert bobs_posts_shown(client, post) == []
    assert client.get(f"/post/{post.id}", follow_redirects=True).status_code == 404
    assert auth.login("bob").status_code == 422
    assert client.get("/api/v1/posts", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.post("/api/v1/posts", json={"type": "quote", "quote": "x"},
                       headers={"Authorization": f"Bearer {token}"}).status_code == 401

    auth.login("mod")
    client.post(form["action"], data={"action": "unsuspend"})
    auth.logout()
    assert bobs_posts_shown(client, post) == LISTS
    assert Post.objects.get(id=kept_hidden.id).hidden == "moderator"


def test_a_suspended_reader_is_signed_out_at_once(app):
    bob = make_user("bob")
    client = signed_in(app, "bob")
    User.objects(id=bob.id).update_one(set__suspended=True)
    assert page(client.get("/")).select_one(".site-nav__user") is None


def test_a_moderator_cannot_suspend_an_admin(client, auth):
    make_user("root", is_admin=True)
    make_user("mod", role="moderator")
    auth.login("mod")
    client.post("/admin/users/root/suspend", data={"action": "suspend"})
    assert User.by_username("root").suspended is False


def test_an_admin_deletes_a_spammer_with_everything_they_wrote(client, auth):
    spammer = make_user("spammer")
    post = make_post("quote", author=spammer, tags=["pills"])
    victim = make_post("quote", author=make_user("alice"))
    victim.add_comment(Comment(author=spammer, author_name="spammer", body="buy now"))
    make_user("root", is_admin=True)
    auth.login("root")
    form = page(client.get("/admin/users/spammer")).select_one(".admin-delete form")
    wrong = client.post(form["action"], data={"confirm": "spam", "reason": "spam"})
    assert wrong.status_code == 422
    assert "Type spammer to confirm." in page(wrong).select_one(".admin-delete .field__errors").get_text()
    assert User.by_username("spammer") is not None

    done = client.post(form["action"], data={"confirm": "Spammer", "reason": "spam"}, follow_redirects=True)
    assert "spammer is deleted" in page(done).select_one(".flashes").get_text()
    assert User.by_username("spammer") is None
    assert Post.objects(id=post.id).first() is None
    assert Post.objects.get(id=victim.id).comment_count == 0
    assert User.name_is_taken("spammer")  # retired, as when an account deletes itself
    entry = AuditEntry.objects.get()
    assert (entry.actor_name, entry.action, entry.target, entry.reason) == ("root", "delete user", "user spammer", "spam")


@pytest.mark.parametrize("target", ["root", "other-admin"])
def test_admins_are_not_deleted_from_the_console(client, auth, target):
    make_user("root", is_admin=True)
    make_user("other-admin", is_admin=True)
    auth.login("root")
    client.post(f"/admin/users/{target}/delete", data={"confirm": target})
    assert User.by_username(target) is not None


@pytest.mark.parametrize("url, data", [
    ("/admin/users/bob/role", {"role": "overlord"}),
    ("/admin/users/bob/role", {"role": "moderator", "reason": "x" * 501}),
    ("/admin/users/bob/suspend", {"action": "banish"}),
    ("/admin/users/bob/suspend", {"action": "suspend", "reason": "x" * 501}),
    ("/admin/users/bob/delete", {"confirm": ""}),
    ("/admin/posts/<post>/hide", {"action": "vanish"}),
    ("/admin/reports/<report>", {"action": "explode"}),
    ("/admin/reports/<report>", {"action": "delete"}),  # deleting is for a comment's report
    ("/admin/invites", {"days": "-1"}),
])
def test_console_forms_explain_bad_input_and_change_nothing(client, auth, url, data):
    bob = make_user("bob")
    post = make_post("quote", author=bob)
    root = make_user("root", is_admin=True)
    report = Report(post=post, reporter=root, reporter_name="root", reason="spam").save()
    auth.login("root")
    response = client.post(url.replace("<post>", str(post.id)).replace("<report>", str(report.id)), data=data)
    assert response.status_code == 422
    assert page(response).select_one(".field__errors, .error-page")
    bob.reload()
    assert (bob.role, bob.suspended, Post.objects.get(id=post.id).hidden) == ("author", False, None)
    assert (Report.objects.get().state, AuditEntry.objects.count()) == ("open", 0)


# --- the console, settings and the audit log -------------------------------------------------


def test_users_are_found_by_the_start_of_their_name(client, auth):
    for name in ("alice", "alicia", "bob"):
        make_user(name)
    make_user("mod", role="moderator")
    auth.login("mod")
    rows = page(client.get("/admin/users?q=ALI")).select(".admin-table tbody tr a")
    assert sorted(a.get_text() for a in rows) == ["alice", "alicia"]
    assert page(client.get("/admin/users?q=.*")).select(".admin-table tbody tr a") == []


def test_an_admin_promotes_a_moderator_and_reads_the_audit_log(client, auth):
    make_user("root", is_admin=True)
    make_user("sam")
    auth.login("root")
    client.post("/admin/users/sam/role", data={"role": "moderator", "reason": "trusted"})
    assert User.by_username("sam").role == "moderator"
    row = page(client.get("/admin/audit")).select_one(".audit-entry")
    assert [cell.get_text() for cell in row.select("td")][1:] == ["root", "role moderator", "user sam", "trusted"]


def test_an_admin_cannot_demote_themself(client, auth):
    make_user("root", is_admin=True)
    auth.login("root")
    client.post("/admin/users/root/role", data={"role": "reader"})
    assert User.by_username("root").role == "admin"


def test_closing_sign_ups_in_the_settings(client, auth):
    make_user("root", is_admin=True)
    auth.login("root")
    response = client.post("/admin/settings", data={"title": "Our blog", "max_links": "3", "signups": "closed"})
    assert response.status_code == 303
    settings = SiteSettings.current()
    assert (settings.title, settings.max_links, settings.signups, settings.hold_anonymous) == ("Our blog", 3, "closed", False)
    assert AuditEntry.objects.get().action == "settings"
    auth.logout()
    closed = client.get("/auth/register")
    assert closed.status_code == 403
    assert "not taking new accounts" in page(closed).select_one("main").get_text()
    assert AuthActions(client).register("newbie").status_code == 403
    assert User.by_username("newbie") is None


def test_the_site_title_and_description_show_in_the_header_meta_and_feeds(client, auth):
    make_user("root", is_admin=True)
    auth.login("root")
    client.get("/")  # the settings are cached now: saving them must still show at once
    client.post("/admin/settings", data={"title": "Night Owls", "description": "Notes after dark.", "signups": "open"})
    auth.logout()
    front = page(client.get("/"))
    assert front.select_one(".site-title").get_text() == "Night Owls"
    assert front.title.get_text() == "Night Owls"
    assert front.select_one("meta[name=description]")["content"] == "Notes after dark."
    assert front.select_one("meta[property='og:site_name']")["content"] == "Night Owls"
    feed = client.get("/feed.json").json
    assert (feed["title"], feed["description"]) == ("Night Owls", "Notes after dark.")
    atom = client.get("/feed.atom").get_data(as_text=True)
    assert '<title type="text">Night Owls</title>' in atom and "Notes after dark." in atom
    assert client.get("/tag/owls/feed.json").json["title"] == "#owls · Night Owls"


def test_a_new_site_title_reaches_signed_out_readers_holding_the_old_page(app):
    make_post("quote")
    reader = app.test_client()
    first = reader.get("/")
    assert first.headers.get("ETag")
    admin = app.test_client()
    make_user("root", is_admin=True)
    AuthActions(admin).login("root")
    admin.post("/admin/settings", data={"title": "Night Owls", "signups": "open"})
    again = reader.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert page(again).select_one(".site-title").get_text() == "Night Owls"


def site_pages(app, post, author):
    """Every GET page whose address needs no value, then the pages of one post, one
    blogger and one tag, and a page that does not exist."""
    paths = sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    )
    return paths + [
        f"/post/{post.id}", f"/post/{post.id}/edit", f"/post/{post.id}/reblog", f"/post/{post.id}/report",
        f"/post/{post.id}/held", f"/user/{author.username}", f"/admin/users/{author.username}",
        f"/tag/{post.tags[0]}", "/no-such-page",
    ]


def test_every_page_title_names_the_site_not_the_software(app):
    make_user("root", is_admin=True)
    bob = make_user("bob")
    post = make_post("blog", author=bob, title="Owls & larks", tags=["owls"])
    admin, reader = signed_in(app, "root"), app.test_client()
    admin.post("/admin/settings", data={"title": "Night Owls", "signups": "open"})
    titles = {}
    for who, client in (("reader", reader), ("admin", admin)):
        for path in site_pages(app, post, bob):
            response = client.get(path, follow_redirects=True)
            if response.mimetype == "text/html":
                titles[who, path] = page(response).title.get_text()
    assert len(titles) >= 40
    assert {where: title for where, title in titles.items()
            if "tumblelog" in title or not title.endswith("Night Owls")} == {}
    assert titles["admin", "/drafts"] == "Drafts · Night Owls"
    assert titles["reader", f"/post/{post.id}"] == "Owls & larks · Night Owls"
    assert titles["reader", "/no-such-page"] == "Not found · Night Owls"


def test_feeds_oembed_and_nodeinfo_speak_for_the_site(client, auth):
    post = make_post("quote", author=make_user("bob"))
    make_user("root", is_admin=True)
    auth.login("root")
    client.post("/admin/settings", data={"title": "Night Owls", "description": "Notes after dark.", "signups": "open"})
    assert client.get("/user/bob/feed.json").json["title"] == "bob · Night Owls"
    permalink = f"http://localhost/post/{post.id}/{post.slug}"
    embed = client.get("/oembed", query_string={"url": permalink}).json
    assert embed["provider_name"] == "Night Owls" and "bob on Night Owls" in embed["html"]
    nodeinfo = client.get("/nodeinfo/2.1").json
    assert nodeinfo["metadata"] == {"nodeName": "Night Owls", "nodeDescription": "Notes after dark."}
    assert nodeinfo["openRegistrations"] is True
    client.post("/admin/settings", data={"title": "Night Owls", "signups": "invite"})
    assert client.get("/nodeinfo/2.1").json["openRegistrations"] is False


@pytest.mark.parametrize("field, value", [
    ("title", ""), ("max_links", "-1"), ("max_links", "many"), ("title", "x" * 101), ("description", "x" * 301),
    ("signups", "maybe"), ("signups", ""),
])
def test_bad_settings_are_explained(client, auth, field, value):
    make_user("root", is_admin=True)
    auth.login("root")
    response = client.post("/admin/settings", data={"title": "Blog", "signups": "open", field: value})
    assert response.status_code == 422
    assert page(response).select_one(".field__errors")
    assert SiteSettings.objects.count() == 0


def test_the_permalink_stays_one_query_with_held_comments(app):
    """Held comments are not loaded with the thread: readers never receive them."""
    post = add_comments(make_post("quote"), 3)
    post.hold_comment(Comment(author_name="bot", body="secret"))
    loaded = Post.with_comments(post.id, 0, 50)
    assert [c.body for c in loaded.comments] == ["comment 1", "comment 2", "comment 3"]
    assert loaded.held_comments == []


# --- blocks --------------------------------------------------------------------------------


def test_a_blocked_reader_can_no_longer_comment_on_or_like_the_blockers_posts(app):
    alice, bob = make_user("alice"), make_user("bob")
    post = make_post("quote", author=alice)
    other = make_post("quote", author=make_user("carol"))
    alices, bobs = signed_in(app, "alice"), signed_in(app, "bob")
    bobs.post("/user/alice/follow")
    alices.post("/user/bob/follow")
    button = page(alices.get("/user/bob")).select_one("form.block-form")
    assert button.select_one("button").get_text() == "Block"
    alices.post(button["action"], data={"action": "block"})
    assert page(alices.get("/user/bob")).select_one("form.block-form button").get_text() == "Unblock"

    refused = bobs.post(f"/post/{post.id}/comments", data={"body": "Hey"})
    assert refused.status_code == 403
    assert "blocked you" in page(refused).select_one(".field__errors").get_text()
    liked = bobs.post(f"/post/{post.id}/like", data={"action": "like"}, follow_redirects=True)
    assert "blocked you" in page(liked).select_one(".flashes").get_text()
    api = ApiClient(bobs)
    api.token_for("bob")
    assert api.post(f"/posts/{post.id}/comments", json={"body": "Hey"}).status_code == 403
    assert api.post(f"/posts/{post.id}/like", json={"liked": True}).status_code == 403
    stored = Post.objects.get(id=post.id)
    assert (stored.comment_count, stored.held_count, stored.like_count) == (0, 0, 0)
    # Others' posts are open to bob as before; neither follows the other any more.
    assert bobs.post(f"/post/{other.id}/comments", data={"body": "Hi"}).status_code == 303
    assert User.by_username("bob").followed_users == User.by_username("alice").followed_users == []

    alices.post(button["action"], data={"action": "unblock"})
    assert bobs.post(f"/post/{post.id}/comments", data={"body": "Friends again"}).status_code == 303


def test_a_blocked_reader_can_neither_reblog_nor_follow_until_unblocked(app):
    alice, bob = make_user("alice"), make_user("bob")
    post = make_post("quote", author=alice)
    carol_reblog = Reblog.of(post, make_user("carol"))
    carol_reblog.save()
    alices, bobs = signed_in(app, "alice"), signed_in(app, "bob")
    alices.post("/user/bob/block", data={"action": "block"})

    for source in (post.id, carol_reblog.id):  # alice's post, directly or down a trail
        refused = bobs.post(f"/post/{source}/reblog", data={"comment": "Mine now"})
        assert refused.status_code == 403
        assert "blocked you" in page(refused).get_text()
    api = ApiClient(bobs)
    api.token_for("bob")
    assert api.post(f"/posts/{post.id}/reblog", json={"comment": "Mine now"}).status_code == 403
    assert Reblog.objects(author=bob.id).count() == 0
    follow = bobs.post("/user/alice/follow", data={"action": "follow"}, follow_redirects=True)
    assert "blocked you" in page(follow).select_one(".flashes").get_text()
    assert User.by_username("bob").followed_users == []

    alices.post("/user/bob/block", data={"action": "unblock"})
    bobs.post("/user/alice/follow", data={"action": "follow"})
    assert User.by_username("bob").followed_users == [alice.id]
    assert bobs.post(f"/post/{post.id}/reblog", data={"comment": "Friends"}).status_code == 303


def test_nobody_blocks_themself(client, auth):
    make_user("alice")
    auth.login("alice")
    assert page(client.get("/user/alice")).select_one("form.block-form") is None
    client.post("/user/alice/block", data={"action": "block"})
    assert User.by_username("alice").blocked_users == []


# --- content labels ------------------------------------------------------------------------


def test_a_labelled_post_waits_behind_a_click_through_everywhere(client, auth):
    post = make_post("quote", author=make_user("alice"), tags=["art"])
    auth.login("alice")
    form = page(client.get(f"/post/{post.id}", follow_redirects=True)).select_one(".post-labels form")
    client.post(form["action"], data={"labels": ["violence", "mature"]})
    auth.logout()
    for url in ["/", "/tag/art", "/user/alice", f"/post/{post.id}"]:
        gate = page(client.get(url, follow_redirects=True)).select_one(f"#post-{post.id} details.label-gate")
        assert gate.select_one("summary").get_text() == "Content: Mature, Violence. Show the post"
        assert gate.select_one("blockquote")  # the post itself is inside
    assert client.get(f"/api/v1/posts/{post.id}").json["labels"] == ["mature", "violence"]
    feed = client.get("/feed.atom").get_data(as_text=True)
    assert 'term="mature" label="Mature"' in feed
    item = client.get("/feed.json").json["items"][0]
    assert [label["term"] for label in item["_tumblelog"]["content_labels"]] == ["mature", "violence"]


def test_a_moderator_labels_a_post_and_it_is_logged(client, auth):
    post = make_post("quote", author=make_user("alice"))
    make_user("mod", role="moderator")
    auth.login("mod")
    client.post(f"/post/{post.id}/labels", data={"labels": "drug-use"})
    assert Post.objects.get(id=post.id).labels == ["drug-use"]
    assert (AuditEntry.objects.get().action, AuditEntry.objects.get().reason) == ("labels", "drug-use")
    client.post(f"/post/{post.id}/labels", data={})
    assert Post.objects.get(id=post.id).labels == []


@pytest.mark.parametrize("labels", [["gore"], ["mature", "<script>"], [""]])
def test_unknown_labels_are_refused(client, auth, labels):
    post = make_post("quote", author=make_user("alice"))
    auth.login("alice")
    assert client.post(f"/post/{post.id}/labels", data={"labels": labels}).status_code == 400
    assert Post.objects.get(id=post.id).labels == []


def test_readers_choose_to_show_blur_or_hide_each_label(client, auth):
    mature = make_post("quote", author=make_user("alice"), quote="Mature words", labels=["mature"])
    violent = make_post("quote", quote="Violent words", labels=["violence", "mature"])
    plain = make_post("quote", quote="Plain words")
    make_user("rita", role="reader")
    auth.login("rita")
    form = page(client.get("/labels")).select_one("main form")
    assert form.select_one("select[name=mature] option[selected]")["value"] == "blur"
    response = client.post("/labels", data={"mature": "show", "violence": "hide", "drug_use": "blur", "sexual_themes": "blur"})
    assert response.status_code == 303
    front = page(client.get("/"))
    shown = {article["data-post-id"]: bool(article.select_one("details.label-gate")) for article in front.select("article.post")}
    # mature only: shown plainly; violence and mature: the strictest choice, hidden; plain: as ever.
    assert shown == {str(mature.id): False, str(plain.id): False}
    # A permalink is asked for by name: it blurs rather than hides.
    assert page(client.get(f"/post/{violent.id}", follow_redirects=True)).select_one("details.label-gate")


@pytest.mark.parametrize("value", ["", "nuke", "SHOW"])
def test_a_label_choice_must_be_one_of_three(client, auth, value):
    make_user("rita", role="reader")
    auth.login("rita")
    assert client.post("/labels", data={"mature": value, "violence": "show", "drug_use": "show", "sexual_themes": "show"}).status_code == 422
    assert User.by_username("rita").label_choices == {}


# --- round trips ----------------------------------------------------------------------------


CONSOLE = ["/admin", "/admin/users", "/admin/users?q=user", "/admin/users/user0", "/admin/comments",
           "/admin/reports", "/admin/audit", "/admin/settings", "/admin/invites", "/mutes"]


def console_costs(app_factory, size):
    """The database operations of each console page with ``size`` users, posts with held
    comments, reports and audit entries."""
    app = app_factory()
    client = app.test_client()
    with app.app_context():
        root = make_user("root", is_admin=True)
        for n in range(size):
            post = make_post("quote", author=make_user(f"user{n}"))
            post.hold_comment(Comment(author_name="bot", body="held"))
            Report(post=post, reporter=root, reporter_name="root", reason="spam").save()
            comment = Comment(author_name="troll", body="rude")
            post.add_comment(comment)
            Report.file(post, root, "rude", comment=comment)
            AuditEntry(actor=root, actor_name="root", action="hide", target=f"post {post.id}").save()
            Invite.create(root, days=7)
    AuthActions(client).login("root")
    costs = {}
    for url in CONSOLE + [f"/post/{post.id}/held"]:
        client.get(url)  # collections and their indexes made: not the page's cost
        with METER.recording() as operations:
            assert client.get(url).status_code == 200
        costs[url.replace(str(post.id), "<id>")] = operations
    return costs


def test_console_pages_cost_the_same_however_much_waits(app_factory):
    small, large = console_costs(app_factory, 3), console_costs(app_factory, 12)
    assert {url: len(ops) for url, ops in large.items()} == {url: len(ops) for url, ops in small.items()}
    assert max(len(ops) for ops in large.values()) <= 4
    every = [op for ops in large.values() for op in ops]
    assert [(op.collection, op.filter, op.sort) for op in unserved(every)] == []


# --- mutes -----------------------------------------------------------------------------------


def test_a_reader_mutes_tags_and_words_out_of_their_dashboard_and_tag_pages(client, auth):
    ada = make_user("ada")
    plain = make_post("quote", author=ada, tags=["tv"], quote="A quiet evening")
    spoiler = make_post("quote", author=ada, tags=["tv", "finale"], quote="Nothing special")
    worded = make_post("quote", author=ada, tags=["tv"], quote="Spoilers: everyone dies")
    make_user("rita", role="reader")
    auth.login("rita")
    client.post("/user/ada/follow")
    link = page(client.get("/dashboard")).select_one(".mutes-link")["href"]
    assert client.post(link, data={"tags": "Finale", "words": "spoiler"}).status_code == 303
    form = page(client.get(link)).select_one("main form")
    assert (form.select_one("input[name=tags]")["value"], form.select_one("textarea").get_text().strip()) == ("finale", "spoiler")

    def shown(url):
        return post_ids(client.get(url))

    assert shown("/dashboard") == shown("/tag/tv") == [str(plain.id)]
    # A blogger's page, asked for by name, shows every post; one with a muted tag folded away.
    assert set(shown("/user/ada")) == {str(plain.id), str(spoiler.id), str(worded.id)}
    folded = page(client.get("/user/ada")).select("details.mute-gate")
    assert [(gate.summary.get_text(), gate.article["data-post-id"]) for gate in folded] == [
        ("Muted: #finale. Show the post", str(spoiler.id))]
    assert page(client.get(f"/post/{spoiler.id}", follow_redirects=True)).select_one("details.mute-gate") is None
    client.post(link, data={"tags": "", "words": ""})
    assert len(shown("/dashboard")) == 3


@pytest.mark.parametrize("tags, words", [
    ("ok", "two words"),
    ("ok", "don't"),
    ("bad<tag>", "fine"),
    (",".join(f"t{n}" for n in range(21)), ""),
    ("", "\n".join(f"w{n}" for n in range(21))),
])
def test_mutes_are_checked_and_bounded(client, auth, tags, words):
    make_user("rita", role="reader")
    auth.login("rita")
    response = client.post("/mutes", data={"tags": tags, "words": words})
    assert response.status_code == 422
    assert page(response).select_one(".field__errors")
    assert (User.by_username("rita").muted_tags, User.by_username("rita").muted_words) == ([], [])


def test_reports_are_limited_per_reader_across_posts_and_comments(app_factory):
    app = app_factory(RATELIMIT_REPORT="2 per minute")
    client = app.test_client()
    with app.app_context():
        post = make_post("quote", author=make_user("bob"))
        comment = Comment(author_name="sam", body="hi")
        post.add_comment(comment)
        make_user("rita", role="reader")
    AuthActions(client).login("rita")
    assert client.post(f"/post/{post.id}/report", data={"reason": "spam"}).status_code == 303
    assert client.post(f"/post/{post.id}/comments/{comment.id}/report", data={"reason": "rude"}).status_code == 303
    assert client.post(f"/post/{post.id}/report", data={"reason": "again"}).status_code == 429
    assert client.get(f"/post/{post.id}/report").status_code == 200  # reading the form is free


def test_a_deleted_posts_reports_go_with_it(client, auth):
    bob = make_user("bob")
    post = make_post("quote", author=bob)
    Report.file(post, make_user("rita", role="reader"), "spam")
    auth.login("bob")
    client.post(f"/post/{post.id}/delete")
    assert Report.objects.count() == 0


# --- moderation and the workflow ---------------------------------------------------------


@pytest.mark.parametrize("viewer, shown", [("moderator", ["Live words"]), ("admin", ["Draft words", "Live words", "Private words"])])
def test_moderators_see_what_readers_see_of_a_blog_admins_everything(client, auth, viewer, shown):
    bob = make_user("bob")
    make_post("quote", author=bob, quote="Live words")
    make_post("quote", author=bob, quote="Draft words", state="draft")
    make_post("quote", author=bob, quote="Private words", visibility="private")
    make_user("staff", role=viewer)
    auth.login("staff")
    listed = page(client.get("/admin/users/bob")).select(".admin-posts li a")
    assert sorted(a.get_text() for a in listed) == shown


@pytest.mark.parametrize("fields", [{"state": "draft"}, {"visibility": "private"}])
def test_unpublished_posts_and_their_comments_cannot_be_reported(client, auth, fields):
    post = make_post("quote", author=make_user("bob"))
    comment = Comment(author_name="sam", body="hi")
    post.add_comment(comment)
    Post.objects(id=post.id).update_one(**{f"set__{name}": value for name, value in fields.items()})
    make_user("rita", role="reader")
    auth.login("rita")
    assert client.post(f"/post/{post.id}/report", data={"reason": "x"}).status_code == 404
    assert client.post(f"/post/{post.id}/comments/{comment.id}/report", data={"reason": "x"}).status_code == 404
    assert Report.objects.count() == 0
