"""``/healthz``: is this worker up, and does MongoDB answer? For load balancers,
Docker's HEALTHCHECK and uptime monitors; cheap enough to poll every few seconds."""
from flask import Blueprint, jsonify
from mongoengine.connection import get_db
from pymongo.errors import PyMongoError

bp = Blueprint("health", __name__)
# A cached answer would hide an outage (or a recovery) from whoever polls.
NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/healthz")
def healthz():
    try:
        get_db().command("ping")
    except PyMongoError:
        return jsonify(status="unavailable", database="unreachable"), 503, NO_STORE
    return jsonify(status="ok", database="ok"), 200, NO_STORE
