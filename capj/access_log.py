"""gunicorn's access log as one JSON object per request (gunicorn.conf.py).

gunicorn's own `access_log_format` is a %-template: a `"` or `\\` in the user agent,
referer or request line would break a JSON template. Here the fields are encoded by
json.dumps, so every line parses whatever a client sends.

A request that runs past gunicorn's timeout is logged by gunicorn's error handler,
which times only the error page it writes (a few milliseconds) and knows none of
the request's headers. :func:`mark_start`, gunicorn's ``pre_request`` hook, notes
when each request began, and the line takes its duration from that, and the user
agent and referer from the request itself: a stuck request is logged with the time
it really ran, and by whom.
"""

import datetime
import json
import time
import traceback

from gunicorn.glogging import Logger

#: The attribute of gunicorn's request object holding when it began.
STARTED = "capj_started"


def mark_start(worker, req):
    """gunicorn's ``pre_request`` hook: note when the request began (and log it at
    debug level, as gunicorn's own hook does)."""
    setattr(req, STARTED, time.monotonic())
    worker.log.debug("%s %s", req.method, req.path)


def request_header(req, name):
    """A header of gunicorn's request (``name`` in capitals), or "-"."""
    for key, value in getattr(req, "headers", ()):
        if key == name:
            return value
    return "-"


class JsonLogger(Logger):
    """gunicorn's logger, with each access log line written by json.dumps."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
            started = getattr(req, STARTED, None)
            if started is not None:
                request_time = datetime.timedelta(seconds=time.monotonic() - started)
            atoms = self.atoms(resp, req, environ, request_time)
            status = atoms["s"]
            line = json.dumps(
                {
                    "time": datetime.datetime.now(datetime.UTC).isoformat(
                        timespec="milliseconds"
                    ),
                    "remote": atoms["h"],
                    "request": atoms["r"],
                    "status": int(status) if str(status).isdigit() else status,
                    "bytes": atoms["B"],
                    "duration_us": atoms["D"],
                    "referer": environ.get("HTTP_REFERER")
                    or request_header(req, "REFERER"),
                    "user_agent": environ.get("HTTP_USER_AGENT")
                    or request_header(req, "USER-AGENT"),
                }
            )
            # The line is the whole message: no %-formatting is applied to it.
            self.access_log.info(line)
        except Exception:
            self.error(traceback.format_exc())
