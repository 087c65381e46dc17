"""The moderation console (``/admin``) and the moderation readers and authors reach
from posts and blogs: reporting a post, a post's held-comment queue, closing its
comments, content labels and the reader's choices about them, blocking a blogger.
Views only: each validates, calls moderation.py or the models, records a moderator's
action in the audit log, flashes and redirects (303)."""
from functools import wraps

from bson import ObjectId
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from mongoengine import NotUniqueError
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .auth import safe_next
from .blog import editable_post
from .follow import page_blogger_id, wanted_state
from .forms import form_status, strip_text
from .models import CONTENT_LABELS, MAX_FOLLOWS, MAX_HELD, Post, User
from .moderation import REASON_MAX, AuditEntry, Report, SiteSettings, record, set_suspended
from .permissions import ROLES

bp = Blueprint("admin", __name__)
bp.add_app_template_global(CONTENT_LABELS, "CONTENT_LABELS")

USERS_SHOWN = 50
AUDIT_SHOWN = 100
REPORTS_SHOWN = 100
QUEUE_POSTS_SHOWN = 20  # posts with held comments on one page of /admin/comments


def permitted(permission):
    """Signed in, and allowed ``permission`` (403 if not)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def options(labels):
    """A select's choices from ``{value: label}`` (templates read ``labels`` itself)."""
    return [SelectChoice(value, label) for value, label in labels.items()]


# Each role's name as the console says it, in a sentence ("mia is now moderator.") and in its select.
ROLE_NAMES = {"admin": _l("admin"), "moderator": _l("moderator"), "author": _l("author"), "reader": _l("reader")}
assert tuple(ROLE_NAMES) == ROLES, "a role without its name on the console"
bp.add_app_template_global(ROLE_NAMES, "ROLE_NAMES")
SUSPEND_ACTIONS = {"suspend": _l("Suspend"), "unsuspend": _l("Unsuspend")}
QUEUE_ACTIONS = {"approve": _l("Approve"), "spam": _l("Mark as spam"), "delete": _l("Delete")}
REPORT_ACTIONS = {"resolve": _l("Resolve"), "hide": _l("Hide the post and resolve"), "dismiss": _l("Dismiss")}
HIDE_ACTIONS = {"hide": _l("Hide"), "unhide": _l("Unhide")}


class ReasonForm(FlaskForm):
    """Why a moderator acts: optional, kept in the audit log."""

    reason = StringField(_l("Reason"), filters=[strip_text], validators=[Length(max=REASON_MAX)])


class RoleForm(ReasonForm):
    role = SelectField(_l("Role"), choices=options(ROLE_NAMES))


class SuspendForm(ReasonForm):
    action = SelectField(choices=options(SUSPEND_ACTIONS))


class QueueForm(ReasonForm):
    """Act on the ticked held comments of one post (``comment`` may repeat)."""

    action = SelectField(_l("With the ticked comments"), choices=options(QUEUE_ACTIONS))


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with this post?"), filters=[strip_text], validators=[DataRequired(), Length(max=REASON_MAX)]
    )


class ResolveForm(ReasonForm):
    action = SelectField(choices=options(REPORT_ACTIONS))


class HideForm(ReasonForm):
    action = SelectField(choices=options(HIDE_ACTIONS))


class SettingsForm(FlaskForm):
    title = StringField(_l("Site title"), filters=[strip_text], validators=[DataRequired(), Length(max=100)])
    description = TextAreaField(_l("Site description"), filters=[strip_text], validators=[Length(max=300)])
    hold_anonymous = BooleanField(_l("Hold every comment from signed-out readers for review"))
    max_links = IntegerField(
        _l("Hold comments with more than this many links"),
        description=_l("0 holds none for their links."),
        validators=[Optional(), NumberRange(min=0, max=100)],
        default=0,
    )
    signups_open = BooleanField(_l("Anyone may create an account"))


VIEW_LABELS = {"show": _l("Show"), "blur": _l("Blur behind a click-through"), "hide": _l("Hide from lists")}


