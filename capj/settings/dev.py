"""Local development: the embedded SQLite database and a throwaway secret."""

from .base import *  # noqa: F403
from .base import env_bool, env_list

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = os.environ.get(  # noqa: F405
    "DJANGO_SECRET_KEY", "dev-only-insecure-key-never-used-in-production"
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
INTERNAL_IPS = ["127.0.0.1"]

# Readable one-line logs on the terminal; production logs JSON lines.
LOGGING = {
    **LOGGING,  # noqa: F405
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
        },
    },
}
