"""Settings shared by every environment. Environment-specific modules import these."""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from capj.headers import static_file_headers

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    """Read a boolean from the environment, refusing anything ambiguous."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}."
    )


def env_int(name, default):
    """Read a whole number from the environment."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number, not {value!r}."
        ) from None


def env_list(name, default=""):
    """Read a comma-separated list from the environment."""
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")

INSTALLED_APPS = [
    # Django's admin, with the editors' home page (dialogue/admin_site.py).
    "dialogue.admin_site.EditorsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.redirects",
    "django.contrib.sitemaps",
    "import_export",
    # Revisions of every record, with their diffs, rollback and undoable imports
    # (dialogue/revisions.py, docs/editing.md).
    "reversion",
    "reversion_compare",
    "csp",
    "axes",
    # Large CSV imports and exports run by a task worker (dialogue/csv/jobs.py):
    # Django's task API (django.tasks from Django 6), its queue in the database.
    "django_tasks",
    "django_tasks_db",
    "dialogue",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # 304 Not Modified for a page the browser has (its ETag); before django-csp, so
    # a 304 carries no policy, whose nonce would not be the one of the copy kept.
    "django.middleware.http.ConditionalGetMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A 400 for a NUL character in the address, which PostgreSQL cannot compare,
    # and no cookie with one: before the page cache and the session read them,
    # inside the middleware that add headers, so the 400 page has them all.
    "capj.security.RefuseNulMiddleware",
    # Visitors' pages from the shared cache, before sessions and the view; after
    # django-csp, so every response gets its own policy (dialogue/page_cache.py).
    "dialogue.page_cache.UpdateCacheMiddleware",
    "dialogue.page_cache.FetchFromCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "capj.security.AbsoluteSessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Old addresses of renamed pages answer 301 (see dialogue/signals.py), when
    # the requester may see the page they lead to.
    "capj.security.VisibleRedirectFallbackMiddleware",
    # Last, so a locked-out login gets its 429 after everything else has run.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "capj.urls"
WSGI_APPLICATION = "capj.wsgi.application"

CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "dialogue.context_processors.site",
]
TEMPLATES = [
    # The public pages, in templates/: Jinja2 (dialogue/jinja2.py), which renders
    # them with a fraction of the Python calls of Django's template language.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "dialogue.jinja2.environment",
            "context_processors": CONTEXT_PROCESSORS,
        },
    },
    # The admin, django-import-export and our overrides of their templates
    # (dialogue/templates/admin/): Django's template language, from the apps only,
    # so that no public page's name can reach it.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": CONTEXT_PROCESSORS},
    },
]


def database_from_env():
    """DATABASE_URL selects the database; the embedded SQLite file is the default."""
    url = os.environ.get("DATABASE_URL", "")
    if url:
        config = dj_database_url.parse(url, conn_max_age=600, conn_health_checks=True)
    else:
        config = {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
        }
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers work during a write; IMMEDIATE takes the write lock at the
        # start of a transaction so concurrent writers queue instead of failing.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
            ),
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        # The parameters travel apart from the SQL, so the same statement has the
        # same text on every request, and psycopg prepares a statement the fifth
        # time a connection runs it: PostgreSQL then parses and plans it once.
        # (A pooler in transaction mode would need prepare_threshold None.)
        config.setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
        # "Did you mean" compares the people pg_trgm finds at this word
        # similarity (dialogue/suggestions.py): lower than its default 0.6, so
        # that one letter changed in a short name still counts. Only the %>
        # operator reads it, and only that search uses it.
        config["OPTIONS"]["options"] = "-c pg_trgm.word_similarity_threshold=0.3"

    return config


DATABASES = {"default": database_from_env()}


