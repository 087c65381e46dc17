"""Accounts: sign up, sign in, sign out."""
from urllib.parse import urlsplit

from bson import ObjectId
from flask import Blueprint, flash, has_request_context, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from mongoengine import NotUniqueError, Q

from .extensions import limiter, login_manager
from .forms import LoginForm, RegisterForm, form_status
from .models import User
from .ratelimit import TOO_MANY_SIGN_UPS, config_limit, sign_in_limits

bp = Blueprint("auth", __name__, url_prefix="/auth")

PREFETCHED = "tumblelog.prefetched_readers"



@login_manager.user_loader
def load_user(user_id):
    """The signed-in account, unless ``find_user`` already fetched it for this request."""
    prefetched = request.environ.pop(PREFETCHED, {}) if has_request_context() else {}
    if user_id in prefetched:
        return prefetched[user_id]
    return User.objects(id=user_id).first() if ObjectId.is_valid(user_id) else None


def find_user(username):
    """The account called ``username`` (in any case), or None.

    When a reader is signed in, their own account comes back in the same query and
    ``load_user`` takes it from there: a page that needs both costs one round trip,
    not two. (``_user_id`` is where Flask-Login keeps the id in the session.)
    """
    reader_id = session.get("_user_id")
    if not (isinstance(reader_id, str) and ObjectId.is_valid(reader_id)):
        return User.by_username(username)
    key = username.lower()
    found = list(User.objects(Q(username_key=key) | Q(id=ObjectId(reader_id))))
    # Kept in the WSGI environ: it lives exactly as long as this request.
    request.environ[PREFETCHED] = {reader_id: next((u for u in found if str(u.id) == reader_id), None)}
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
    """Create an account and sign in with it."""
    if current_user.is_authenticated:
        return redirect(url_for("blog.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, email=form.email.data.lower())
        user.set_password(form.password.data)
        try:
            user.save()
        except NotUniqueError:
            # The form checked, but another sign-up won the race; the index decides.
            form.username.errors.append("That username or email was just taken.")
        else:
            login_user(user)
            flash(f"Welcome, {user.username}! Your blog is ready for its first post.", "success")
            return redirect(url_for("blog.index"), 303)
    return render_template("auth/register.html", form=form), form_status(form)


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
            form.password.errors.append("Wrong username or password.")
        else:
            login_user(user, remember=form.remember.data)
            flash(f"Signed in as {user.username}.", "success")
            return redirect(safe_next(request.args.get("next")), 303)
    return render_template("auth/login.html", form=form), form_status(form)


@bp.route("/logout", methods=("POST",))
def logout():
    """Sign out (a POST, so another site cannot sign you out with a link)."""
    logout_user()
    flash("Signed out.", "info")
    return redirect(url_for("blog.index"), 303)