class LabelChoicesForm(FlaskForm):
    """One select per content label (fields named like the labels, "-" as "_")."""

    @classmethod
    def field_name(cls, label):
        return label.replace("-", "_")


for _label, _name in CONTENT_LABELS.items():
    setattr(LabelChoicesForm, LabelChoicesForm.field_name(_label),
            SelectField(_l(_name), choices=options(VIEW_LABELS), default="blur"))


def user_or_404(username):
    return User.by_username(username) or abort(404)


# --- the console ---------------------------------------------------------------


@bp.route("/admin")
@permitted("moderate")
def index():
    """What waits for moderators: open reports and held comments."""
    return render_template(
        "admin/index.html",
        open_reports=Report.objects(state="open").count(),
        held_posts=Post.objects(held_count__gt=0).count(),
    )


@bp.route("/admin/users")
@permitted("moderate")
def users():
    """Accounts, newest first; ``?q=`` finds names starting with the text."""
    query = request.args.get("q", "").strip()[:32]
    found = User.objects.order_by("-created_at")
    if query:  # a prefix of the unique name index, read in its order
        found = User.objects(username_key__startswith=query.lower()).order_by("username_key")
    return render_template(
        "admin/users.html",
        users=found.only("username", "role", "suspended", "created_at").limit(USERS_SHOWN),
        query=query,
    )


@bp.route("/admin/users/<username>")
@permitted("moderate")
def user(username):
    """One account: its sign-up date, role, state and posts (hidden ones too)."""
    account = user_or_404(username)
    posts = Post.objects(author=account).exclude("comments", "held_comments", "search_terms").order_by("-created_at")
    return render_template(
        "admin/user.html", account=account, posts=posts.limit(USERS_SHOWN),
        role_form=RoleForm(role=account.role), suspend_form=SuspendForm(action="unsuspend" if account.suspended else "suspend"),
    )


@bp.route("/admin/users/<username>/role", methods=("POST",))
@permitted("change_role")
def change_role(username):
    account = user_or_404(username)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    if account.id == current_user.id and form.role.data != "admin":
        flash(_("You cannot take away your own admin role: ask another admin."), "error")
    else:
        User.objects(id=account.id).update_one(set__role=form.role.data)
        record(current_user, f"role {form.role.data}", f"user {account.username}", form.reason.data)
        flash(_("%(name)s is now %(role)s.", name=account.username, role=ROLE_NAMES[form.role.data]), "success")
    return redirect(url_for("admin.user", username=account.username), 303)


@bp.route("/admin/users/<username>/suspend", methods=("POST",))
@permitted("moderate")
def suspend(username):
    """Suspend or restore an account (never an admin's: admins answer to no moderator)."""
    account = user_or_404(username)
    form = SuspendForm()
    if not form.validate_on_submit():
        abort(400)
    if account.role == "admin" or account.id == current_user.id:
        flash(_("Admins (and you) cannot be suspended here."), "error")
    else:
        set_suspended(account, form.action.data == "suspend", current_user, form.reason.data)
        if account.suspended:
            flash(_("%(name)s is suspended.", name=account.username), "success")
        else:
            flash(_("%(name)s is no longer suspended.", name=account.username), "success")
    return redirect(url_for("admin.user", username=account.username), 303)


@bp.route("/admin/comments")
@permitted("moderate")
def comments():
    """Posts with comments awaiting review, most waiting first."""
    posts = (
        Post.objects(held_count__gt=0)
        .only("id", "author_name", "held_comments", "held_count", "created_at")
        .order_by("-held_count", "-created_at")
        .limit(QUEUE_POSTS_SHOWN)
    )
    return render_template("admin/comments.html", posts=posts, actions=QUEUE_ACTIONS)


@bp.route("/admin/reports")
@permitted("moderate")
def reports():
    """Open reports, oldest first: the longest waiting are seen to first."""
    open_reports = Report.objects(state="open").order_by("created_at").limit(REPORTS_SHOWN)
    return render_template("admin/reports.html", reports=open_reports, actions=REPORT_ACTIONS)


