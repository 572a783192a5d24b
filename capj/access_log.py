"""gunicorn's access log as one JSON object per request (gunicorn.conf.py).

gunicorn's own `access_log_format` is a %-template: a `"` or `\\` in the user agent,
referer or request line would break a JSON template. Here the fields are encoded by
json.dumps, so every line parses whatever a client sends.
"""

import datetime
import json
import traceback

from gunicorn.glogging import Logger


class JsonLogger(Logger):
    """gunicorn's logger, with each access log line written by json.dumps."""

    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        try:
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
                    "referer": atoms["f"],
                    "user_agent": atoms["a"],
                }
            )
            # The line is the whole message: no %-formatting is applied to it.
            self.access_log.info(line)
        except Exception:
            self.error(traceback.format_exc())
