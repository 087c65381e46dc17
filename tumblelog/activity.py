"""Notifications: ``/activity`` lists what happened to the reader's posts and blog,
newest first, and marks it read; the reader turns kinds of notification on or off,
and asks for them by e-mail (notification_mail.py).
The header's unread count is ``User.unread_count``, on the account every request
loads (notes.notify keeps it)."""
import click
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import notification_mail
from .models import User
from .notes import NOTIFICATION_KINDS, Notification, link_mentions
from .paging import page_number
from .ratelimit import action_limit

bp = Blueprint("activity", __name__, cli_group="notifications")
bp.cli.help = "Notifications by e-mail."
bp.app_template_filter("mentions")(link_mentions)

NOTIFICATIONS_PER_PAGE = 30


@bp.route("/activity")
@login_required
def activity():
    """A page of the reader's notifications (``?page=N``); viewing marks them read."""
    number = page_number()
    user = current_user._get_current_object()
    found = Notification.for_reader(user, (number - 1) * NOTIFICATIONS_PER_PAGE, NOTIFICATIONS_PER_PAGE + 1)
    if not found and number > 1:
        abort(404)
    if user.unread_count:
        Notification.mark_read(user)
    return render_template(
        "activity/activity.html", notifications=found[:NOTIFICATIONS_PER_PAGE], number=number,
        has_more=len(found) > NOTIFICATIONS_PER_PAGE, kinds=NOTIFICATION_KINDS,
        mail_choices=notification_mail.CHOICES,
    )


@bp.route("/activity/settings", methods=("POST",))
@login_required
@action_limit("post", "RATELIMIT_POST")  # counted with the blogger's other changes
def settings():
    """Which kinds of notification the reader wants: a checkbox per kind (``on``), and
    how often they are mailed (``email``: off, hourly or daily; absent: unchanged)."""
    wanted = set(request.form.getlist("on"))
    off = [kind for kind in NOTIFICATION_KINDS if kind not in wanted]
    email = request.form.get("email", current_user.notification_mail)
    if email not in notification_mail.CHOICES:
        abort(400)  # not one of the form's choices
    User.objects(id=current_user.id).update_one(set__notifications_off=off, set__notification_mail=email)
    flash("Your notification settings are saved.", "success")
    return redirect(url_for("activity.activity"), 303)


@bp.cli.command("mail")
def mail_command():
    """Mail every reader who is due their notifications now (what beat does hourly)."""
    total = notification_mail.run(progress=lambda done, total: click.echo(f"{done} of {total} readers queued"))
    click.echo(f"{total} readers were due their notification mail.")
