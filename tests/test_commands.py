"""The operator's commands, run as ``flask --app tumblelog ...`` would run them:
``create-user`` makes accounts that can sign in, ``seed`` fills the blog with demo
posts of every type, every group explains itself, and every command says in one line
when MongoDB cannot be reached."""
import os
import random
import subprocess
import sys
import types
from pathlib import Path

import click
import pytest
from mongoengine.connection import disconnect_all

import tumblelog.seed
from conftest import make_app, page
from factories import backup_zip, make_user
from tumblelog.models import POST_TYPES, BlogPost, Post, User

PASSWORD = "a fine long password"


def sign_in(client, username, password=PASSWORD):
    return client.post("/auth/login", data={"username": username, "password": password})


def header_name(response):
    user_link = page(response).select_one(".site-header .site-nav__user")
    return user_link.get_text(strip=True) if user_link else None


def one_line(text):
    """``text`` with click's line wrapping undone."""
    return " ".join(text.split())


# --- create-user -------------------------------------------------------------------


def test_a_created_user_can_sign_in(runner, client):
    result = runner.invoke(args=["create-user", "bob", "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    assert "Created user bob." in result.output
    user = User.objects.get()
    assert (user.username, user.is_admin) == ("bob", False)
    assert sign_in(client, "bob").status_code == 303
    assert header_name(client.get("/")) == "bob"


def test_admin_makes_an_administrator(runner):
    result = runner.invoke(args=["create-user", "Root", "--admin", "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    assert "Created admin Root." in result.output
    user = User.by_username("root")
    assert (user.username, user.is_admin) == ("Root", True)


def test_an_email_is_stored_in_lower_case(runner):
    result = runner.invoke(args=["create-user", "bob", "--email", "Bob@Example.COM", "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    assert User.objects.get().email == "bob@example.com"


def test_users_created_without_an_email_do_not_clash(runner):
    for name in ("bob", "carol"):
        result = runner.invoke(args=["create-user", name, "--password", PASSWORD])
        assert result.exit_code == 0, result.output

    assert sorted(user.username for user in User.objects) == ["bob", "carol"]


def test_the_password_is_asked_for_when_not_given(runner, client):
    result = runner.invoke(args=["create-user", "bob"], input=f"{PASSWORD}\n{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert "Password" in result.output
    assert PASSWORD not in result.output  # typed passwords are not echoed
    assert sign_in(client, "bob").status_code == 303


def test_two_different_typed_passwords_create_nobody(runner):
    result = runner.invoke(args=["create-user", "bob"], input=f"{PASSWORD}\nsomething else\n")

    assert result.exit_code != 0
    assert "do not match" in result.output
    assert User.objects.count() == 0


@pytest.mark.parametrize("second", ["bob", "BOB", "Bob"])
def test_a_taken_username_is_refused_in_any_case(runner, second):
    runner.invoke(args=["create-user", "bob", "--password", PASSWORD])

    result = runner.invoke(args=["create-user", second, "--password", "another password"])

    assert result.exit_code != 0
    assert "is taken" in result.output
    assert second in result.output
    assert [user.username for user in User.objects] == ["bob"]
    assert User.objects.get().check_password(PASSWORD)


def test_a_removed_accounts_name_is_refused_and_a_reserved_one_allowed(runner):
    make_user("gone").retire_name()
    User.objects(username_key="gone").delete()

    result = runner.invoke(args=["create-user", "Gone", "--password", PASSWORD])
    assert result.exit_code != 0
    assert "removed account" in result.output
    # Reserved names keep guests and sign-ups off them; the operator may still use one.
    assert runner.invoke(args=["create-user", "admin", "--admin", "--password", PASSWORD]).exit_code == 0


def test_a_taken_email_is_refused(runner):
    runner.invoke(args=["create-user", "bob", "--email", "bob@example.com", "--password", PASSWORD])

    result = runner.invoke(args=["create-user", "carol", "--email", "BOB@example.com", "--password", PASSWORD])

    assert result.exit_code != 0
    assert "taken" in result.output
    assert [user.username for user in User.objects] == ["bob"]


@pytest.mark.parametrize("username", ["ab", "a" * 33, "has space", "-dash", "<script>", "ålice"])
def test_a_bad_username_is_refused(runner, username):
    # "--" ends the options, as an operator would type it for a name like "-dash".
    result = runner.invoke(args=["create-user", "--password", PASSWORD, "--", username])

    assert result.exit_code != 0
    assert "3–32 characters" in one_line(result.output)
    assert User.objects.count() == 0


@pytest.mark.parametrize("password", ["", "short", "7 chars"])
def test_a_short_password_is_refused(runner, password):
    result = runner.invoke(args=["create-user", "bob", "--password", password])

    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert User.objects.count() == 0


def test_commands_warn_when_the_data_will_not_be_kept(app, runner):
    result = runner.invoke(args=["create-user", "bob", "--password", PASSWORD])

    assert result.exit_code == 0, result.output
    warned = "MONGODB_URI is not set" in one_line(result.output)
    assert warned == app.config["EMBEDDED_DB"]


# --- seed --------------------------------------------------------------------------


@pytest.fixture
def fixed_seed(monkeypatch):
    """Seed from a fixed random sequence, so the test cannot depend on luck."""
    real_random = random.Random
    monkeypatch.setattr(
        tumblelog.seed, "random", types.SimpleNamespace(Random=lambda *args, **kwargs: real_random(2024))
    )


@pytest.fixture
def seeded(runner, fixed_seed):
    result = runner.invoke(args=["seed", "--posts", "30"])
    assert result.exit_code == 0, result.output
    return result


def test_seed_adds_exactly_the_posts_asked_for(seeded):
    assert "Seeding posts" in seeded.output  # the progress bar's label
    assert "Added 30 posts." in seeded.output
    assert Post.objects.count() == 30


def test_seeded_posts_have_every_type_and_all_are_tagged(seeded):
    posts = list(Post.objects)

    assert {post.type for post in posts} == set(POST_TYPES)
    assert all(post.tags for post in posts)


def test_seeded_comments_are_counted(seeded):
    posts = list(Post.objects)

    assert any(post.comments for post in posts)
    assert all(post.comment_count == len(post.comments) for post in posts)


def test_seeded_blog_posts_have_their_markdown_rendered(seeded):
    blog_posts = list(BlogPost.objects)

    assert blog_posts
    for post in blog_posts:
        assert post.body_html.startswith("<")
        assert "<p>" in post.body_html or "<ul>" in post.body_html or "<pre>" in post.body_html


def test_after_seeding_the_front_page_shows_a_full_page(seeded, client):
    response = client.get("/")

    assert response.status_code == 200
    articles = page(response).select("article.post")
    assert len(articles) == 10
    assert {article["data-post-type"] for article in articles} <= set(POST_TYPES)


def test_seed_keeps_adding_to_what_is_there(runner):
    runner.invoke(args=["seed", "--posts", "3"])
    result = runner.invoke(args=["seed", "--posts", "2"])

    assert result.exit_code == 0, result.output
    assert Post.objects.count() == 5


@pytest.mark.parametrize("count", ["0", "-5", "many"])
def test_seed_refuses_a_count_that_is_not_positive(runner, count):
    result = runner.invoke(args=["seed", "--posts", count])

    assert result.exit_code != 0
    assert "--posts" in result.output
    assert Post.objects.count() == 0


# --- help --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "docstring"),
    [
        ("create-user", "Create an account, e.g. the first admin: create-user NAME --admin."),
        ("seed", "Add demo bloggers and COUNT posts of all four types, with tags and comments."),
    ],
)
def test_help_explains_each_command(runner, command, docstring):
    result = runner.invoke(args=[command, "--help"])

    assert result.exit_code == 0
    assert docstring in one_line(result.output)


def test_the_command_list_names_both_commands(runner):
    result = runner.invoke(args=["--help"])

    assert result.exit_code == 0
    assert "create-user" in result.output
    assert "seed" in result.output


def test_every_command_group_explains_itself(app, runner):
    groups = [command for command in app.cli.commands.values() if isinstance(command, click.Group)]
    assert {"search", "likes", "limits"} <= {group.name for group in groups}
    for group in groups:
        assert group.help, f"flask {group.name} has no help text"
        assert one_line(group.help) in one_line(runner.invoke(args=[group.name, "--help"]).output)


def test_flask_help_lists_the_commands_without_the_secret_key_warning():
    env = {name: value for name, value in os.environ.items() if name not in ("SECRET_KEY", "MONGODB_URI", "TUMBLELOG_CONFIG")}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tumblelog", "--help"],
        cwd=Path(__file__).resolve().parents[1], env=env, capture_output=True, text=True, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert {"create-user", "seed", "export", "import", "search", "likes"} <= set(result.stdout.split())
    assert "SECRET_KEY" not in result.stderr


# --- a database that cannot be reached ---------------------------------------------


@pytest.fixture
def offline_runner(free_tcp_port, tmp_path):
    """A CLI runner for an app whose MongoDB is a loopback port nobody listens on."""
    settings = {"host": f"mongodb://127.0.0.1:{free_tcp_port}/offline", "tz_aware": True,
                "serverSelectionTimeoutMS": 200}
    yield make_app(MONGODB_SETTINGS=settings).test_cli_runner(), free_tcp_port
    disconnect_all()


def every_command(group):
    for command in group.commands.values():
        yield from every_command(command) if isinstance(command, click.Group) else [command]


def test_every_command_of_the_app_answers_an_unreachable_database_clearly(app):
    # Commands added after commands.register (which wraps them) would print tracebacks.
    unwrapped = [command.name for command in every_command(app.cli) if not getattr(command.callback, "fails_clearly", False)]
    assert unwrapped == []


OFFLINE_COMMANDS = [
    ["create-user", "bob", "--password", PASSWORD],
    ["seed", "--posts", "1"],
    ["export", "alice"],
    ["export", "--all", "--output", "{tmp}/site.zip"],
    ["import", "{tmp}/empty.zip"],
    ["search", "reindex"],
    ["likes", "remember"],
]


@pytest.mark.parametrize("args", OFFLINE_COMMANDS, ids=" ".join)
def test_every_command_says_in_one_line_that_the_database_is_unreachable(offline_runner, tmp_path, args):
    runner, port = offline_runner
    backup_zip(tmp_path).rename(tmp_path / "empty.zip")

    result = runner.invoke(args=[arg.format(tmp=tmp_path) for arg in args])

    assert result.exit_code == 1
    assert result.output.splitlines()[-1] == (
        f"Error: Cannot reach MongoDB at 127.0.0.1:{port} — is it running? Check MONGODB_URI."
    )
    assert "Traceback" not in result.output
    assert not (tmp_path / "site.zip").exists()
