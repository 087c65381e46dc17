"""Development server: ``python run.py`` (or ``make run``).

With no ``MONGODB_URI`` it runs on an embedded in-memory database, seeded with demo
posts and a ``demo`` account, and says so loudly: nothing is kept when it stops.
"""
import os
import sys

from tumblelog import create_app
from tumblelog.seed import ensure_user, seed_posts, seed_reblogs

DEMO_USER, DEMO_PASSWORD = "demo", "demo-password"

app = create_app()


def seed_embedded_demo():
    """Fill the empty in-memory database with something to look at."""
    with app.app_context():
        ensure_user(DEMO_USER, DEMO_PASSWORD, role="admin")
        seed_posts(40)
        seed_reblogs(6)
    banner = (
        "\n" + "=" * 72 + "\n"
        "  EMBEDDED IN-MEMORY DATABASE: demo data only, NOTHING IS KEPT when this stops.\n"
        f"  Sign in as '{DEMO_USER}' / '{DEMO_PASSWORD}' (an admin) to post.\n"
        "  To use a real MongoDB:  MONGODB_URI=mongodb://localhost:27017/tumblelog make run\n"
        + "=" * 72 + "\n"
    )
    print(banner, file=sys.stderr, flush=True)


if __name__ == "__main__":
    if app.config["EMBEDDED_DB"]:
        seed_embedded_demo()
    # No reloader: it would start a second process with its own, empty, in-memory database.
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), use_reloader=False)
