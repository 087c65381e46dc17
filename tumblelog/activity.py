"""Notifications: ``/activity`` lists what happened to the reader's posts and blog,
newest first, and marks it read; the reader turns kinds of notification on or off.
The header's unread count is ``User.unread_count``, on the account every request
loads (notes.notify keeps it)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .models import User
from .notes import NOTIFICATION_KINDS, Notification, link_mentions
from .paging import page_number
from .ratelimit import action_limit

bp = Blueprint("activity", __name__)
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
    )


@bp.route("/activity/settings", methods=("POST",))
@login_required
@action_limit("post", "RATELIMIT_POST")  # counted with the blogger's other changes
def settings():
    """Which kinds of notification the reader wants: a checkbox per kind (``on``)."""
    wanted = set(request.form.getlist("on"))
    off = [kind for kind in NOTIFICATION_KINDS if kind not in wanted]
    User.objects(id=current_user.id).update_one(set__notifications_off=off)
    flash("Your notification settings are saved.", "success")
    return redirect(url_for("activity.activity"), 303)
