# Production image: gunicorn serving tumblelog:create_app() on port 8000.
# Run it beside MongoDB with `docker compose up` (docker-compose.yml); it needs SECRET_KEY and
# MONGODB_URI at run time. Tests and dev tools stay out of the image (see .dockerignore).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed numeric id, so orchestrators that insist on a non-root user (runAsNonRoot) can check it.
RUN groupadd --system --gid 10001 tumblelog \
 && useradd --system --uid 10001 --gid tumblelog --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin tumblelog

WORKDIR /app

# Dependencies in their own layer: rebuilt only when the lock file changes. It pins every
# package requirements.txt needs, with hashes (`make lock`), so builds never drift and a
# tampered download fails the build.
COPY requirements.lock .
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.lock

# Only the application; it stays owned by root, so the server cannot rewrite its own code.
COPY config.py run.py ./
COPY tumblelog/ tumblelog/

USER 10001:10001

ENV TUMBLELOG_CONFIG=production \
    GUNICORN_WORKERS=2 \
    GUNICORN_THREADS=4

EXPOSE 8000

# 200 from /healthz means the app is up and MongoDB answers a ping; any error or non-2xx fails.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request as r; r.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# sh expands the worker and thread counts, then `exec` makes gunicorn PID 1 so that it gets
# `docker stop`'s SIGTERM and shuts down gracefully. The app logs each request itself (with its
# X-Request-ID, level from LOG_LEVEL), so gunicorn's access log stays off; its error log goes
# to stderr.
# The control socket is off: it would need a writable $HOME, and nothing here uses it.
# --worker-tmp-dir on tmpfs keeps worker heartbeats off the overlay filesystem.
CMD ["sh", "-c", "exec gunicorn --bind 0.0.0.0:8000 --workers \"$GUNICORN_WORKERS\" --threads \"$GUNICORN_THREADS\" --worker-tmp-dir /dev/shm --no-control-socket --error-logfile - 'tumblelog:create_app()'"]
