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
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from . import accounts
from .auth import safe_next
from .blog import editable_post
from .follow import page_blogger_id, wanted_state
from .lookups import visible_post_or_404
from .forms import form_status, strip_text
from .keywords import MAX_TERM_LENGTH, words
from .models import CONTENT_LABELS, MAX_FOLLOWS, MAX_HELD, MAX_MUTES, Post, User
from .moderation import (
    INVITE_DAYS_MAX, REASON_MAX, SIGNUPS, SITE_DESCRIPTION_MAX, SITE_TITLE_MAX, AuditEntry, Invite, Report,
    SiteSettings, close_reports, record, reported_items, set_suspended,
)
from .permissions import ROLES
from .ratelimit import action_limit
from .tags import MAX_TAGS_TEXT, TagError, parse_tags
from .urls import external_url_for

bp = Blueprint("admin", __name__)
bp.add_app_template_global(CONTENT_LABELS, "CONTENT_LABELS")

USERS_SHOWN = 50
AUDIT_SHOWN = 100
REPORTS_SHOWN = 100
QUEUE_POSTS_SHOWN = 20  # posts with held comments on one page of /admin/comments
INVITES_SHOWN = 50


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
COMMENT_REPORT_ACTIONS = {"resolve": _l("Resolve"), "delete": _l("Delete the comment and resolve"), "dismiss": _l("Dismiss")}
HIDE_ACTIONS = {"hide": _l("Hide"), "unhide": _l("Unhide")}


def reason_field(id="reason", label=_l("Reason")):
    """Why a moderator acts: optional, kept in the audit log. ``id``: the element's id,
    unique on a page that shows several such forms."""
    return StringField(label, id=id, filters=[strip_text], validators=[Length(max=REASON_MAX)])


class ReasonForm(FlaskForm):
    reason = reason_field()


class RoleForm(ReasonForm):
    role = SelectField(_l("Role"), choices=options(ROLE_NAMES))
    reason = reason_field("role-reason")


class SuspendForm(ReasonForm):
    action = SelectField(choices=options(SUSPEND_ACTIONS))
    reason = reason_field("suspend-reason", _l("Why (suspend or unsuspend)"))


class QueueForm(ReasonForm):
    """Act on the ticked held comments of one post (``comment`` may repeat)."""

    action = SelectField(_l("With the ticked comments"), choices=options(QUEUE_ACTIONS))


class ReportForm(FlaskForm):
    reason = TextAreaField(
        _l("What is wrong with this post?"), filters=[strip_text], validators=[DataRequired(), Length(max=REASON_MAX)]
    )


class CommentReportForm(ReportForm):
    reason = TextAreaField(
        "What is wrong with this comment?", filters=[strip_text], validators=[DataRequired(), Length(max=REASON_MAX)]
    )


class ResolveForm(ReasonForm):
    action = SelectField(choices=options(REPORT_ACTIONS | COMMENT_REPORT_ACTIONS))


class DeleteUserForm(ReasonForm):
    """Deleting an account from the console: its name typed again, as a check."""

    confirm = StringField(_l("Type the account's name to confirm"), filters=[strip_text], validators=[DataRequired()])
    reason = reason_field("delete-reason", _l("Why (delete)"))


class InviteForm(FlaskForm):
    days = IntegerField(_l("Good for (days)"), default=7, validators=[DataRequired(), NumberRange(min=1, max=INVITE_DAYS_MAX)])
    note = StringField(_l("For whom (optional, only admins see it)"), filters=[strip_text], validators=[Length(max=REASON_MAX)])


class HideForm(ReasonForm):
    action = SelectField(choices=options(HIDE_ACTIONS))


class SettingsForm(FlaskForm):
    title = StringField(_l("Site title"), filters=[strip_text], validators=[DataRequired(), Length(max=SITE_TITLE_MAX)])
    description = TextAreaField(
        _l("Site description"), filters=[strip_text], validators=[Length(max=SITE_DESCRIPTION_MAX)],
        description=_l("Shown under the title, in search results and link previews, and in the feeds."),
    )
    hold_anonymous = BooleanField(_l("Hold every comment from signed-out readers for review"))
    max_links = IntegerField(
        _l("Hold comments with more than this many links"),
        description=_l("0 holds none for their links."),
        validators=[Optional(), NumberRange(min=0, max=100)],
        default=0,
    )
    signups = SelectField(_l("New accounts"), choices=options(SIGNUPS))


