"""Posts: list (filtered, keyset-paged), read, create, change and delete.

Post bodies go through the same form classes as the HTML pages (each type's
``form_class``), so each post type's rules are written once; the API only adds the
JSON shape checks. Uploads are for the HTML forms: the API takes the text fields.
"""
from flask import g, jsonify, request, url_for
from werkzeug.datastructures import MultiDict

from ..cards import listed
from ..paging import decode_cursor, encode_cursor, newer_than, older_than
from ..models import POST_TYPES, Post, User, utcnow
from ..publishing import DRAFT, PUBLISHED, QUEUED, SCHEDULED
from ..ratelimit import action_limit
from ..tags import TagError, parse_tags
from . import ApiError, bp, check_fields, json_object
from . import comments as thread  # a module: it imports this one too
from .serialise import post_dict
from .tokens import api_reader, token_required

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


def limit_arg(default=DEFAULT_LIMIT, maximum=MAX_LIMIT):
    """``?limit=``: ASCII digits from 1 to ``maximum``, else 400."""
    raw = request.args.get("limit")
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= maximum):
        raise ApiError(400, f"limit must be a whole number from 1 to {maximum}.", {"limit": ["Out of range."]})
    return int(raw)


LIST_FILTERS = ("type", "tag", "author", "state", "limit")


def own_list(cls, state):
    """The token user's posts in ``state``: drafts newest first, queued or scheduled
    posts next first. With the cursor position after a post, and its key."""
    user = api_reader()
    if not user.is_authenticated:
        raise ApiError(401, "Only you see your drafts and queue: send your token.")
    if "author" in request.args and request.args["author"].lower() != user.username.lower():
        raise ApiError(403, "You can only list your own drafts and queue.")
    if state == DRAFT:
        return cls.drafts_of(user.pk), older_than, "created_at"
    return cls.queue_of(user.pk, states=(state,)), newer_than, "published_at"


def filtered_posts():
    """The posts that ``?type=``, ``?tag=``, ``?author=`` and ``?state=`` select, with
    how a cursor continues them and the key it holds: published posts newest first;
    with ``state=draft|queued|scheduled``, the token user's own."""
    args = request.args
    post_type = args.get("type")
    if post_type is not None and post_type not in POST_TYPES:
        raise ApiError(400, "Unknown post type.", {"type": [f"One of: {', '.join(POST_TYPES)}."]})
    cls = POST_TYPES[post_type] if post_type else Post
    state = args.get("state", PUBLISHED)
    if state not in (PUBLISHED, DRAFT, QUEUED, SCHEDULED):
        raise ApiError(400, "Unknown state.", {"state": ["One of: published, draft, queued, scheduled."]})
    if state != PUBLISHED:
        posts, after, key = own_list(cls, state)
        return posts.exclude("search_terms"), after, key
    # Serialised posts carry the Markdown source as well as its HTML.
    posts = cls.listing(keep=("body",))
    if "tag" in args:
        try:
            tags = parse_tags([args["tag"]])
        except TagError as error:
            raise ApiError(400, "Not a valid tag.", {"tag": [str(error)]}) from None
        if not tags:
            raise ApiError(400, "Not a valid tag.", {"tag": ["The tag is empty."]})
        posts = posts.filter(tags=tags[0])
    if "author" in args:
        author = User.by_username(args["author"][:64])
        if author is None:
            raise ApiError(404, "There is no user with that name.")
        posts = posts.filter(author=author)
    return posts, older_than, "published_at"


@bp.route("/posts", methods=("GET",))
def list_posts():
    """Newest posts first; ``next`` continues after the last one, or is null."""
    limit = limit_arg()
    posts, after, key = filtered_posts()
    if "cursor" in request.args:
        position = decode_cursor(request.args["cursor"])
        if position is None:
            raise ApiError(400, "Not a cursor from this API.", {"cursor": ["Use the next_cursor of a page."]})
        posts = posts.filter(after(*position, key=key))
    page = listed(posts.limit(limit + 1))
    next_cursor = encode_cursor(page[limit - 1], key) if len(page) > limit else None
    # Only the list's own filters go on into the link: anything else could collide with
    # url_for's parameters (endpoint, _external, _scheme...).
    args = {key: request.args[key] for key in LIST_FILTERS if key in request.args}
    return jsonify(
        posts=[post_dict(post) for post in page[:limit]],
        next_cursor=next_cursor,
        next=url_for("api.list_posts", **args, cursor=next_cursor) if next_cursor else None,
    )