@bp.route("/admin/reports/<objectid:report_id>", methods=("POST",))
@permitted("moderate")
def resolve(report_id):
    report = Report.objects(id=report_id, state="open").first_or_404()
    form = ResolveForm()
    if not form.validate_on_submit():
        abort(400)
    action = form.action.data
    if action == "hide":
        Post.objects(id=report.post.pk, hidden=None).update_one(set__hidden="moderator")
    state = "dismissed" if action == "dismiss" else "resolved"
    Report.objects(id=report.id, state="open").update_one(set__state=state)
    record(current_user, f"report {action}", f"post {report.post.pk}", form.reason.data)
    flash(_("The report is dismissed.") if state == "dismissed" else _("The report is resolved."), "success")
    return redirect(url_for("admin.reports"), 303)


@bp.route("/admin/posts/<objectid:post_id>/hide", methods=("POST",))
@permitted("moderate")
def hide(post_id):
    """Take a post out of every list (and its permalink), or bring it back."""
    Post.objects(id=post_id).only("id").first_or_404()
    form = HideForm()
    if not form.validate_on_submit():
        abort(400)
    if form.action.data == "hide":
        Post.objects(id=post_id, hidden=None).update_one(set__hidden="moderator")
    else:
        Post.objects(id=post_id, hidden="moderator").update_one(unset__hidden=True)
    record(current_user, form.action.data, f"post {post_id}", form.reason.data)
    flash(_("The post is hidden.") if form.action.data == "hide" else _("The post is back."), "success")
    return redirect(safe_next(request.form.get("next")), 303)


@bp.route("/admin/settings", methods=("GET", "POST"))
@permitted("site_settings")
def settings():
    current = SiteSettings.current()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        form.populate_obj(current)
        current.max_links = current.max_links or 0
        current.save()
        record(current_user, "settings", "site")
        flash(_("The settings are saved."), "success")
        return redirect(url_for("admin.settings"), 303)
    return render_template("admin/settings.html", form=form), form_status(form)


@bp.route("/admin/audit")
@permitted("read_audit")
def audit():
    """The newest moderator actions."""
    entries = AuditEntry.objects.order_by("-at", "-id").limit(AUDIT_SHOWN)
    return render_template("admin/audit.html", entries=entries)


# --- moderation reached from a post ------------------------------------------


def queue_done(action, count):
    """What the flash says after ``action`` on ``count`` held comments ("2 comments: approve.")."""
    if action == "approve":
        return ngettext("%(num)d comment: approve.", "%(num)d comments: approve.", count)
    if action == "spam":
        return ngettext("%(num)d comment: mark as spam.", "%(num)d comments: mark as spam.", count)
    return ngettext("%(num)d comment: delete.", "%(num)d comments: delete.", count)


@bp.route("/post/<objectid:post_id>/held", methods=("GET", "POST"))
@login_required
def held(post_id):
    """A post's comments awaiting review, for its author and moderators: approve, mark
    as spam or delete the ticked ones."""
    post = editable_post(post_id, "moderate_comments", only=("author_name", "held_comments", "held_count"))
    form = QueueForm()
    if form.validate_on_submit():
        ids = [ObjectId(value) for value in request.form.getlist("comment")[:MAX_HELD] if ObjectId.is_valid(value)]
        act = {"approve": post.approve_comment, "spam": post.mark_spam, "delete": post.discard_comment}[form.action.data]
        done = sum(bool(act(comment_id)) for comment_id in ids)
        if done:
            record(current_user, f"comments {form.action.data}", f"{done} on post {post.id}", form.reason.data)
        flash(queue_done(form.action.data, done), "success")
        return redirect(safe_next(request.form.get("next") or url_for("admin.held", post_id=post.id)), 303)
    return render_template("admin/held.html", post=post, actions=QUEUE_ACTIONS), form_status(form)


@bp.route("/post/<objectid:post_id>/comments/close", methods=("POST",))
@login_required
def close_comments(post_id):
    """Close or reopen a post's comments (``action=close|open``; its author or a moderator)."""
    post = editable_post(post_id, "close_comments", only=("comments_closed",))
    closing = request.form.get("action", "close" if not post.comments_closed else "open") == "close"
    Post.objects(id=post.id).update_one(set__comments_closed=closing)
    flash(_("Comments are closed.") if closing else _("Comments are open again."), "success")
    return redirect(url_for("blog.show", post_id=post.id, _anchor="comments"), 303)


