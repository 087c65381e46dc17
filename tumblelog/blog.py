"""Reading and writing posts: the front page, tag and user pages, permalinks with
comments, and creating, editing and deleting posts of every type."""
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from .auth import find_user
from .cache import revalidated_page
from .cards import listed_first, version_of
from .forms import CommentForm, form_status
from .lookups import tag_or_404, visible_post_or_404
from .models import POST_TYPES, Comment, CommentsClosed, Post, utcnow
from .moderation import Blocked, submit_comment
from .notes import notes_page
from .paging import CommentPage, list_page, page_number, page_of, paging_args
from .publishing import DRAFT, post_status
from .ratelimit import TOO_MANY_COMMENTS, action_limit, sends_no_file
from .spam import is_spam

bp = Blueprint("blog", __name__)


@bp.route("/")
def index():
    """The front page: the newest posts of every type."""
    return list_page(page_of(Post.listing()), heading=None)


@bp.route("/tag/<tag>")
def tag(tag):
    """Posts carrying one tag. Other spellings of the tag redirect to its normal form."""
    normal = tag_or_404(tag)
    if normal != tag:
        return redirect(url_for("blog.tag", tag=normal, **paging_args()), 301)
    posts = current_user.unmuted(Post.listing().filter(tags=tag))
    return list_page(page_of(posts), heading=f"#{tag}", tag=tag)


def pinned_post(page, username):
    """The post ``username`` pinned, to head the first page of their blog: found among
    that page's posts, else one more query. A blog with no published post has none."""
    if not (page and page.number == 1 and page.posts):
        return None
    on_page = next((post for post in page.posts if post.pinned), None)
    return on_page or listed_first(Post.pinned_by(username))


@bp.route("/user/<username>")
def user(username):
    """One blogger's posts under their profile. ``/user/ALICE`` redirects to
    ``/user/alice``'s real spelling.

    Two queries, whatever the page: the account (with the signed-in reader's, see
    ``find_user``), then the posts, found by the stored name.
    """
    author = find_user(username) or abort(404)
    if author.username != username:
        return redirect(url_for("blog.user", username=author.username, **paging_args()), 301)
    page = page_of(Post.listing().filter(author_name=username))
    pinned = pinned_post(page, username)
    if pinned:
        page.posts = [post for post in page.posts if post.id != pinned.id]
    heading = author.blog_title or _("Posts by %(name)s", name=username)
    return list_page(page, heading=heading, author=author, blogger=username, pinned=pinned)


@bp.route("/post/<objectid:post_id>", defaults={"slug": ""})
@bp.route("/post/<objectid:post_id>/<slug:slug>")
def show(post_id, slug):
    """A post's permalink: the post, a page of its comments (``?page=N``, oldest first)
    and a comment form. The id finds the post; a missing or outdated slug redirects to
    the current one."""
    return permalink(post_id, slug=slug)


def permalink(post_id, form=None, status=200, slug=None):
    """The permalink page, in one query whatever the thread's length; a page past the
    last is a 404, and so is a post the reader may not see. ``form``: a comment form
    sent back (with its text and errors); else a fresh one, made only if the page is
    rendered (a kept page fills in its tokens, holes.py)."""
    per_page = current_app.config["COMMENTS_PER_PAGE"]
    number = page_number()
    post = listed_first(Post.comments_slice(post_id, (number - 1) * per_page, per_page))
    if post is None or not post.visible_to(current_user):
        abort(404)
    if slug is not None and slug != post.slug:
        # The same page of comments and of notes, at the readable URL.
        kept = {name: request.args[name] for name in ("page", "notes") if name in request.args}
        return redirect(post.permalink(**kept), 301)
    comments = CommentPage(number, per_page, post.comment_count)
    if number > comments.last:
        abort(404)
    notes = notes_page(post)

    def render():
        shown = form or CommentForm()
        return render_template("blog/post.html", post=post, form=shown, comments=comments, notes=notes)

    if form is not None:  # a comment sent back, with its text
        return render(), status
    return revalidated_page(render, lambda: version_of(post, comments, notes.version),
                            reader=lambda: permalink_reader(post))


# What a reader may do under a permalink (blog/post.html, blog/_moderation.html).
PERMALINK_TOOLS = ("moderate_comments", "close_comments", "label_post", "moderate", "report", "edit_post",
                   "delete_post")


def permalink_reader(post):
    """What of the reader changes how ``post``'s permalink looks, beyond the parts
    filled in per request (holes.py): signed in or not, how they see its content
    labels, and the tools they may use on it. Readers alike in these share the page."""
    return current_user.is_authenticated, current_user.label_view(post), [
        current_user.can(tool, post) for tool in PERMALINK_TOOLS
    ]


def comment_url(post, comment, count=None):
    """Where a comment is shown: on the page its position ``count`` puts it on."""
    number = CommentPage.holding(count, current_app.config["COMMENTS_PER_PAGE"]).number if count else 1
    page = {"page": number} if number > 1 else {}
    return post.permalink(**page, _anchor=f"comment-{comment.id}")


