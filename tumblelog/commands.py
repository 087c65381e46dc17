"""Command-line tools: ``flask --app tumblelog create-user``, ``seed``, ``export`` and
``posts upgrade``."""
import re

import click
from flask import current_app
from flask.cli import with_appcontext
from mongoengine import NotUniqueError

from .export import export
from .forms import PASSWORD_MIN
from .models import USERNAME_PATTERN, Post, User
from .seed import seed_posts


def warn_if_embedded():
    if current_app.config["EMBEDDED_DB"]:
        click.secho(
            "MONGODB_URI is not set: this writes to an in-memory database that is gone "
            "when the command ends. Set MONGODB_URI to keep the data.",
            fg="yellow",
            err=True,
        )


@click.command("create-user")
@with_appcontext
@click.argument("username")
@click.option("--admin", is_flag=True, help="Make the account an administrator.")
@click.option("--email", default=None, help="The account's email address (optional).")
@click.password_option(help="The password; asked for (twice) when not given.")
def create_user(username, admin, email, password):
    """Create an account, e.g. the first admin: create-user NAME --admin."""
    warn_if_embedded()
    if not re.match(USERNAME_PATTERN, username):
        raise click.BadParameter(
            "3–32 characters: letters, digits, '_' or '-', starting with a letter or digit.",
            param_hint="USERNAME",
        )
    if len(password) < PASSWORD_MIN:
        raise click.BadParameter(f"use at least {PASSWORD_MIN} characters.", param_hint="--password")
    user = User(username=username, email=email.lower() if email else None, is_admin=admin)
    user.set_password(password)
    try:
        user.save()
    except NotUniqueError:
        raise click.ClickException(f"The username {username!r} (or that email) is taken.") from None
    click.echo(f"Created {'admin' if admin else 'user'} {username}.")


@click.command("seed")
@with_appcontext
@click.option("--posts", "count", default=50, show_default=True, type=click.IntRange(1, 1_000_000),
              help="How many demo posts to add.")
def seed(count):
    """Add demo bloggers and COUNT posts of all four types, with tags and comments."""
    warn_if_embedded()
    with click.progressbar(length=count, label="Seeding posts") as bar:
        seed_posts(count, progress=bar.update)
    click.echo(f"Added {count} posts.")


@click.group("posts")
def posts():
    """Maintenance of stored posts."""


@posts.command("upgrade")
@with_appcontext
def upgrade_posts():
    """Publish posts stored before drafts and visibility existed (once, after upgrading):
    until then lists leave them out."""
    click.echo(f"Upgraded {Post.upgrade_stored()} posts.")


def register(app):
    app.cli.add_command(create_user)
    app.cli.add_command(seed)
    app.cli.add_command(export)
    app.cli.add_command(posts)