@bp.route("/post/<objectid:post_id>/report", methods=("GET", "POST"))
@login_required
def report(post_id):
    """Report a post to the moderators; the reporter only ever hears a thank-you."""
    post = Post.objects(id=post_id, hidden=None).only("id", "author", "author_name").first_or_404()
    if not current_user.can("report"):
        abort(403)
    form = ReportForm()
    if form.validate_on_submit():
        try:
            Report(post=post, reporter=current_user._get_current_object(), reporter_name=current_user.username, reason=form.reason.data).save()
        except NotUniqueError:
            pass  # reported before: one report per reader and post
        flash(_("Thank you for telling us. A moderator will look at it."), "success")
        return redirect(url_for("blog.show", post_id=post.id), 303)
    return render_template("admin/report.html", post=post, form=form), form_status(form)




@bp.route("/user/<username>/block", methods=("POST",))
@login_required
def block(username):
    """Block or unblock a blogger (``action=block|unblock``; a bare POST toggles). A
    blocked account cannot comment on or like your posts; blocking ends following both
    ways, so neither dashboard shows the other."""
    other = user_or_404(username)
    back = safe_next(request.form.get("next") or url_for("blog.user", username=other.username))
    if other.id == current_user.id:
        flash(_("You cannot block yourself."), "info")
        return redirect(back, 303)
    user = current_user._get_current_object()
    blocking = wanted_state(lambda: other.id in user.blocked_users, "block", "unblock")
    if not (user.block(other) if blocking else user.unblock(other)):
        flash(_("You already block %(max)s accounts; unblock someone first.", max=MAX_FOLLOWS), "info")
    elif blocking:
        flash(_("You block %(name)s: they cannot comment on or like your posts.", name=other.username), "success")
    else:
        flash(_("You no longer block %(name)s.", name=other.username), "success")
    return redirect(back, 303)


@bp.app_template_global()
def block_state(page, author=None):
    """``(url, blocking)`` for the Block button of another blogger's page, or None."""
    user_id = page_blogger_id(page, author)
    if user_id is None or current_user.is_anonymous or user_id == current_user.id:
        return None
    username = (request.view_args or {})["username"]
    return url_for("admin.block", username=username), user_id in current_user.blocked_users


@bp.route("/post/<objectid:post_id>/labels", methods=("POST",))
@login_required
def labels(post_id):
    """Set a post's content labels (``labels``, repeated; none clears them): its author
    or a moderator."""
    post = editable_post(post_id, "label_post", only=("labels",))
    chosen = set(request.form.getlist("labels"))
    if not chosen <= set(CONTENT_LABELS):
        abort(400, _("Unknown content label."))
    Post.objects(id=post.id).update_one(set__labels=[label for label in CONTENT_LABELS if label in chosen])
    if post.author.pk != current_user.id:
        record(current_user, "labels", f"post {post.id}", ", ".join(sorted(chosen)) or "none")
    flash(_("The content labels are saved."), "success")
    return redirect(url_for("blog.show", post_id=post.id), 303)


@bp.route("/labels", methods=("GET", "POST"))
@login_required
def label_choices():
    """The reader's choice, per content label, to show, blur or hide labelled posts."""
    form = LabelChoicesForm(data={
        form_name: current_user.label_choices.get(label, "blur")
        for label in CONTENT_LABELS
        for form_name in [LabelChoicesForm.field_name(label)]
    } if request.method == "GET" else None)
    if form.validate_on_submit():
        choices = {label: form[LabelChoicesForm.field_name(label)].data for label in CONTENT_LABELS}
        User.objects(id=current_user.id).update_one(set__label_choices=choices)
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("admin.label_choices"), 303)
    fields = [form[LabelChoicesForm.field_name(label)] for label in CONTENT_LABELS]
    return render_template("admin/labels.html", form=form, fields=fields), form_status(form)
