"""``/settings``: the signed-in blogger's own account — profile, password, e-mail,
sessions and API tokens, the weekly digest, and leaving with or without their data.

Each section of the page is its own small form; ``POST /settings`` takes the one named
by its hidden ``section`` field and shows the page again with that form's errors
(422), or redirects back (303). The work itself is in accounts.py.
"""
import tempfile

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from mongoengine import NotUniqueError

from . import accounts, mail
from .api.tokens import ApiToken
from .auth import unsent
from .extensions import csrf, limiter
from .forms import (
    DeleteAccountForm,
    DigestForm,
    EmailChangeForm,
    LanguageForm,
    PasswordChangeForm,
    ProfileForm,
    TokenForm,
)
from .models import User, utcnow
from .moderation import SiteSettings
from .publishing import slugify
from .blog import upload_limit
from .ratelimit import TOO_MANY_MAILS, TOO_MANY_SIGN_INS, TOO_MANY_TOKENS, account_key, config_limit
from .templating import human_date

bp = Blueprint("settings", __name__, url_prefix="/settings")

SECTIONS = {
    "profile": ProfileForm,
    "password": PasswordChangeForm,
    "email": EmailChangeForm,
    "digest": DigestForm,
    "language": LanguageForm,
    "token": TokenForm,
    "delete": DeleteAccountForm,
}
# Archives up to this size are built in memory; larger ones spill to a temporary file.
ARCHIVE_IN_MEMORY = 8 * 1024 * 1024


def signed_in_account():
    """The rate-limit key of the signed-in account (the same key sign-in and the API use)."""
    return account_key(current_user.username if current_user.is_authenticated else None)


def mail_sent(response):
    """Count only the e-mail changes that sent a mail."""
    return response.status_code == 303 and request.form.get("section") == "email"


def sends_password():
    return bool(request.form.get("current_password") or request.form.get("password"))


def password_refused(response):
    """A form that asked for the password came back refused: maybe a guess."""
    return response.status_code == 422 and sends_password()


# Wrong passwords here count as failed sign-ins to the account do: a borrowed session is
# no way to guess the password (which would then take the account for good).
password_guesses = limiter.shared_limit(
    config_limit("RATELIMIT_LOGIN_ACCOUNT"), scope="settings-password", key_func=signed_in_account,
    deduct_when=password_refused, exempt_when=lambda: not sends_password(), methods=["POST"],
    error_message=TOO_MANY_SIGN_INS,
)


def forms(sent=None, sent_form=None):
    """Every section's form: ``sent_form`` for the one that was sent, fresh ones with
    the account's values for the others."""
    user = current_user._get_current_object()
    current = {"profile": {"obj": user}, "digest": {"digest": user.digest}, "language": {"locale": user.locale}}
    built = {}
    for name, form_class in SECTIONS.items():
        built[name] = sent_form if name == sent else form_class(formdata=None, **current.get(name, {}))
        own_ids(built[name], name)
    return built


def own_ids(form, section):
    """Give the fields of one section ids of their own ("email-current_password"): the
    sections share field names (``password``, ``current_password``), and one page must
    not repeat an id, or labels would point at another section's field."""
    for field in form:
        field.id = field.label.field_id = f"{section}-{field.name}"


def page(sent=None, sent_form=None, new_token=None):
    """The settings page, with ``sent_form`` in place of section ``sent``'s form."""
    status = 422 if sent_form is not None and sent_form.errors else 200
    return render_template(
        "settings/index.html", forms=forms(sent, sent_form), tokens=list(ApiToken.of(current_user)),
        new_token=new_token, heading=_("Settings"),
    ), status


@bp.route("", methods=("GET",))
@login_required
def index():
    return page()


@bp.route("", methods=("POST",))
@login_required
@password_guesses
@upload_limit
@limiter.limit(config_limit("RATELIMIT_ACCOUNT_MAIL"), key_func=signed_in_account, deduct_when=mail_sent,
               methods=["POST"], error_message=TOO_MANY_MAILS)
def update():
    """Save the section the form names (``profile`` when it names none)."""
    section = request.form.get("section", "profile")
    if section not in SAVERS:
        abort(400)
    form = SECTIONS[section]()
    if not form.validate_on_submit():
        return page(section, form)
    return SAVERS[section](current_user._get_current_object(), form) or page(section, form)


def save_profile(user, form):
    changes = {f"set__{name}": form[name].data for name in ProfileForm.PROFILE}
    User.objects(id=user.id).update_one(**changes)
    if form.avatar.upload:
        accounts.set_avatar(user, form.avatar.upload)
    flash(_("Your profile is saved."), "success")
    return back()


def save_password(user, form):
    if not form.check_current(user):
        return None
    accounts.change_password(user, form.password.data)
    # This browser stays signed in, with a session of the new generation.
    login_user(user, remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies)
    flash(_("Your password is changed. Every other session and every API token is signed out."), "success")
    return back()


