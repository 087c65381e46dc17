"""A new blogger's account, as in ``make run``: no mail server, so mails are read from
the log as a terminal would show them."""
import logging
import re
import zipfile

import pytest
from playwright.sync_api import expect

from factories import PASSWORD


from .media import write_landscape
from .site import flash, sign_up

NEW_PASSWORD = "a brand new passphrase"


class MailLog(logging.Handler):
    """The mails the app logs, as text."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.mails = []

    def emit(self, record):
        self.mails.append(record.getMessage())

    def link(self, path):
        """The newest logged link to ``path`` (a path on the live server)."""
        for mail in reversed(self.mails):
            found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", mail)
            if found:
                return found.group(1)
        raise AssertionError(f"no mail with a link to {path}")


@pytest.fixture
def mail_log():
    handler = MailLog()
    logger = logging.getLogger("tumblelog.mail")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_a_blogger_sets_up_resets_changes_downloads_and_leaves(page, live_server, mail_log, tmp_path):
    sign_up(page, "zoe")
    page.get_by_role("link", name="Settings", exact=True).click()
    write_landscape(tmp_path / "me.jpg")
    page.get_by_label("Avatar").set_input_files(tmp_path / "me.jpg")
    page.get_by_label("About you").fill("I write about hills.")
    page.get_by_role("button", name="Save profile").click()
    expect(flash(page)).to_have_text("Your profile is saved.")
    page.get_by_role("link", name="zoe").first.click()
    expect(page.locator(".profile__bio")).to_have_text("I write about hills.")
    expect(page.locator("img.profile__avatar")).to_be_visible()
    expect(page.locator(".site-nav__avatar")).to_be_visible()

    # Forgotten password: the link comes from the log, as `make run` prints it.
    page.get_by_role("button", name="Sign out").click()
    page.goto("/auth/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill("zoe@example.com")
    page.get_by_role("button", name="Send the link").click()
    expect(flash(page)).to_contain_text("If an account has that address")
    page.goto(mail_log.link("/auth/reset/"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save the new password").click()
    expect(flash(page)).to_contain_text("Your password is changed")

    page.goto("/settings")
    page.get_by_label("New email").fill("zoe@hills.example")
    page.locator("#settings-email").get_by_label("Current password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Send confirmation link").click()
    expect(flash(page)).to_contain_text("We sent a link to zoe@hills.example")
    page.goto(mail_log.link("/settings/email/"))
    expect(flash(page)).to_have_text("Your e-mail address is changed.")
    expect(page.get_by_text("(zoe@hills.example)")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Download your data").click()
    archive = zipfile.ZipFile(download.value.path())
    assert {"posts.json", "comments.json", "following.json", "profile.json"} <= set(archive.namelist())

    page.locator("#settings-delete").get_by_label("Your password").fill(PASSWORD)  # the old one
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#settings-delete .field__errors")).to_contain_text("nothing was deleted")
    page.locator("#settings-delete").get_by_label("Your password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(flash(page)).to_contain_text("are deleted. Goodbye!")
    assert page.goto("/user/zoe").status == 404