class MuteForm(FlaskForm):
    """The tags and words a reader mutes, each list written out whole."""

    tags = StringField(_l("Muted tags"), filters=[strip_text], validators=[Length(max=MAX_TAGS_TEXT)],
                       description=_l("Comma-separated, up to %(num)d.", num=MAX_MUTES))
    words = TextAreaField(_l("Muted words"), filters=[strip_text], validators=[Length(max=MAX_MUTES * (MAX_TERM_LENGTH + 2))],
                          description=_l("One word a line, up to %(num)d; other forms of it count too (\"spoiler\" mutes \"spoilers\").", num=MAX_MUTES))

    def validate_tags(self, field):
        try:
            self.muted_tags = parse_tags(field.data or "")
        except TagError as error:
            raise ValidationError(str(error)) from None

    def validate_words(self, field):
        lines = [line for line in (field.data or "").splitlines() if line.strip()]
        found = [words(line) for line in lines]
        if any(len(each) != 1 for each in found):
            raise ValidationError(_("Write one word a line (no spaces or punctuation inside)."))
        self.muted_words = list(dict.fromkeys(each[0] for each in found))
        if len(self.muted_words) > MAX_MUTES:
            raise ValidationError(_("Mute at most %(num)d words.", num=MAX_MUTES))


VIEW_LABELS = {"show": _l("Show"), "blur": _l("Blur behind a click-through"), "hide": _l("Hide from lists")}


class LabelChoicesForm(FlaskForm):
    """One select per content label (fields named like the labels, "-" as "_")."""

    @classmethod
    def field_name(cls, label):
        return label.replace("-", "_")


for _label, _name in CONTENT_LABELS.items():
    setattr(LabelChoicesForm, LabelChoicesForm.field_name(_label),
            SelectField(_l(_name), choices=options(VIEW_LABELS), default="blur"))


@bp.app_context_processor
def site_settings():
    """``site``: the settings every page shows (title, description), from the cache."""
    return {"site": SiteSettings.shown()}


def user_or_404(username):
    return User.by_username(username) or abort(404)


def refused(form):
    """A small form posted from another page (a permalink's) with errors: say what was
    wrong (422) rather than redraw that page."""
    problems = "; ".join(f"{form[name].label.text}: {' '.join(errors)}" for name, errors in form.errors.items())
    message = f"Nothing was changed. {problems}"
    return render_template("errors/error.html", status=422, title="Not done", message=message), 422


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
    return user_page(user_or_404(username))


def user_page(account, status=200, **forms):
    """The console's page of ``account``, with ``forms`` sent back with their errors
    (``status`` 422) or fresh ones."""
    posts = Post.objects(author=account).exclude("comments", "held_comments", "search_terms").order_by("-created_at")
    # Moderators act on what readers can see: drafts, the queue and private posts are
    # the author's (and admins') alone.
    posts = [post for post in posts.limit(USERS_SHOWN) if post.visible_to(current_user)]
    forms = {
        "role_form": RoleForm(formdata=None, role=account.role),
        "suspend_form": SuspendForm(formdata=None, action="unsuspend" if account.suspended else "suspend"),
        "delete_form": DeleteUserForm(formdata=None),
        **forms,
    }
    return render_template("admin/user.html", account=account, posts=posts, **forms), status


@bp.route("/admin/users/<username>/role", methods=("POST",))
@permitted("change_role")
def change_role(username):
    account = user_or_404(username)
    form = RoleForm()
    if not form.validate_on_submit():
        return user_page(account, 422, role_form=form)
    if account.id == current_user.id and form.role.data != "admin":
        flash(_("You cannot take away your own admin role: ask another admin."), "error")
    else:
        User.objects(id=account.id).update_one(set__role=form.role.data)
        record(current_user, f"role {form.role.data}", f"user {account.username}", form.reason.data)
        flash(_("%(name)s is now %(role)s.", name=account.username, role=ROLE_NAMES[form.role.data]), "success")
    return redirect(url_for("admin.user", username=account.username), 303)


