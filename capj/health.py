"""Probes for load balancers and process managers.

/healthz (liveness) answers as long as the process serves requests; it touches
nothing else, so a database outage never gets healthy app servers restarted.
/readyz (readiness) checks the database and the cache and answers 503 when either
is unreachable, so the load balancer stops sending visitors to this server.
Both are exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT in settings).
"""

import logging
import uuid

from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _check_cache():
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    value = cache.get(key)
    cache.delete(key)
    return value == "ok"


CHECKS = {"database": _check_database, "cache": _check_cache}


@never_cache
@require_safe
def liveness(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readiness(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = "ok" if check() else "unavailable"
        except Exception:  # any failure means "not ready"; the details go to the log
            logger.exception("Readiness check %s failed", name)
            results[name] = "unavailable"
    ready = all(value == "ok" for value in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