def cache_from_env(url):
    """DJANGO_CACHE_URL: redis://, rediss://, locmem://, file:///path or dummy://."""
    scheme, _, rest = url.partition("://")
    backends = {
        # Django's Redis backend, reusing one client per connection pool.
        "redis": "capj.redis_cache.RedisCache",
        "rediss": "capj.redis_cache.RedisCache",
        "locmem": "django.core.cache.backends.locmem.LocMemCache",
        "file": "django.core.cache.backends.filebased.FileBasedCache",
        "dummy": "django.core.cache.backends.dummy.DummyCache",
    }
    if scheme not in backends:
        raise ImproperlyConfigured(
            f"DJANGO_CACHE_URL must start with one of {', '.join(sorted(backends))}"
            f":// (got {url!r})."
        )
    config = {"BACKEND": backends[scheme]}
    if scheme in {"redis", "rediss"}:
        config["LOCATION"] = url
    elif scheme == "file":
        config["LOCATION"] = rest
    elif rest:
        config["LOCATION"] = rest
    return config


CACHES = {"default": cache_from_env(os.environ.get("DJANGO_CACHE_URL", "locmem://"))}
# Public pages are cached whole under the content version (dialogue/page_cache.py),
# so they are never stale; this only bounds how long an unvisited page takes memory.
# 0 turns the page cache off.
CACHE_MIDDLEWARE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 3600)
CACHE_MIDDLEWARE_KEY_PREFIX = "capj"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
# The site and its admin speak British English only (names are shown in any
# script, but the interface is not translated). Without translation machinery,
# every label and choice shown costs a dictionary lookup instead of a search
# through the translation catalogues: about a fifth of a page's rendering time.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files get the pages' Content-Security-Policy and X-Frame-Options too
# (WhiteNoise answers before the middleware that add them: capj/headers.py).
WHITENOISE_ADD_HEADERS_FUNCTION = static_file_headers
# Documents' files and meetings' photos (dialogue/models/media.py), through
# Django's storage API: a private folder here, S3-compatible object storage in
# production when DJANGO_MEDIA_S3_BUCKET is set (docs/deployment.md). Visitors
# fetch them only through the site's own addresses, which check that the document
# or meeting is public (dialogue/media_views.py): MEDIA_ROOT must never be served
# by the web server itself.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", "") or BASE_DIR / "var" / "media")
MEDIA_URL = "/media/"
#: Send visitors to the storage's own (signed, short-lived) address instead of
#: streaming the file through the app: for object storage.
MEDIA_SERVE_BY_REDIRECT = False
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(MEDIA_ROOT),
            "file_permissions_mode": 0o640,
            "directory_permissions_mode": 0o750,
        },
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Site-wide facts shown in templates.
SITE_NAME = "Central Asia plus Japan Dialogue"
# django.contrib.redirects keeps its redirects under this site; absolute URLs
# (canonical links, feeds, sitemaps) are built from the request's own host.
SITE_ID = 1

