"""The Celery entry point: `celery -A app.jobs.worker worker` (and `... beat`).

Configured like the web app, from the environment (APP_ENV, DATABASE_URL, CELERY_BROKER_URL or
REDIS_URL, MAIL_SERVER, STORAGE_URL ...).
"""

from __future__ import annotations

from app import create_app

flask_app = create_app()
if "celery" not in flask_app.extensions:
    raise RuntimeError("No broker configured: set CELERY_BROKER_URL or REDIS_URL to run a Celery worker.")
celery = flask_app.extensions["celery"]
