"""Production: everything comes from the environment; a missing value stops start-up.

The site runs behind a TLS-terminating reverse proxy that sets X-Forwarded-Proto
and appends the client address to X-Forwarded-For. See docs/deployment.md and
.env.example for every variable.
"""

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
