"""The headers a page gets from the middleware, for the files WhiteNoise serves.

WhiteNoise answers a static file before django-csp's and Django's clickjacking
middleware run, so a stylesheet, an image or an SVG opened on its own had no
Content-Security-Policy and no X-Frame-Options. WhiteNoise's own hook
(``WHITENOISE_ADD_HEADERS_FUNCTION``) adds them, built from the same settings as
the pages' (``CONTENT_SECURITY_POLICY`` through django-csp's ``build_policy``,
``X_FRAME_OPTIONS``). The other security headers come from Django's
SecurityMiddleware, which sits in front of WhiteNoise.

This module is imported by the settings: it must not import models or apps.
"""

from csp.constants import HEADER
from csp.utils import build_policy
from django.conf import settings


def static_file_headers(headers, path, url):
    """WhiteNoise's header hook: the pages' policy and framing rule."""
    headers[HEADER] = build_policy()
    headers["X-Frame-Options"] = settings.X_FRAME_OPTIONS.upper()
