"""WSGI entry point, for gunicorn (gunicorn.conf.py) and any other WSGI server.

It defaults to the production settings: a server started without
DJANGO_SETTINGS_MODULE then refuses to start, naming the missing variable, rather
than quietly serving the development settings (DEBUG on, a published secret).
`manage.py runserver` names the development settings itself.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "capj.settings.production")

application = get_wsgi_application()