@bp.route("/post/<objectid:post_id>/comments", methods=("POST",))
@action_limit("comment", "RATELIMIT_COMMENT", TOO_MANY_COMMENTS)
def comment(post_id):
    """Add a comment. Signed-in readers comment as themselves; others give a name.
    A comment the spam traps or the site's policy hold waits for review; a post that
    takes no more answers 409 with the typed text given back."""
    post = visible_post_or_404(post_id, exclude=("comments", "held_comments"))
    form = CommentForm()
    valid = form.validate_on_submit()
    if current_user.is_anonymous and not form.name.data:
        form.name.errors.append(_("Tell us your name, or sign in."))
        valid = False
    if valid:
        comment = Comment(body=form.body.data)
        if current_user.is_authenticated:
            comment.author = current_user._get_current_object()
            comment.author_name = current_user.username
        else:
            comment.author_name = form.name.data
        trapped = is_spam(form, signed_in=current_user.is_authenticated)
        try:
            held, result = submit_comment(post, comment, trapped)
        except CommentsClosed as closed:
            form.body.errors.append(str(closed))
            return permalink(post_id, form, 409)
        except Blocked as blocked:
            form.body.errors.append(str(blocked))
            return permalink(post_id, form, 403)
        if result is None:
            abort(404)
        if held and not trapped:
            flash(_("Thank you: your comment will appear once the blog's moderators approve it."), "info")
            return redirect(url_for("blog.show", post_id=post.id, _anchor="comments"), 303)
        # A trapped comment is answered exactly like a posted one: nothing for a bot to learn.
        flash(_("Your comment is posted."), "success")
        return redirect(comment_url(post, comment, None if held else result), 303)
    # Show the post with its comments again, the form keeping what was typed.
    return permalink(post_id, form, 422)


def raise_upload_limit():
    """Let the pages of post types that take large uploads (audio, photosets) accept
    them, and say that type's own limit past it. Runs before CSRF protection, which
    reads the form. A new post's type is in its URL; an edit's is known only once the
    post is loaded, so edit pages take the largest any type takes."""
    if request.endpoint == "blog.create":
        forms = [request.view_args["post_type"].form_class]
    elif request.endpoint == "blog.edit":
        forms = [model.form_class for model in POST_TYPES.values()]
    else:
        return
    largest = max(forms, key=lambda form: form.max_content_length or 0)
    if largest.max_content_length and request.method == "POST":
        request.max_content_length = largest.max_content_length
        try:
            request.form  # noqa: B018  (read here, under this limit)
        except RequestEntityTooLarge:
            abort(413, description=largest.too_large)


def post_form(post_type, post=None):
    """The form of ``post_type`` (a ``Post`` subclass) from this request, over ``post``
    when editing."""
    return post_type.form_class(obj=post)


# Uploads: decoding and re-encoding media is the costliest thing a request can ask.
upload_limit = action_limit("upload", "RATELIMIT_UPLOAD", methods=["POST"], exempt_when=sends_no_file)
post_limit = action_limit("post", "RATELIMIT_POST", methods=["POST"])


@bp.route("/post/new/<posttype:post_type>", methods=("GET", "POST"))
@post_limit
@upload_limit
@login_required
def create(post_type):
    """Write a new post of one type (authors and up); land on it when saved."""
    if not current_user.can("post"):
        abort(403)
    form = post_form(post_type)
    if form.validate_on_submit():
        post = post_type(author=current_user._get_current_object(), author_name=current_user.username)
        form.apply_to(post)
        if form.save(post):
            flash(published_message(post), "success")
            return redirect(post.permalink(), 303)
    return render_template("blog/edit.html", form=form, post_type=post_type, post=None), form_status(form)


def published_message(post):
    """What the flash says after saving a new post in its state."""
    if post.state == DRAFT:
        return _("Saved as a draft.")
    return _("Posted.") if post.is_live() else _("%(status)s.", status=post_status(post))


def editable_post(post_id, permission="edit_post", only=()):
    """The post (with ``only`` those fields when named, else all but its comments), if the
    signed-in user has ``permission`` on it: 404 if missing, 403 if not."""
    posts = Post.objects(id=post_id)
    posts = posts.only("author", *only) if only else posts.exclude("comments", "held_comments")
    post = posts.first_or_404()
    if not current_user.can(permission, post):
        abort(403)
    return post


@bp.route("/post/<objectid:post_id>/edit", methods=("GET", "POST"))
@post_limit
@upload_limit
@login_required
def edit(post_id):
    """Change a post (its author or an admin). Comments are untouched: only the
    changed fields are written."""
    post = editable_post(post_id)
    form = post_form(type(post), post)
    if form.validate_on_submit():
        form.apply_to(post)
        post.updated_at = utcnow()
        if form.save(post):
            flash(_("Saved."), "success")
            return redirect(post.permalink(), 303)
    return render_template("blog/edit.html", form=form, post_type=type(post), post=post), form_status(form)


@bp.route("/post/<objectid:post_id>/delete", methods=("POST",))
@post_limit
@login_required
def delete(post_id):
    """Delete a post and its comments (its author or a moderator)."""
    editable_post(post_id, "delete_post").delete_with_media()
    flash(_("The post is deleted."), "info")
    return redirect(url_for("blog.index"), 303)


@bp.route("/post/<objectid:post_id>/comments/<objectid:comment_id>/delete", methods=("POST",))
@post_limit
@login_required
def delete_comment(post_id, comment_id):
    """Delete one comment (the post's author or a moderator). Atomic: a comment posted
    at the same moment is kept."""
    post = editable_post(post_id, "moderate_comments")
    if not post.remove_comment(comment_id):
        abort(404)
    flash(_("The comment is deleted."), "info")
    return redirect(post.permalink(_anchor="comments"), 303)
