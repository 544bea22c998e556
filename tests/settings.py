"""Test settings: the real services (PostgreSQL, Redis) instead of the embedded default."""

import os
import tempfile

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "false")

from referent_portal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SITE_URL = "http://testserver"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files from the finders, as in development: the suite never runs collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Uploaded files of the tests go to a throw-away folder, never into the working tree.
MEDIA_ROOT = tempfile.mkdtemp(prefix="portal-test-media-")

# SQLite, the embedded default's database, beside PostgreSQL: a test that must hold on both
# runs its body inside `tests.sqlite.on_sqlite()`, which routes every query there.
DATABASES["sqlite"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}  # noqa: F405
DATABASE_ROUTERS = ["tests.sqlite.Router"]
