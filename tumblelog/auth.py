"""Accounts: sign up, sign in, sign out, and a forgotten password reset by mail."""
from urllib.parse import urlsplit

from bson import ObjectId
from flask import (
    Blueprint,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import AnonymousUserMixin, current_user, login_user, logout_user
from mongoengine import NotUniqueError

from . import accounts, mail
from .tasks import enqueue, send_password_reset
from .extensions import limiter, login_manager
from .forms import LoginForm, RegisterForm, ResetPasswordForm, ResetRequestForm, form_status
from .models import User, label_view
from .moderation import Invite, SiteSettings
from .ratelimit import TOO_MANY_MAILS, TOO_MANY_SIGN_UPS, config_limit, reset_address, sign_in_limits

bp = Blueprint("auth", __name__, url_prefix="/auth")

PREFETCHED = "tumblelog.prefetched_readers"


class Visitor(AnonymousUserMixin):
    """Someone not signed in: may read, and comment with a name, but ``can`` nothing."""

    def can(self, permission, thing=None):
        return False

    def label_view(self, post):
        return label_view({}, post)  # signed out: every labelled post blurred

    def unmuted(self, posts):
        return posts  # mutes are an account's

    def muted_tags_of(self, post):
        return []


login_manager.anonymous_user = Visitor


@login_manager.user_loader
def load_user(user_id):
    """The signed-in account, unless ``find_user`` already fetched it for this request.
    A suspended account is signed out at its next request."""
    prefetched = request.environ.pop(PREFETCHED, {}) if has_request_context() else {}
    if user_id in prefetched:
        user = prefetched[user_id]
    else:
        user = User.by_session_id(user_id)
    return user if user is not None and user.is_active else None


def find_user(username):
    """The account called ``username`` (in any case), or None.

    When a reader is signed in, their own account comes back in the same query and
    ``load_user`` takes it from there: a page that needs both costs one round trip,
    not two. (``_user_id`` is where Flask-Login keeps the id in the session.)
    """
    session_id = session.get("_user_id")
    reader_id = session_id.partition(":")[0] if isinstance(session_id, str) else None
    if not (reader_id and ObjectId.is_valid(reader_id)):
        return User.by_username(username)
    key = username.lower()
    found = User.found({"$or": [{"username_key": key}, {"_id": ObjectId(reader_id)}]})
    reader = next((u for u in found if str(u.id) == reader_id), None)
    # Kept in the WSGI environ: it lives exactly as long as this request. A stale
    # session (an older generation) loads nobody, as load_user would decide.
    request.environ[PREFETCHED] = {session_id: reader if reader and reader.get_id() == session_id else None}
    return next((u for u in found if u.username_key == key), None)


def safe_next(target):
    """Return ``target`` if it is a path on this site, else the front page.

    Only "/" followed by something that is not another slash or backslash passes:
    browsers read "//host", "/\\host" and "https:host" as other sites.
    """
    front = url_for("blog.index")
    if not target or not target.startswith("/") or target[1:2] in ("/", "\\"):
        return front
    if any(ord(ch) < 33 or ch == "\\" for ch in target):
        return front
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return front
    return target


@bp.route("/register", methods=("GET", "POST"))
@limiter.limit(config_limit("RATELIMIT_REGISTER"), methods=["POST"], error_message=TOO_MANY_SIGN_UPS)
def register():
    """Create an account and sign in with it. While sign-ups are by invitation the form
    asks for the code (an invitation link fills it in); while they are closed the page
    says so (403)."""
    if current_user.is_authenticated:
        return redirect(url_for("blog.index"))
    signups = SiteSettings.current().signups
    if signups == "closed":
        return render_template("auth/closed.html"), 403
    by_invite = signups == "invite"
    form = RegisterForm(invite=request.args.get("invite", "")[:64])
    valid = form.validate_on_submit()
    if by_invite and form.is_submitted():
        valid = usable_invite(form.invite) and valid
    if valid:
        user = User(
            id=ObjectId(),  # known before the save, so the invitation can name it
            username=form.username.data,
            email=form.email.data.lower(),
            email_unverified=current_app.config["REQUIRE_EMAIL_VERIFICATION"],
        )
        user.set_password(form.password.data)
        if by_invite and not Invite.claim(form.invite.data, user.id):
            form.invite.errors.append(INVITE_SPENT)
            return render_template("auth/register.html", form=form, by_invite=by_invite), 422
        try:
            user.save(force_insert=True)
        except NotUniqueError:
            # The form checked, but another sign-up won the race; the index decides.
            form.username.errors.append(_("That username or email was just taken."))
            if by_invite:
                Invite.release(form.invite.data, user.id)
        else:
            if user.email_unverified:
                if mail_verification_link(user):
                    flash(_("Almost there: follow the link we sent to %(email)s to confirm it, then sign in.", email=user.email), "info")
                else:
                    flash("Your account is made, but its confirmation mail could not be sent just now: "
                          "sign in later and we will send it again.", "error")
                return redirect(url_for("auth.login"), 303)
            login_user(user)
            flash(_("Welcome, %(name)s! Your blog is ready for its first post.", name=user.username), "success")
            return redirect(url_for("blog.index"), 303)
    return render_template("auth/register.html", form=form, by_invite=by_invite), form_status(form)


INVITE_SPENT = "This invitation has expired or was already used: ask for a new one."


def usable_invite(field):
    """Whether ``field`` holds a usable invitation code; if not, say why beside it."""
    if field.errors:  # too long: said already
        return False
    if not field.data:
        field.errors.append("Sign-ups here are by invitation: enter the code from yours.")
    elif Invite.usable(field.data) is None:
        field.errors.append(INVITE_SPENT)
    else:
        return True
    return False


@bp.route("/login", methods=("GET", "POST"))
@sign_in_limits
def login():
    """Sign in; ``?next=`` is followed only to pages of this site."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong username or password."))
        elif not user.is_active:
            form.username.errors.append(_("This account is suspended."))
        elif user.email_unverified:
            # The right password: send the link again, in case the first one was lost.
            sent = mail_verification_link(user)
            form.username.errors.append(
                _("Confirm your address first: follow the link we just sent to %(email)s.", email=user.email) if sent
                else _("Confirm your address first: follow the link we sent to %(email)s.", email=user.email)
            )
        else:
            login_user(user, remember=form.remember.data)
            flash(_("Signed in as %(name)s.", name=user.username), "success")
            return redirect(safe_next(request.args.get("next")), 303)
    return render_template("auth/login.html", form=form), form_status(form)


@bp.route("/logout", methods=("POST",))
def logout():
    """Sign out (a POST, so another site cannot sign you out with a link)."""
    logout_user()
    flash(_("Signed out."), "info")
    return redirect(url_for("blog.index"), 303)


def unsent():
    """The answer when the mail queue is down: say so, lose nothing (503, not a 500)."""
    message = _("We could not send the mail just now, and nothing was changed. Please try again in a few minutes.")
    return render_template("errors/error.html", status=503, title=_("Mail not sent"), message=message), 503


def mail_verification_link(user):
    """Mail the link that confirms the account's address; False if it could not be queued."""
    link = url_for("auth.verify", token=accounts.verify_token(user), _external=True)
    return mail.send("verify_email", user.email, _l("Confirm your e-mail address"), user=user, link=link)


@bp.route("/verify/<token>")
def verify(token):
    """Confirm the address a new account gave (REQUIRE_EMAIL_VERIFICATION)."""
    user = accounts.verify_email(token)
    if user is None:
        flash(_("That link has expired or was already used."), "error")
    else:
        flash(_("Your address is confirmed. Welcome! Please sign in."), "success")
    return redirect(url_for("auth.login"), 303)


RESET_SENT = _l("If an account has that address, a link to choose a new password is on its way. "
                "It works once, for an hour.")


@bp.route("/reset", methods=("GET", "POST"))
@limiter.limit(config_limit("RATELIMIT_RESET"), methods=["POST"], error_message=TOO_MANY_MAILS)
@limiter.limit(config_limit("RATELIMIT_RESET_ACCOUNT"), key_func=reset_address, methods=["POST"],
               error_message=TOO_MANY_MAILS)
def reset():
    """Ask for a password-reset mail. The address is looked up by the task, not here, so
    the answer (and its timing, and a down queue's 503) is the same whether or not an
    account has it: the page tells nobody who has an account here."""
    form = ResetRequestForm()
    if form.validate_on_submit():
        if not enqueue(send_password_reset, form.email.data, request.host_url):
            return unsent()
        flash(str(RESET_SENT), "info")
        return redirect(url_for("auth.login"), 303)
    return render_template("auth/reset.html", form=form), form_status(form)


@bp.route("/reset/<token>", methods=("GET", "POST"))
def reset_password(token):
    """The mailed link: choose a new password, which signs out every other session."""
    user = accounts.user_for_reset(token)
    if user is None:
        flash(_("That link has expired or was already used. Ask for a new one here."), "error")
        return redirect(url_for("auth.reset"), 303)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        accounts.reset_password(user, form.password.data)
        login_user(user)
        flash(_("Your password is changed; every other session is signed out."), "success")
        return redirect(url_for("blog.index"), 303)
    return render_template("auth/reset_password.html", form=form), form_status(form)
