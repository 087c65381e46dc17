"""The OpenAPI 3.1 document for ``/api/v1``, served at ``/api/v1/openapi.json``.

Written by hand, next to the code it describes; ``tests/test_api_openapi.py`` checks
that it names exactly the routes the blueprint has, and a schemathesis run checks the
responses against it.
"""
from flask import jsonify

from wtforms.validators import DataRequired, Length

from ..models import COMMENT_MAX, CONTENT_LABELS, POST_TYPES, USERNAME_PATTERN
from ..notes import NOTE_KINDS, NOTIFICATION_KINDS, Reblog
from ..publishing import FORM_STATES, LOCAL_TIME_MAX, MAX_UTC_OFFSET, STATES, VISIBILITIES
from . import bp
from .posts import DEFAULT_LIMIT, MAX_LIMIT
from .serialise import PROFILE_FIELDS

REF = "#/components/schemas/"


def ref(name):
    return {"$ref": REF + name}


def string(**extra):
    return {"type": "string", **extra}


def obj(properties, required=None, **extra):
    return {"type": "object", "properties": properties, "required": required or list(properties), **extra}


def json_content(schema):
    return {"application/json": {"schema": schema}}


def error(description):
    return {"description": description, "content": json_content(ref("Error"))}


ERRORS = {
    400: error("Malformed or invalid input; `fields` says which field and why."),
    401: error("No token, or a token that is unknown, revoked or expired."),
    403: error("The post belongs to someone else."),
    404: error("No such post or user."),
    409: error("The post takes no more comments (it has as many as a post takes)."),
    413: error("The body is larger than 128 KiB."),
    415: error("The body is not sent as application/json."),
    429: {
        **error("Too many requests from this address or with this token."),
        "headers": {"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}},
    },
    503: {
        **error("The database is unreachable; try again after `Retry-After` seconds."),
        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
    },
}


def responses(ok_status, ok, *errors):
    """An operation's responses: success, the listed errors, 429 (every operation is
    rate-limited) and 503 (every operation reads the database)."""
    out = {str(ok_status): ok}
    out.update({str(status): ERRORS[status] for status in (*errors, 429, 503)})
    return out


def ok(description, schema=None, headers=None):
    response = {"description": description}
    if schema:
        response["content"] = json_content(schema)
    if headers:
        response["headers"] = headers
    return response


LOCATION = {"Location": {"description": "The new resource's API URL.", "schema": string()}}
BEARER = [{"bearerAuth": []}]
TAGS_INPUT = {
    "oneOf": [string(description="Comma-separated"), {"type": "array", "items": string(), "maxItems": 20}],
    "description": "Tags, normalised on save (trimmed, lower case, a leading # dropped).",
}
POST_ID = {
    "name": "post_id", "in": "path", "required": True,
    "schema": string(pattern="^[0-9a-fA-F]{24}$"), "description": "The post's id (24 hex digits).",
}
LIMIT = {
    "name": "limit", "in": "query",
    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
}
OFFSET_CURSOR = {"name": "cursor", "in": "query", "schema": string(pattern="^[0-9]+$"),
                 "description": "The `next_cursor` of the previous page."}
TIMESTAMP = string(format="date-time")
URL = string(format="uri")
# When a post goes out and who sees it: the same fields on every type (as on the forms).
PUBLISHING_INPUT = {
    "state": string(enum=list(FORM_STATES), description="publish (the default for a new post), draft, "
                    "queue (the next slot of your queue) or schedule (at publish_at)"),
    "publish_at": string(maxLength=LOCAL_TIME_MAX, description="With schedule: ISO 8601, e.g. "
                         "2026-12-24T09:30:00Z; without an offset, utc_offset (else UTC) applies"),
    "utc_offset": string(pattern="^-?[0-9]{1,3}$", description=f"Minutes east of UTC (at most {MAX_UTC_OFFSET})"),
    "visibility": string(enum=list(VISIBILITIES), description="unlisted: by link only; private: you only"),
}

def output_schema(post_type):
    """What a type adds to a post in responses: its ``api_fields``, each described by
    the type's ``api_schema`` or else as text (``choices`` as an enum, with "" when the
    field may be unset: the API shows an unset field as "")."""
    properties = {}
    for name in post_type.api_fields:
        field = post_type._fields.get(name)
        if name in post_type.api_schema:
            schema = post_type.api_schema[name]
        elif field is not None and field.choices:
            schema = string(enum=[*field.choices, *([] if field.required else [""])])
        else:
            schema = string()
        properties[name] = schema
    return properties


def input_schema(post_type):
    """What a type's form takes as JSON: its text fields, with the form's own length
    limits; the fields it requires are required."""
    form = post_type.form_class(meta={"csrf": False}, formdata=None)
    properties, required = {}, []
    for field in form.text_fields():
        if field is form.tags:
            continue
        schema = string(description=str(field.description or field.label.text))
        for validator in field.validators:
            if isinstance(validator, Length) and validator.max >= 0:
                schema["maxLength"] = validator.max
            if isinstance(validator, DataRequired):
                schema["minLength"] = 1
                required.append(field.name)
        properties[field.name] = schema
    return properties, required


def schema_name(post_type, prefix=""):
    return f"{prefix}{post_type.type.title()}Post"


def schemas():
    out = {
        "Error": obj({
            "error": obj({
                "status": {"type": "integer"},
                "message": string(),
                "fields": {"type": "object", "additionalProperties": {"type": "array", "items": string()}},
            }, ["status", "message"]),
        }),
        "Token": obj({"token": string(), "expires_at": TIMESTAMP}),
        "Comment": obj({
            "id": string(), "author": string(), "body": string(), "created_at": TIMESTAMP,
            "state": string(enum=["published", "held"], description="held: waiting for a moderator's review."),
        }),
        "CommentList": obj({
            "comments": {"type": "array", "items": ref("Comment")},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page."},
            "next": {"type": ["string", "null"], "description": "The next page's path, or null on the last."},
        }),
        "NewComment": obj({"body": string(minLength=1, maxLength=COMMENT_MAX)}, additionalProperties=False),
        "PostBase": obj({
            "id": string(), "type": string(enum=[*POST_TYPES, Reblog.type]), "author": string(),
            "created_at": TIMESTAMP, "updated_at": TIMESTAMP, "tags": {"type": "array", "items": string()},
            "labels": {"type": "array", "items": string(enum=list(CONTENT_LABELS)),
                       "description": "Content labels; readers see the post behind a click-through."},
            "comment_count": {"type": "integer", "minimum": 0}, "like_count": {"type": "integer", "minimum": 0},
            "reblog_count": {"type": "integer", "minimum": 0},
            "note_count": {"type": "integer", "minimum": 0, "description": "Likes, reblogs, comments and webmentions."},
            "url": URL, "state": string(enum=list(STATES)), "visibility": string(enum=list(VISIBILITIES)),
            "published_at": {"type": ["string", "null"], "format": "date-time",
                             "description": "When it went or goes live; null for a draft"},
            "slug": string(description="The readable end of its permalink (may be empty)"),
        }),
        "Post": {"oneOf": [ref(schema_name(post_type)) for post_type in (*POST_TYPES.values(), Reblog)]},
        "NewReblog": obj({
            "comment": string(maxLength=Reblog.comment.max_length, description="Markdown; @name tells that blogger."),
            "tags": TAGS_INPUT,
        }, [], additionalProperties=False),
        "Note": obj({
            "kind": string(enum=list(NOTE_KINDS)), "actor": string(), "post": string(),
            "created_at": TIMESTAMP,
            "reblog": string(description="Reblogs only: the reblog's id."),
            "reblogged_from": string(description="Reblogs only: whose post was reblogged."),
            "url": string(description="Webmentions only: the page that links to the post."),
            "excerpt": string(description="Webmentions only: that page's first words, as plain text."),
        }, ["kind", "actor", "post", "created_at"]),
        "NoteList": obj({
            "notes": {"type": "array", "items": ref("Note")},
            "next_cursor": {"type": ["string", "null"]}, "next": {"type": ["string", "null"]},
        }),
        "Notification": obj({
            "id": string(), "kind": string(enum=list(NOTIFICATION_KINDS)),
            "text": string(description="e.g. \"sam and 4 others liked your post\""),
            "actors": {"type": "array", "items": string()}, "count": {"type": "integer", "minimum": 1},
            "post": {"type": ["string", "null"]}, "url": {"type": ["string", "null"]},
            "read": {"type": "boolean"}, "updated_at": TIMESTAMP,
        }),
        "NotificationList": obj({
            "notifications": {"type": "array", "items": ref("Notification")},
            "unread_count": {"type": "integer", "minimum": 0},
            "next_cursor": {"type": ["string", "null"]}, "next": {"type": ["string", "null"]},
        }),
        "PostWithComments": {
            "allOf": [ref("Post"), obj({
                "comments": {"type": "array", "items": ref("Comment"), "description": "The first page."},
                "comments_next": {"type": ["string", "null"], "description": "The next page's path, or null."},
            })],
        },
        "PostList": obj({
            "posts": {"type": "array", "items": ref("Post")},
            "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page."},
            "next": {"type": ["string", "null"], "description": "The next page's path, or null on the last."},
        }),
        "NewPost": {"oneOf": [ref(schema_name(post_type, "New")) for post_type in POST_TYPES.values()]},
        "PostChanges": {
            "type": "object",
            "description": "Any fields of the post's own type (see NewPost); `type`, if sent, must not change.",
            "properties": {"type": string(enum=list(POST_TYPES)), "tags": TAGS_INPUT, **PUBLISHING_INPUT},
            "additionalProperties": string(),
        },
        "LikeState": obj({"liked": {"type": "boolean"}}, additionalProperties=False),
        "Liked": obj({"liked": {"type": "boolean"}, "like_count": {"type": "integer", "minimum": 0}}),
        "TagList": obj({"tags": {"type": "array", "items": obj({"tag": string(), "count": {"type": "integer"}})}}),
        "User": obj({"username": string(), "created_at": TIMESTAMP, "post_count": {"type": "integer"}, "url": URL,
                     **{name: string() for name in PROFILE_FIELDS},
                     "avatar_url": {"type": ["string", "null"], "format": "uri"}}),
    }
    for post_type in (*POST_TYPES.values(), Reblog):
        own = obj({"type": {"const": post_type.type}, **output_schema(post_type)})
        out[schema_name(post_type)] = {"allOf": [ref("PostBase"), own]}
    for name, post_type in POST_TYPES.items():
        fields, required = input_schema(post_type)
        out[schema_name(post_type, "New")] = obj(
            {"type": {"const": name}, **fields, "tags": TAGS_INPUT, **PUBLISHING_INPUT}, ["type", *required],
            additionalProperties=False,
        )
    return out