def untouchable(account):
    """Why a moderator may not suspend or delete ``account`` here, or None: admins
    answer to no moderator, and nobody removes themself from the console."""
    if account.role == "admin" or account.id == current_user.id:
        return _("Admins (and you) cannot be suspended or deleted here.")
    return None


@bp.route("/admin/users/<username>/suspend", methods=("POST",))
@permitted("moderate")
def suspend(username):
    """Suspend or restore an account (never an admin's)."""
    account = user_or_404(username)
    form = SuspendForm()
    if not form.validate_on_submit():
        return user_page(account, 422, suspend_form=form)
    if untouchable(account):
        flash(untouchable(account), "error")
    else:
        set_suspended(account, form.action.data == "suspend", current_user, form.reason.data)
        if account.suspended:
            flash(_("%(name)s is suspended.", name=account.username), "success")
        else:
            flash(_("%(name)s is no longer suspended.", name=account.username), "success")
    return redirect(url_for("admin.user", username=account.username), 303)


@bp.route("/admin/users/<username>/delete", methods=("POST",))
@permitted("delete_user")
def delete_user(username):
    """Delete an account as it could delete itself (``accounts.delete_account``: its
    posts, comments, likes, follows, tokens and avatar; its name retired), once its
    name is typed again. Audit-logged first, with the reason."""
    account = user_or_404(username)
    form = DeleteUserForm()
    valid = form.validate_on_submit()
    if valid and form.confirm.data.lower() != account.username_key:
        form.confirm.errors.append(f"Type {account.username} to confirm.")
        valid = False
    if not valid:
        return user_page(account, 422, delete_form=form)
    if untouchable(account):
        flash(untouchable(account), "error")
        return redirect(url_for("admin.user", username=account.username), 303)
    record(current_user, "delete user", f"user {account.username}", form.reason.data)
    accounts.delete_account(account)
    flash(_("%(name)s is deleted, with everything they wrote.", name=account.username), "success")
    return redirect(url_for("admin.users"), 303)


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
    """Open reports by the post or comment reported: the most reported first, then the
    longest waiting."""
    return reports_page()


def reports_page(status=200, failed=None):
    """The reports queue; ``failed``: the report whose form came back with errors."""
    return render_template(
        "admin/reports.html", items=reported_items(REPORTS_SHOWN), failed=failed,
        actions={None: REPORT_ACTIONS, "comment": COMMENT_REPORT_ACTIONS},
    ), status


@bp.route("/admin/reports/<objectid:report_id>", methods=("POST",))
@permitted("moderate")
def resolve(report_id):
    """Close a report, and every other open one of the same post or comment."""
    report = Report.objects(id=report_id, state="open").first_or_404()
    form = ResolveForm()
    valid = form.validate_on_submit()
    if valid and form.action.data not in (COMMENT_REPORT_ACTIONS if report.comment else REPORT_ACTIONS):
        form.action.errors.append(_("Choose one of the actions offered for this report."))
        valid = False
    if not valid:
        return reports_page(422, failed=(report.id, form))
    state = close_reports(current_user, report, form.action.data, form.reason.data)
    flash(_("The report is dismissed.") if state == "dismissed" else _("The report is resolved."), "success")
    return redirect(url_for("admin.reports"), 303)


@bp.route("/admin/posts/<objectid:post_id>/hide", methods=("POST",))
@permitted("moderate")
def hide(post_id):
    """Take a post out of every list (and its permalink), or bring it back."""
    Post.objects(id=post_id).only("id").first_or_404()
    form = HideForm()
    if not form.validate_on_submit():
        return refused(form)
    Post.set_hidden(post_id, "moderator" if form.action.data == "hide" else None)
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


