"""Test settings: fast hashing, plain static storage, no outside services.

DATABASE_URL still selects the database, so CI runs the same suite on PostgreSQL.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

import jinja2

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-insecure-key"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Documents' files and photos go to a folder of this test process's own, on the
# filesystem as in development, removed when the process ends.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="capj-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
OPEN_DATA_DIR = MEDIA_ROOT / "opendata"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "import_export": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
WHITENOISE_AUTOREFRESH = True
# A template that names a variable its view does not give fails its test.
TEMPLATES[0]["OPTIONS"]["undefined"] = jinja2.StrictUndefined  # noqa: F405
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "jobs": cache_from_env(  # noqa: F405
        os.environ.get("DJANGO_JOBS_CACHE_URL", "locmem://jobs")  # noqa: F405
    ),
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"]},
}

# A runaway query fails its test within a minute, naming the statement, instead of
# holding the whole run until CI gives up.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    options["options"] = f"{options.get('options', '')} -c statement_timeout=60000"
