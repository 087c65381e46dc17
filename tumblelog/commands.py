"""Command-line tools: ``flask --app tumblelog create-user``, ``seed``, ``export`` and
``import``, ``posts upgrade`` and ``posts publish-due``, and ``limits unlock`` /
``limits reset`` for rate limits; blueprints add their own groups (``search``, ``likes``).

Every command, whoever declares it, answers an unreachable database with one line
that says what to check, and exit status 1 (``fail_clearly``).
"""
import functools
import re
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import ScriptInfo, with_appcontext
from mongoengine import NotUniqueError
from pymongo.errors import ConnectionFailure

from .backup import KINDS, BackupError, opened_backup, restore_site
from .export import export
from .extensions import limiter
from .forms import PASSWORD_MIN
from .models import USERNAME_PATTERN, Post, User
from .moderation import roles_cli
from .ratelimit import clear_sign_in_locks
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
    if User.name_is_taken(username):
        raise click.ClickException(f"The username {username!r} is taken, or was a removed account's.")
    user = User(username=username, email=email.lower() if email else None, role="admin" if admin else None)
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


@click.group("limits")
def limits():
    """Rate limits: let someone in again after failed sign-ins, or forget every count.

    (Flask-Limiter's own ``flask limiter`` group lists the limits of each route.)
    """


@limits.command("unlock")
@with_appcontext
@click.argument("username")
@click.argument("address", required=False)
def unlock(username, address):
    """Let USERNAME sign in again after failed attempts (from ADDRESS, an IP address,
    too: the addresses that failed stay refused otherwise)."""
    clear_sign_in_locks(username, address)
    where = f", and those from {address}" if address else ""
    click.echo(f"Cleared the failed sign-ins of {username.lower()}{where}.")


@limits.command("reset")
@with_appcontext
def reset_limits():
    """Forget every rate-limit count (all actions, accounts and addresses)."""
    limiter.reset()
    click.echo("Every rate-limit count is cleared.")


@click.command("import")
@with_appcontext
@click.argument("backup", type=click.Path(exists=True, dir_okay=False))
def import_site(backup):
    """Restore a whole-site backup (made by export --all) into an empty database."""
    warn_if_embedded()
    try:
        with opened_backup(backup) as (archive, manifest):
            total = sum(manifest["counts"][kind] for kind in KINDS)
            with click.progressbar(length=total, label="Importing") as bar:
                counts = restore_site(archive, manifest, progress=bar.update)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Imported {counts['users']} users, {counts['posts']} posts, {counts['comments']} comments, "
        f"{counts['likes']} likes and {counts['media']} files."
    )


def database_address(settings):
    """Where the app looks for MongoDB, as ``host:port`` (never the credentials)."""
    hosts = urlsplit(settings.get("host") or "mongodb://localhost").netloc.rpartition("@")[2]
    return ",".join(host if re.search(r":\d+$", host) else f"{host}:27017" for host in hosts.split(","))


def unreachable():
    """A ``ClickException`` that says where MongoDB was looked for and what to check."""
    app = click.get_current_context().find_object(ScriptInfo).load_app()
    address = database_address(app.config["MONGODB_SETTINGS"])
    return click.ClickException(f"Cannot reach MongoDB at {address} — is it running? Check MONGODB_URI.")


def fail_clearly(command):
    """Wrap ``command`` (and a group's commands) so a lost database is one line, not a
    traceback. Commands are module-level objects shared by every app: wrapped once."""
    for sub in getattr(command, "commands", {}).values():
        fail_clearly(sub)
    callback = command.callback
    if callback is None or getattr(callback, "fails_clearly", False):
        return

    @functools.wraps(callback)
    def wrapped(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except ConnectionFailure:
            raise unreachable() from None

    wrapped.fails_clearly = True
    command.callback = wrapped


@click.group("posts")
def posts():
    """Maintenance of stored posts."""


@posts.command("upgrade")
@with_appcontext
def upgrade_posts():
    """Publish posts stored before drafts and visibility existed (once, after upgrading):
    until then lists leave them out."""
    click.echo(f"Upgraded {Post.upgrade_stored()} posts.")


@posts.command("publish-due")
@with_appcontext
def publish_due():
    """Run the side effects of going live for queued and scheduled posts whose time has
    come (each once). Lists show them on time without this; run it from cron or a
    periodic job."""
    click.echo(f"Published {Post.publish_due()} posts.")


def register(app):
    """Add the commands; call after the blueprints, so their groups are wrapped too."""
    # Not "limiter": Flask-Limiter installs a group of that name as a Flask plugin,
    # which the command line finds before the app (and its commands) is even loaded.
    app.cli.add_command(limits)
    app.cli.add_command(create_user)
    app.cli.add_command(seed)
    app.cli.add_command(export)
    app.cli.add_command(import_site)
    app.cli.add_command(roles_cli)
    app.cli.add_command(posts)
    app.cli.help = "Run and look after a tumblelog: accounts, demo data, backups, maintenance."
    fail_clearly(app.cli)
