"""The Celery entry point: ``celery -A tumblelog.worker worker`` (and ``beat``).

One Flask app, made as the web's is, whose context every task runs in (tasks.py).
"""
from . import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
