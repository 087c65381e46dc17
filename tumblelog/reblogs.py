"""Reblogging: ``/post/<id>/reblog`` shows the post and a form for the reader's own
comment and tags, and puts the reblog on their blog (notes.reblog does the work)."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from .forms import ReblogForm, form_status
from .models import Post
from .notes import ReblogRefused, reblog
from .ratelimit import action_limit

bp = Blueprint("reblogs", __name__)
# One count per address and per account, with the API's reblogs; reading the form is free.
reblog_limit = action_limit("reblog", "RATELIMIT_REBLOG", methods=["POST"])


@bp.route("/post/<objectid:post_id>/reblog", methods=("GET", "POST"))
@login_required
@reblog_limit
def reblog_post(post_id):
    """Reblog a post onto the signed-in reader's blog; land on the reblog."""
    source = Post.objects(id=post_id).exclude("comments", "search_terms").first_or_404()
    form = ReblogForm()
    refusal = source.reblog_refusal()
    if refusal is None and form.validate_on_submit():
        try:
            post = reblog(source, current_user._get_current_object(), form.comment.data or "", form.tags.data)
        except ReblogRefused as error:  # the trail filled up meanwhile
            refusal = str(error)
        else:
            flash(f"Reblogged onto your blog from {source.author_name}.", "success")
            return redirect(url_for("blog.show", post_id=post.id), 303)
    status = 409 if refusal and form.is_submitted() else form_status(form)
    return render_template("blog/reblog.html", source=source, form=form, refusal=refusal), status
