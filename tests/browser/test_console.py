"""The moderation console in a real browser: every page passes the axe scan, in the
site's own templates and under its content security policy."""
from factories import make_post, make_user
from tumblelog.models import Comment
from tumblelog.moderation import Invite, Report

from .site import sign_in
from .test_pages import axe_violations


def test_console_pages_have_no_serious_accessibility_violations(page_for, live_server):
    with live_server.app.app_context():
        root = make_user("root", is_admin=True)
        post = make_post("quote", make_user("ada"), quote="Simple is better than complex.", labels=["mature"])
        post.hold_comment(Comment(author_name="bot", body="Buy now"))
        rude = Comment(author_name="troll", body="Rude words")
        post.add_comment(rude)
        Report(post=post, reporter=root, reporter_name="root", reason="Testing the queue").save()
        Report.file(post, root, "A rude comment", comment=rude)
        Invite.create(root, days=7, note="for Dan")
    page = page_for(bypass_csp=True)  # axe is injected as an inline script
    sign_in(page, "root")
    found = {}
    for path in ["/", "/admin", "/admin/users", "/admin/users/ada", "/admin/comments", "/admin/reports",
                 "/admin/settings", "/admin/audit", "/admin/invites", "/mutes", f"/post/{post.id}",
                 f"/post/{post.id}/held", f"/post/{post.id}/report", f"/post/{post.id}/comments/{rude.id}/report",
                 "/admin/federation", "/fediverse"]:
        page.goto(path)
        found[path] = axe_violations(page)
    report = [f"{path}:\n  " + "\n  ".join(violations) for path, violations in found.items() if violations]
    assert not report, "\n".join(report)


def test_console_pages_keep_the_content_security_policy(page_for, live_server):
    """Under the real policy: ``page_for`` fails the test on any console error, and a
    refused inline script or style is one."""
    with live_server.app.app_context():
        make_user("root", is_admin=True)
    page = page_for()
    sign_in(page, "root")
    for path in ["/admin", "/admin/users", "/admin/users/root", "/admin/comments", "/admin/reports",
                 "/admin/settings", "/admin/audit", "/admin/invites", "/mutes", "/admin/federation", "/fediverse"]:
        assert page.goto(path).status == 200
