"""Production: everything comes from the environment; a missing value stops start-up.

The site runs behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto
and appends the client address to X-Forwarded-For. See docs/deployment.md and
.env.example for every variable.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import cache_from_env, env_bool, env_int, env_list


def required(name):
    value = os.environ.get(name, "").strip()  # noqa: F405
    if not value:
        raise ImproperlyConfigured(
            f"{name} is required in production and is not set. See .env.example."
        )
    return value


def required_list(name):
    values = [item.strip() for item in required(name).split(",") if item.strip()]
    if not values:
        raise ImproperlyConfigured(
            f"{name} must list at least one value, separated by commas."
        )
    return values


DEBUG = False
if env_bool("DJANGO_DEBUG", False):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG must not be true with capj.settings.production: it would show "
        "tracebacks and settings to visitors."
    )

SECRET_KEY = required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = required_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

required("DATABASE_URL")
DATABASES = {"default": database_from_env()}  # noqa: F405
CACHES = {"default": cache_from_env(required("DJANGO_CACHE_URL"))}
# Background jobs' progress and cancel requests: the same shared cache, seen by
# every app server and worker.
CACHES["jobs"] = cache_from_env(
    os.environ.get("DJANGO_JOBS_CACHE_URL") or required("DJANGO_CACHE_URL")  # noqa: F405
)

# Behind the TLS proxy: it tells us the original scheme, and it (and any CDN in
# front of it) append the client address to X-Forwarded-For.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 1)

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31_536_000  # one year
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Documents' files and photos: the server's folder (DJANGO_MEDIA_ROOT, default
# var/media, backed up with the database), or an S3-compatible bucket through
# django-storages when DJANGO_MEDIA_S3_BUCKET is set. The bucket stays private:
# visitors are sent, after the site has checked that the document or meeting is
# public, to a signed address valid for DJANGO_MEDIA_S3_URL_SECONDS. Credentials
# come the way boto3 finds them (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or
# the machine's role). See docs/deployment.md.
MEDIA_S3_BUCKET = os.environ.get("DJANGO_MEDIA_S3_BUCKET", "").strip()  # noqa: F405
if MEDIA_S3_BUCKET:
    MEDIA_S3_ENDPOINT_URL = os.environ.get(  # noqa: F405
        "DJANGO_MEDIA_S3_ENDPOINT_URL", ""
    ).strip()
    MEDIA_S3_REGION = os.environ.get("DJANGO_MEDIA_S3_REGION", "").strip()  # noqa: F405
    if MEDIA_S3_ENDPOINT_URL:
        # Another provider's S3 API: the bucket in the path, so that the files'
        # origin is the endpoint's.
        endpoint = urlsplit(MEDIA_S3_ENDPOINT_URL)
        if endpoint.scheme != "https" or not endpoint.netloc:
            raise ImproperlyConfigured(
                "DJANGO_MEDIA_S3_ENDPOINT_URL must be an https:// address, not "
                f"{MEDIA_S3_ENDPOINT_URL!r}."
            )
        MEDIA_ORIGIN = f"https://{endpoint.netloc}"
        addressing_style = "path"
    elif MEDIA_S3_REGION:
        MEDIA_ORIGIN = f"https://{MEDIA_S3_BUCKET}.s3.{MEDIA_S3_REGION}.amazonaws.com"
        addressing_style = "virtual"
    else:
        raise ImproperlyConfigured(
            "DJANGO_MEDIA_S3_REGION (e.g. eu-central-1) is required with "
            "DJANGO_MEDIA_S3_BUCKET, unless DJANGO_MEDIA_S3_ENDPOINT_URL names "
            "another provider's endpoint."
        )
    STORAGES = {  # noqa: F405
        **STORAGES,  # noqa: F405
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": MEDIA_S3_BUCKET,
                "region_name": MEDIA_S3_REGION or None,
                "endpoint_url": MEDIA_S3_ENDPOINT_URL or None,
                "addressing_style": addressing_style,
                "signature_version": "s3v4",
                "location": os.environ.get("DJANGO_MEDIA_S3_PREFIX", "").strip("/ "),  # noqa: F405
                "default_acl": "private",
                "querystring_auth": True,
                "querystring_expire": env_int("DJANGO_MEDIA_S3_URL_SECONDS", 600),
                "file_overwrite": False,
            },
        },
    }
    MEDIA_SERVE_BY_REDIRECT = True
    # Photos on the pages are fetched from the bucket after the redirect.
    CONTENT_SECURITY_POLICY = {  # noqa: F405
        **CONTENT_SECURITY_POLICY,  # noqa: F405
        "DIRECTIVES": {
            **CONTENT_SECURITY_POLICY["DIRECTIVES"],  # noqa: F405
            "img-src": ["'self'", MEDIA_ORIGIN],
        },
    }