def validated_form(post_type, data, post=None):
    """The post form of ``post_type`` (a Post class) filled from JSON ``data`` (for a
    change, over the saved ``post``) and validated; a form with errors becomes a 400
    naming its fields."""
    form_class = post_type.form_class
    blank = form_class(meta={"csrf": False}, formdata=None)
    allowed = {field.name for field in blank.text_fields()}
    allowed |= set(blank.PUBLISHING_FIELDS)
    check_fields(data, allowed | {"type"}, lists=("tags",))
    tags = data.pop("tags", "")
    data.pop("type", None)
    form = form_class(formdata=MultiDict(data), obj=post, meta={"csrf": False})
    form.tags.data = tags  # a list or comma-separated text; the field's parse_tags takes both
    if not form.validate():
        raise_form_errors(form)
    return form


def raise_form_errors(form):
    raise ApiError(400, "Some fields are not valid.", {name: list(errors) for name, errors in form.errors.items()})


def writable_post(post_id, permission="edit_post"):
    """The post, if the token's user has ``permission`` on it: 404 if missing (or not
    theirs to see), 403 if not."""
    post = thread.post_or_404(post_id, exclude=("comments", "held_comments"))
    if not g.api_user.can(permission, post):
        raise ApiError(403, "You can only change your own posts.")
    return post


def stored(post, form, status):
    """Save ``post``; the model's last word on a field is a 400 like the form's."""
    if not form.save(post):
        raise_form_errors(form)
    headers = {"Location": url_for("api.get_post", post_id=post.id)}
    return jsonify(post_dict(post)), status, headers


@bp.route("/posts", methods=("POST",))
@action_limit("post", "RATELIMIT_POST")
@token_required
def create_post():
    """Create a post of ``type`` with that type's fields, as on the HTML form."""
    if not g.api_user.can("post"):
        raise ApiError(403, "Your account may comment, like and follow, but not post.")
    data = json_object()
    post_type = data.get("type")
    if not isinstance(post_type, str) or post_type not in POST_TYPES:
        raise ApiError(400, "Say which type of post this is.", {"type": [f"One of: {', '.join(POST_TYPES)}."]})
    form = validated_form(POST_TYPES[post_type], data)
    user = g.api_user
    post = POST_TYPES[post_type](author=user, author_name=user.username)
    form.apply_to(post)
    return stored(post, form, 201)


@bp.route("/posts/<objectid:post_id>", methods=("GET",))
def get_post(post_id):
    """One post with the first page of its comments; ``comments_next`` goes on. A draft
    or private post only with its author's token."""
    post, comments = thread.comments_page(post_id, 0, DEFAULT_LIMIT)
    return jsonify({**post_dict(post), "comments": comments["comments"], "comments_next": comments["next"]})


@bp.route("/posts/<objectid:post_id>", methods=("PATCH",))
@action_limit("post", "RATELIMIT_POST")
@token_required
def update_post(post_id):
    """Change some fields of a post (its author or an admin); the rest stay."""
    post = writable_post(post_id)
    data = json_object()
    if data.get("type", post.type) != post.type:
        raise ApiError(400, "A post's type cannot change.", {"type": [f"This post is a {post.type} post."]})
    saved = post.form_class(obj=post, meta={"csrf": False}, formdata=None)
    # Each field's text as the edit form shows it (``_value``: lists one item a line).
    current = {field.name: field._value() for field in saved.text_fields()}
    form = validated_form(type(post), {**current, **data}, post)
    form.apply_to(post)
    post.updated_at = utcnow()
    return stored(post, form, 200)


@bp.route("/posts/<objectid:post_id>", methods=("DELETE",))
@action_limit("post", "RATELIMIT_POST")
@token_required
def delete_post(post_id):
    """Delete a post and its comments (its author or an admin)."""
    writable_post(post_id, "delete_post").delete_with_media()
    return "", 204