# One JSON object per line on stdout, for the process manager to collect.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        },
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# Security headers on every response. HSTS, the HTTPS redirect and secure cookies
# are switched on in production.py, where the site is served over TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Load balancers probe these over plain HTTP (see capj/health.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        # No inline code at all: not even django-import-export's one inline handler
        # (the select-all box of its selectable-fields export form, which our
        # admins do not show: they export every column).
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Sessions: staff sessions end when the browser closes and, whatever happens,
# 12 hours after login (capj.security.AbsoluteSessionLifetimeMiddleware).
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_ABSOLUTE_AGE = SESSION_COOKIE_AGE
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Where a login lands when it names no page, or one on another site (Django
# refuses an unsafe ?next=): the admin, the only part of the site with a login.
LOGIN_REDIRECT_URL = "admin:index"

# Logins: django-axes locks an account+IP pair after 5 failures for 15 minutes and
# answers 429 whether or not the username exists.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
# Client IP: REMOTE_ADDR, unless DJANGO_TRUSTED_PROXY_COUNT reverse proxies sit in
# front; then the address the outermost of them appended to X-Forwarded-For
# (capj.security.client_ip, a dozen lines). django-ipware is not used: its
# proxy_count counts the proxies listed in the header, not those in front of us,
# and picked the leftmost (client-written) entry for some of our test cases.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "capj.security.client_ip"

# CSV import and export (dialogue/csv/, docs/csv-format.md). Import and
# export are permissions of their own (import_<model>, export_<model>): Editors
# may export, only the Data stewards group and superusers may import.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "import"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "export"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# An upload waits for its confirm step, byte for byte, in the shared cache when
# there is one, so the confirm may reach another app server, else as a file of
# STORAGES["import_export"] (dialogue.csv.uploads.import_storage). Only the user who
# uploaded it may confirm it, for the same kind of record, within
# CSV_IMPORT_UPLOAD_SECONDS (default an hour); an upload not confirmed by then is
# removed.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "dialogue.csv.uploads.import_storage"
CSV_IMPORT_UPLOAD_SECONDS = env_int("DJANGO_CSV_IMPORT_UPLOAD_SECONDS", 60 * 60)
STORAGES["import_export"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": os.environ.get(
            "DJANGO_CSV_IMPORT_UPLOAD_DIR", str(BASE_DIR / "var" / "uploads")
        ),
        "file_permissions_mode": 0o600,
        "directory_permissions_mode": 0o700,
    },
}
# The open-data downloads, each kept as a file once per version of the content
# (dialogue/opendata.py); earlier versions are removed as new ones are written.
OPEN_DATA_DIR = Path(
    os.environ.get("DJANGO_OPEN_DATA_DIR", "") or BASE_DIR / "var" / "opendata"
)
# Formula cells are neutralised by dialogue.csv.files.DialogueCSV (all of = + - @
# tab CR, reversibly); the library's own option only strips a leading "=".
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = False
# The largest CSV file an import accepts, in bytes (default 5 MB).
CSV_IMPORT_MAX_BYTES = env_int("DJANGO_CSV_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
# A file of more rows than this (counted by its line breaks), and an export of more
# rows than this, is checked, imported or written by the task worker, with a
# progress page in the admin; smaller ones in the request, as before.
CSV_BACKGROUND_ROWS = env_int("DJANGO_CSV_BACKGROUND_ROWS", 5000)
# A running job whose worker has not been heard of for this long (it beats every
# few seconds) is shown as failed, with Retry: its worker was stopped or lost.
CSV_JOB_STALE_SECONDS = env_int("DJANGO_CSV_JOB_STALE_SECONDS", 60)
# The task queue: a table of the database, served by `manage.py db_worker`, which
# `make run` starts beside the web server (docs/deployment.md: the worker under
# systemd, and a Redis queue in its place).
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# How far a background job got, and a request to cancel it, pass between the web
# server and the worker through this cache, outside the import's transaction
# (which holds SQLite's one write lock until it ends): the shared cache (Redis)
# when there is one, else files under var/.
CACHES["jobs"] = cache_from_env(
    os.environ.get("DJANGO_JOBS_CACHE_URL")
    or (
        os.environ.get("DJANGO_CACHE_URL", "")
        if os.environ.get("DJANGO_CACHE_URL", "").startswith("redis")
        else f"file://{BASE_DIR / 'var' / 'jobs'}"
    )
)

# The media library's caps, each named in the message that refuses a file over it
# (dialogue/uploads.py): a PDF at most 20 MB; a photo at most 15 MB and 40
# megapixels (a small file that would decode to more is refused before it is
# decoded); one save of a form with files at most 50 MB in all.
MEDIA_PDF_MAX_BYTES = env_int("DJANGO_MEDIA_PDF_MAX_BYTES", 20 * 1024 * 1024)
MEDIA_IMAGE_MAX_BYTES = env_int("DJANGO_MEDIA_IMAGE_MAX_BYTES", 15 * 1024 * 1024)
MEDIA_IMAGE_MAX_PIXELS = env_int("DJANGO_MEDIA_IMAGE_MAX_PIXELS", 40_000_000)
MEDIA_UPLOAD_MAX_BYTES = env_int("DJANGO_MEDIA_UPLOAD_MAX_BYTES", 50 * 1024 * 1024)

# Uploads: request bodies and files are capped before they are read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Exports of selected changelist rows post one field per row.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A larger body is refused unread (capj.security.SizeLimitedUploadHandler); on the
# admin's CSV import pages the limit is raised to CSV_IMPORT_MAX_BYTES if that is
# more, on the forms that take files and photos to MEDIA_UPLOAD_MAX_BYTES, and the
# refusal names the cap.
FILE_UPLOAD_MAX_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "capj.security.SizeLimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
