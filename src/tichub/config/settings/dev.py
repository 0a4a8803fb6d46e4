"""Development: `make run`. Debug on, a local secret, console e-mail, SQLite unless DATABASE_URL says otherwise."""

import os

os.environ.setdefault("LOG_FORMAT", "plain")

from .base import *  # noqa: F403

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
ALLOWED_HOSTS = ["*"]
TICHUB_SIGNING_SECRET = TICHUB_SIGNING_SECRET or "dev-only-signing-secret-do-not-use-in-production"  # noqa: F405

VAR_DIR.mkdir(parents=True, exist_ok=True)  # noqa: F405
