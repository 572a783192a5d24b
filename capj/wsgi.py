"""WSGI entry point. Production servers name their settings module explicitly."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capj.settings.dev")

application = get_wsgi_application()
