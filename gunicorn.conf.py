"""gunicorn settings for capj: `gunicorn -c gunicorn.conf.py capj.wsgi`.

Values can be overridden with the GUNICORN_* variables listed in .env.example.
"""

import multiprocessing
import os

from capj.access_log import mark_start

wsgi_app = "capj.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers: the classic 2 x cores + 1 for I/O-bound Django views.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Recycle workers now and then so slow leaks never build up.
max_requests = 1000
max_requests_jitter = 100

# A request that takes longer than this is stuck: the worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5

# Reject oversized request lines and headers before Django sees them.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190

# The TLS proxy on the same machine or network sets X-Forwarded-*; trust it.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# No control socket: gunicorn's default path ($XDG_RUNTIME_DIR or ~/.gunicorn/
# gunicorn.ctl) is one per user, so every server the same user starts (a second
# instance, the test and benchmark servers) would take it over from the first.
# The service manager's signals (HUP to reload, TERM to stop) do the same work.
control_socket_disable = True

# Access and error logs to stdout/stderr for the service manager to collect.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# One JSON object per request, encoded by json.dumps so that whatever a client
# puts in its user agent or request line, every line parses (capj/access_log.py).
logger_class = "capj.access_log.JsonLogger"
# Each request's start, so that a request stopped by the timeout is logged with
# the time it ran (gunicorn's error handler restarts its clock).
pre_request = mark_start