@bp.route("/admin/invites", methods=("GET", "POST"))
@permitted("invite")
def invites():
    """Invitations, newest first, and a form for a new one; sign-ups take them while
    the site settings say sign-ups are by invitation."""
    form = InviteForm()
    if form.validate_on_submit():
        invite = Invite.create(current_user._get_current_object(), form.days.data, form.note.data)
        flash(ngettext("A new invitation, good for %(num)d day: %(link)s", "A new invitation, good for %(num)d days: %(link)s",
                       form.days.data, link=invite_link(invite)), "success")
        return redirect(url_for("admin.invites"), 303)
    return render_template(
        "admin/invites.html", form=form, invites=Invite.objects.order_by("-created_at", "-id").limit(INVITES_SHOWN),
        signups=SiteSettings.current().signups, invite_link=invite_link,
    ), form_status(form)


def invite_link(invite):
    """The sign-up page with the invitation's code filled in, on the site's own host."""
    return external_url_for("auth.register", invite=invite.code)


@bp.route("/admin/invites/<objectid:invite_id>/revoke", methods=("POST",))
@permitted("invite")
def revoke_invite(invite_id):
    """Withdraw an unused invitation."""
    invite = Invite.objects(id=invite_id).first_or_404()
    if Invite.objects(id=invite.id, used_by=None).delete():
        record(current_user, "revoke invite", f"invite {invite.code[:6]}…")
        flash(_("The invitation is withdrawn."), "success")
    else:
        flash(_("That invitation was already used."), "error")
    return redirect(url_for("admin.invites"), 303)


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


# One count per address and account for reports of posts and comments; reading the form is free.
report_limit = action_limit("report", "RATELIMIT_REPORT", methods=["POST"])


@bp.route("/post/<objectid:post_id>/report", methods=("GET", "POST"))
@login_required
@report_limit
def report(post_id):
    """Report a post to the moderators; the reporter only ever hears a thank-you."""
    post = visible_post_or_404(post_id, exclude=REPORT_EXCLUDE)
    if post.hidden:
        abort(404)  # moderators see it, and need not report it to themselves
    return report_form(post, ReportForm())


# What the report form does not need of a post (its permalink needs the headline).
REPORT_EXCLUDE = ("comments", "held_comments", "search_terms", "body")


@bp.route("/post/<objectid:post_id>/comments/<objectid:comment_id>/report", methods=("GET", "POST"))
@login_required
@report_limit
def report_comment(post_id, comment_id):
    """Report one published comment under a post the reader may see, as ``report``
    does a post."""
    # $elemMatch brings only that comment; MongoDB allows it beside included fields only.
    post = (
        Post.objects(id=post_id, hidden=None, comments__id=comment_id)
        .only("id", "author_name", "hidden", *Post.VISIBILITY_FIELDS)
        .fields(elemMatch__comments={"id": comment_id})
        .first()
    )
    if post is None or not post.visible_to(current_user):
        abort(404)
    return report_form(post, CommentReportForm(), comment=post.comments[0])


def report_form(post, form, comment=None):
    if not current_user.can("report"):
        abort(403)
    if form.validate_on_submit():
        Report.file(post, current_user._get_current_object(), form.reason.data, comment=comment)
        flash(_("Thank you for telling us. A moderator will look at it."), "success")
        if comment:  # the post was loaded without its headline: its id finds the permalink
            return redirect(url_for("blog.show", post_id=post.id, _anchor=f"comment-{comment.id}"), 303)
        return redirect(post.permalink(), 303)
    return render_template("admin/report.html", post=post, comment=comment, form=form), form_status(form)


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
    Post.set_labels(post.id, chosen)
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


@bp.route("/mutes", methods=("GET", "POST"))
@login_required
def mutes():
    """The tags and words whose posts the reader's dashboard and tag pages leave out."""
    form = MuteForm(data={"tags": ", ".join(current_user.muted_tags), "words": "\n".join(current_user.muted_words)}
                    if request.method == "GET" else None)
    if form.validate_on_submit():
        User.objects(id=current_user.id).update_one(set__muted_tags=form.muted_tags, set__muted_words=form.muted_words)
        flash(_("Your mutes are saved."), "success")
        return redirect(url_for("admin.mutes"), 303)
    return render_template("admin/mutes.html", form=form), form_status(form)