def paths():
    json_body = lambda name: {"required": True, "content": json_content(ref(name))}  # noqa: E731
    return {
        "/tokens": {
            "post": {
                "summary": "Get a token for your username and password (HTTP Basic); it is shown only once.",
                "security": [{"basicAuth": []}],
                "responses": responses(201, ok("The token.", ref("Token")), 401),
            },
            "delete": {
                "summary": "Revoke the token this request carries.",
                "security": BEARER,
                "responses": responses(204, ok("Revoked."), 401),
            },
        },
        "/posts": {
            "get": {
                "summary": "Published posts, newest first, a page at a time; with `state` and your "
                "token, your own drafts (newest first) or queued or scheduled posts (next first).",
                "parameters": [
                    {"name": "state", "in": "query", "schema": string(enum=["published", "draft", "queued", "scheduled"]),
                     "description": "Anything but published needs your token and lists only your posts."},
                    {"name": "type", "in": "query", "schema": string(enum=list(POST_TYPES))},
                    {"name": "tag", "in": "query", "schema": string()},
                    {"name": "author", "in": "query", "schema": string(), "description": "A username."},
                    LIMIT,
                    {"name": "cursor", "in": "query", "schema": string(),
                     "description": "The `next_cursor` of the previous page."},
                ],
                "security": [{}, *BEARER],
                "responses": responses(200, ok("A page of posts.", ref("PostList")), 400, 401, 403, 404),
            },
            "post": {
                "summary": "Create a post; the fields are those of the post type's HTML form.",
                "security": BEARER,
                "requestBody": json_body("NewPost"),
                "responses": responses(201, ok("The new post.", ref("Post"), LOCATION), 400, 401, 413, 415),
            },
        },
        "/posts/{post_id}": {
            "parameters": [POST_ID],
            "get": {
                "summary": "One post with the first page of its comments.",
                "responses": responses(200, ok("The post.", ref("PostWithComments")), 404),
            },
            "patch": {
                "summary": "Change fields of a post (its author or an admin).",
                "security": BEARER,
                "requestBody": json_body("PostChanges"),
                "responses": responses(200, ok("The changed post.", ref("Post"), LOCATION),
                                       400, 401, 403, 404, 413, 415),
            },
            "delete": {
                "summary": "Delete a post and its comments (its author or an admin).",
                "security": BEARER,
                "responses": responses(204, ok("Deleted."), 401, 403, 404),
            },
        },
        "/posts/{post_id}/comments": {
            "parameters": [POST_ID],
            "get": {
                "summary": "A post's comments, oldest first, a page at a time.",
                "parameters": [
                    LIMIT,
                    {"name": "cursor", "in": "query", "schema": string(pattern="^[0-9]+$"),
                     "description": "The `next_cursor` of the previous page."},
                ],
                "responses": responses(200, ok("A page of comments.", ref("CommentList")), 400, 404),
            },
            "post": {
                "summary": "Comment as the token's user.",
                "security": BEARER,
                "requestBody": json_body("NewComment"),
                "responses": {
                    **responses(201, ok("The comment.", ref("Comment"), LOCATION), 400, 401, 403, 404, 409, 413, 415),
                    "202": ok("The comment, held for review (the site's comment policy).", ref("Comment"), LOCATION),
                },
            },
        },
        "/posts/{post_id}/like": {
            "parameters": [POST_ID],
            "post": {
                "summary": "Like a post or take the like back: no body toggles, {\"liked\": …} sets.",
                "security": BEARER,
                "requestBody": {"required": False, "content": json_content(ref("LikeState"))},
                "responses": responses(200, ok("Whether you like it now, and its like count.", ref("Liked")),
                                       400, 401, 404, 413, 415),
            },
        },
        "/posts/{post_id}/reblog": {
            "parameters": [POST_ID],
            "post": {
                "summary": "Reblog a post onto your blog, with your own comment and tags (both optional).",
                "security": BEARER,
                "requestBody": {"required": True, "content": json_content(ref("NewReblog"))},
                "responses": responses(201, ok("The reblog.", ref("Post"), LOCATION), 400, 401, 404, 409, 413, 415),
            },
        },
        "/posts/{post_id}/notes": {
            "parameters": [POST_ID],
            "get": {
                "summary": "Likes, reblogs and comments of the post's trail, newest first.",
                "parameters": [LIMIT, OFFSET_CURSOR],
                "responses": responses(200, ok("A page of notes.", ref("NoteList")), 400, 404),
            },
        },
        "/notifications": {
            "get": {
                "summary": "Your notifications, newest first (listing them does not mark them read).",
                "security": BEARER,
                "parameters": [LIMIT, OFFSET_CURSOR],
                "responses": responses(200, ok("A page of notifications.", ref("NotificationList")), 400, 401),
            },
        },
        "/notifications/read": {
            "post": {
                "summary": "Mark all your notifications read.",
                "security": BEARER,
                "responses": responses(200, ok("Done.", obj({"unread_count": {"type": "integer", "const": 0}})), 401),
            },
        },
        "/notifications/{notification_id}/read": {
            "parameters": [{"name": "notification_id", "in": "path", "required": True,
                            "schema": string(pattern="^[0-9a-fA-F]{24}$"),
                            "description": "The notification's `id` (24 hex digits)."}],
            "post": {
                "summary": "Mark one of your notifications read.",
                "security": BEARER,
                "responses": responses(200, ok("Done: your unread count now.",
                                               obj({"unread_count": {"type": "integer", "minimum": 0}})), 401, 404),
            },
        },
        "/tags": {
            "get": {
                "summary": "The most used tags with their post counts (up to a minute old).",
                "parameters": [LIMIT],
                "responses": responses(200, ok("Tags, most used first.", ref("TagList")), 400),
            },
        },
        "/users/{username}": {
            "parameters": [{"name": "username", "in": "path", "required": True,
                            "schema": string(pattern=USERNAME_PATTERN), "description": "Any case."}],
            "get": {
                "summary": "A blogger's public profile and post count.",
                "responses": responses(200, ok("The profile.", ref("User")), 404),
            },
        },
        "/openapi.json": {
            "get": {
                "summary": "This document.",
                "responses": {"200": ok("The OpenAPI 3.1 document.", {"type": "object"}), "429": ERRORS[429]},
            },
        },
    }


def document():
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "tumblelog API",
            "version": "1",
            "description": "Read posts, tags and profiles; with a token, post, comment, change and delete. "
            "Every error is `{\"error\": {\"status\", \"message\", \"fields\"}}`.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": paths(),
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A token from POST /tokens."},
                "basicAuth": {"type": "http", "scheme": "basic"},
            },
        },
    }


@bp.route("/openapi.json", methods=("GET",))
def openapi_document():
    """This API's OpenAPI 3.1 description."""
    return jsonify(document())
