"""Live preview of a text post's Markdown while it is being written.

The editor's script posts the draft here (with the form's CSRF token) and shows the
HTML it gets back: the same ``render_markdown`` and allowlist a saved post goes through,
so the preview shows exactly what will be published. Without the script, nothing calls it.
"""
from flask import Blueprint, jsonify, request
from flask_login import login_required

from .errors import json_error
from .markup import MAX_MARKDOWN_LENGTH, MarkdownTooComplex, render_markdown
from .ratelimit import action_limit

bp = Blueprint("preview", __name__)


@bp.route("/post/preview", methods=("POST",))
@action_limit("preview", "RATELIMIT_PREVIEW")
@login_required
def markdown():
    """``body`` (Markdown) in, ``{"html": ...}`` out; 413 past a post's maximum length,
    422 past the rendering budget (the text would be refused on save too)."""
    text = request.form.get("body", "")
    if len(text) > MAX_MARKDOWN_LENGTH:
        return json_error(413, f"A post has at most {MAX_MARKDOWN_LENGTH:,} characters.")
    try:
        return jsonify(html=render_markdown(text))
    except MarkdownTooComplex as error:
        return json_error(422, str(error))