def save_email(user, form):
    if not form.check_current(user):
        return None
    new_email = form.email.data.lower()
    link = url_for("settings.confirm_email", token=accounts.email_change_token(user, new_email), _external=True)
    if not mail.send("change_email", new_email, _l("Confirm your new e-mail address"), user=user, link=link):
        return unsent()
    flash(_("We sent a link to %(email)s. Your address changes when you follow it.", email=new_email), "info")
    return back()


def save_digest(user, form):
    User.objects(id=user.id).update_one(set__digest=form.digest.data)
    flash(_("You will get a weekly digest.") if form.digest.data else _("No more weekly digests."), "success")
    return back()


def save_language(user, form):
    user.set_locale(form.locale.data)
    # Said in the language just chosen.
    with force_locale(form.locale.data or get_locale()):
        flash(_("Your language is saved."), "success")
    return back()


SAVERS = {
    "profile": save_profile, "password": save_password, "email": save_email, "digest": save_digest,
    "language": save_language,
}


def back(anchor=None):
    return redirect(url_for("settings.index", _anchor=anchor), 303)


@bp.route("/email/<token>")
def confirm_email(token):
    """The link mailed to a new address: the change takes effect (no sign-in needed,
    the signed link is the proof)."""
    try:
        user = accounts.change_email(token)
    except NotUniqueError:
        user = None
    if user is None:
        flash(_("That link has expired, was already used, or the address is taken."), "error")
    else:
        flash(_("Your e-mail address is changed."), "success")
    return redirect(url_for("settings.index" if current_user.is_authenticated else "auth.login"), 303)


@bp.route("/sessions/end", methods=("POST",))
@login_required
def sign_out_everywhere():
    """End every session and remember-me cookie of the account, this one too."""
    current_user.end_sessions()
    logout_user()
    flash(_("You are signed out everywhere, here too."), "info")
    return redirect(url_for("auth.login"), 303)


@bp.route("/tokens", methods=("POST",))
@login_required
@limiter.shared_limit(config_limit("RATELIMIT_TOKEN_CREATE"), scope="token-create", key_func=signed_in_account,
                      deduct_when=lambda response: response.status_code == 201, error_message=TOO_MANY_TOKENS)
def create_token():
    """Make a named API token and show it this once (201: the page, with the token)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return page("token", form)
    token, _token = ApiToken.issue(current_user._get_current_object(), name=form.name.data)
    flash(_("Copy the token now: it is not shown again."), "success")
    body, _status = page(new_token=token)
    return body, 201, {"Cache-Control": "no-store"}


@bp.route("/tokens/<objectid:token_id>/revoke", methods=("POST",))
@login_required
def revoke_token(token_id):
    if not ApiToken.objects(id=token_id, user=current_user.id).delete():
        abort(404)
    flash(_("The token is revoked."), "info")
    return back("settings-tokens")


@bp.route("/tokens/revoke-all", methods=("POST",))
@login_required
def revoke_all_tokens():
    accounts.revoke_tokens(current_user)
    flash(_("Every API token is revoked."), "info")
    return back("settings-tokens")


@bp.route("/export")
@login_required
def export():
    """Everything the blogger made, as a zip to keep."""
    archive = tempfile.SpooledTemporaryFile(max_size=ARCHIVE_IN_MEMORY)
    accounts.write_archive(current_user._get_current_object(), archive)
    archive.seek(0)
    site = slugify(SiteSettings.shown().title) or "tumblelog"  # the file name wants ASCII
    name = f"{site}-{current_user.username}-{human_date(utcnow()).replace(' ', '-')}.zip"
    response = send_file(archive, mimetype="application/zip", as_attachment=True, download_name=name)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/delete", methods=("POST",))
@login_required
@password_guesses
def delete():
    """Delete the account for good, once the password is given."""
    form = DeleteAccountForm()
    user = current_user._get_current_object()
    if form.validate_on_submit():
        if user.check_password(form.password.data):
            logout_user()
            accounts.delete_account(user)
            flash(_("The account %(name)s and everything it posted are deleted. Goodbye!", name=user.username), "info")
            return redirect(url_for("blog.index"), 303)
        form.password.errors.append(_("That is not your password; nothing was deleted."))
    return page("delete", form)


@bp.route("/unsubscribe/<token>", methods=("GET", "POST"))
@csrf.exempt  # the signed token is the proof; mail programs POST it without a form (RFC 8058)
def unsubscribe(token):
    """A mail's one-click unsubscribe (the digest's, notification mail's): a page with
    one button (link scanners that GET every link change nothing), and the POST that
    unsubscribes, signed in or not."""
    found = mail.unsubscriber(token)
    if found is None:
        return render_template("settings/unsubscribe.html", heading=_("Unsubscribe"), email=None), 404
    subscription, user = found
    if request.method == "POST":
        subscription.unsubscribe(user)
        return render_template("settings/unsubscribed.html", heading=_("Unsubscribed"), what=subscription.what)
    return render_template("settings/unsubscribe.html", heading=_("Unsubscribe"), email=user.email,
                           what=subscription.what)
