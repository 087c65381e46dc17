"""The fediverse from a reader's side (``/fediverse``): follow a remote account by its
handle, see whom they follow there, answer follow requests when they approve their
followers; and the admin's federation page (``/admin/federation``): domain blocks and
the deliveries that failed. Views only: federation/ does the work. Every route is a
404 while ``FEDERATION_ENABLED`` is off."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Length

from .admin import permitted
from .auth import safe_next
from .federation import Refused, answer_request, follow_remote, net, objects, react, unfollow_remote
from .federation.delivery import FailedDelivery
from .federation.models import BlockedDomain, Follower, RemoteFollowing, RemotePost
from .follow import wanted_state
from .forms import form_status, strip_text
from .moderation import record
from .models import MAX_FOLLOWS, URL_MAX, User
from .ratelimit import action_limit

bp = Blueprint("fediverse", __name__)
bp.add_app_template_global(objects.site_host, "site_host")

REQUESTS_SHOWN = 100
HANDLE_MAX = 400


@bp.before_request
def only_when_enabled():
    if not current_app.config["FEDERATION_ENABLED"]:
        abort(404)


class RemoteFollowForm(FlaskForm):
    handle = StringField(_l("Account"), filters=[strip_text], validators=[DataRequired(), Length(max=HANDLE_MAX)],
                         description=_l("As the fediverse writes it: @name@example.social"))


class RemoteUnfollowForm(FlaskForm):
    actor = HiddenField(validators=[DataRequired(), Length(max=URL_MAX)])


class ApproveFollowersForm(FlaskForm):
    approve_followers = BooleanField(_l("Approve followers: fediverse accounts wait for my yes before they follow me"))


class AnswerForm(FlaskForm):
    pass  # the CSRF token; the action is in the URL


class DomainForm(FlaskForm):
    domain = StringField(_l("Domain"), filters=[strip_text], validators=[DataRequired(), Length(max=253)],
                         description=_l("Its subdomains are blocked with it."))


def render_page(form=None, status=200):
    user = current_user._get_current_object()
    return render_template(
        "fediverse/page.html",
        form=form or RemoteFollowForm(),
        approve_form=ApproveFollowersForm(approve_followers=user.approve_followers),
        following=list(RemoteFollowing.objects(user=user.pk).order_by("-created_at").limit(MAX_FOLLOWS)),
        requests=list(Follower.objects(user=user.pk, pending=True).order_by("created_at").limit(REQUESTS_SHOWN)),
        followers=Follower.objects(user=user.pk, pending__ne=True).count(),
    ), status


@bp.route("/fediverse")
@login_required
def page():
    """Whom the reader follows in the fediverse, and who asks to follow them."""
    return render_page()


@bp.route("/fediverse/follow", methods=("POST",))
@login_required
@action_limit("follow", "RATELIMIT_FOLLOW")
def follow():
    """Follow ``handle`` (``@name@host``, or an actor's URL): the follow waits for the
    other server's ``Accept``."""
    form = RemoteFollowForm()
    if form.validate_on_submit():
        try:
            follow_remote(current_user._get_current_object(), form.handle.data)
        except Refused as refusal:
            form.handle.errors.append(str(refusal))
        except net.FetchError:
            form.handle.errors.append(_("That account's server did not answer as a fediverse server does."))
        else:
            flash(_("Asked to follow %(handle)s; their posts reach your dashboard once they accept.", handle=form.handle.data), "success")
            return redirect(url_for(".page"), 303)
    return render_page(form, form_status(form))


@bp.route("/fediverse/unfollow", methods=("POST",))
@login_required
@action_limit("follow", "RATELIMIT_FOLLOW")
def unfollow():
    form = RemoteUnfollowForm()
    if not form.validate_on_submit() or not unfollow_remote(current_user._get_current_object(), form.actor.data):
        abort(404)
    flash(_("You no longer follow that account."), "success")
    return redirect(url_for(".page"), 303)


@bp.route("/fediverse/settings", methods=("POST",))
@login_required
def settings():
    form = ApproveFollowersForm()
    if not form.validate_on_submit():
        abort(400)
    User.objects(id=current_user.id).update_one(set__approve_followers=form.approve_followers.data)
    flash(_("New fediverse followers now wait for your approval.") if form.approve_followers.data
          else _("Fediverse accounts now follow you without waiting."), "success")
    return redirect(url_for(".page"), 303)


@bp.route("/fediverse/requests/<objectid:follower_id>/<any(accept, reject):action>", methods=("POST",))
@login_required
def answer(follower_id, action):
    """Accept or reject a pending follow (the other server is told)."""
    if not AnswerForm().validate_on_submit():
        abort(400)
    follower = answer_request(current_user._get_current_object(), follower_id, accept=action == "accept")
    if follower is None:
        abort(404)
    flash(_("%(handle)s follows you now.", handle=follower.handle) if action == "accept"
          else _("%(handle)s was turned away.", handle=follower.handle), "success")
    return redirect(url_for(".page"), 303)


REACTIONS = {"like": ("Like", "liked_by"), "boost": ("Announce", "boosted_by")}


@bp.route("/fediverse/posts/<objectid:post_id>/<any(like, boost):kind>", methods=("POST",))
@login_required
@action_limit("like", "RATELIMIT_LIKE")
def reaction(post_id, kind):
    """Like or boost a remote post on the dashboard (``action`` on or off), told to its
    home server; a boost reaches the reader's own followers too."""
    if not AnswerForm().validate_on_submit():
        abort(400)
    post = RemotePost.objects(id=post_id, actor__in=current_user.followed_actors).first()
    if post is None:
        abort(404)
    activity, field = REACTIONS[kind]
    on = wanted_state(lambda: current_user.id in getattr(post, field), "on", "off")
    react(current_user._get_current_object(), post, activity, on)
    return redirect(safe_next(request.form.get("next") or url_for("follow.dashboard")), 303)


def render_console(form=None, status=200):
    return render_template(
        "admin/federation.html", form=form or DomainForm(), unblock_form=AnswerForm(),
        blocked=list(BlockedDomain.objects.order_by("domain")), failures=FailedDelivery.recent(),
    ), status


@bp.route("/admin/federation", methods=("GET", "POST"))
@permitted("site_settings")
def console():
    """Domain blocks (add one here) and the deliveries that failed lately."""
    form = DomainForm()
    if form.validate_on_submit():
        try:
            domain = BlockedDomain.block(form.domain.data)
        except ValueError as error:
            form.domain.errors.append(str(error))
        else:
            record(current_user, "block_domain", domain)
            flash(_("Blocked %(domain)s and its subdomains.", domain=domain), "success")
            return redirect(url_for(".console"), 303)
    return render_console(form, form_status(form))


@bp.route("/admin/federation/<domain>/unblock", methods=("POST",))
@permitted("site_settings")
def unblock(domain):
    if not AnswerForm().validate_on_submit():
        abort(400)
    try:
        done = BlockedDomain.unblock(domain)
    except ValueError:
        done = False
    if not done:
        abort(404)
    record(current_user, "unblock_domain", domain)
    flash(_("Unblocked %(domain)s.", domain=domain), "success")
    return redirect(url_for(".console"), 303)
