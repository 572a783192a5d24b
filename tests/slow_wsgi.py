"""A WSGI application that takes as long as it is asked (``/?seconds=N``), to time
gunicorn's access log with gunicorn.conf.py (tests/test_deployment.py)."""

import time
from urllib.parse import parse_qs


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    time.sleep(float(query.get("seconds", ["0"])[0]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"done\n"]
