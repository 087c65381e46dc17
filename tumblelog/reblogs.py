"""Reblogging: ``/post/<id>/reblog`` shows the post and a form for the reader's own
comment and tags, and puts the reblog on their blog (``Reblog.of`` builds it, the form
saves it, ``notes.reblogged`` counts it and tells whom it concerns)."""
from flask import Blueprint, abort, flash, redirect, render_template
from flask_login import current_user, login_required

from .forms import ReblogForm, form_status
from .blog import published_message
from .lookups import visible_post_or_404
from .notes import Reblog, ReblogRefused
from .ratelimit import action_limit

bp = Blueprint("reblogs", __name__)
# One count per address and per account, with the API's reblogs; reading the form is free.
reblog_limit = action_limit("reblog", "RATELIMIT_REBLOG", methods=["POST"])


@bp.route("/post/<objectid:post_id>/reblog", methods=("GET", "POST"))
@login_required
@reblog_limit
def reblog_post(post_id):
    """Reblog a post onto the signed-in reader's blog; land on the reblog. A post that
    cannot be reblogged (a full trail) shows why instead of the form (409 on a POST).
    A reblog is a post on the reader's blog: authors and up; a hidden post is not found."""
    if not current_user.can("post"):
        abort(403)
    source = visible_post_or_404(post_id, exclude=("comments", "search_terms"))
    form = ReblogForm()
    user = current_user._get_current_object()
    try:
        post = Reblog.of(source, user)
    except ReblogRefused as error:
        return render_template("blog/reblog.html", source=source, form=form, refusal=str(error)), (
            409 if form.is_submitted() else 200)
    if form.validate_on_submit():
        form.apply_to(post)
        if form.save(post):
            flash(reblogged_message(post, source), "success")
            return redirect(post.permalink(), 303)
    return render_template("blog/reblog.html", source=source, form=form, refusal=None), form_status(form)


def reblogged_message(post, source):
    """What the flash says after a reblog is saved in its state."""
    if post.is_live():
        return f"Reblogged onto your blog from {source.author_name}."
    return published_message(post)
