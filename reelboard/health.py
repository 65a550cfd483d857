"""Liveness and readiness endpoints for load balancers and docker-compose health checks."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.http import require_GET


@require_GET
def live(request):
    """The process is up and serving requests; checks nothing else."""
    return JsonResponse({"status": "ok"})


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # any failure means not ready; the reason is logged by Django
        return "down"


def _redis_status() -> str:
    if not settings.REDIS_URL:
        return "embedded"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError:
        return "down"


def _worker_status(redis_status: str) -> str:
    if redis_status == "embedded":
        return "eager"
    if redis_status != "ok":
        return "unknown"
    from reelboard.celery import app

    # Every queue needs a consumer (one worker per queue in production): a missing one is named.
    replies = app.control.inspect(timeout=0.5).active_queues() or {}
    if not replies:
        return "none"
    consumed = {queue["name"] for queues in replies.values() for queue in queues or ()}
    missing = [queue for queue in settings.CELERY_QUEUES_ALL if queue not in consumed]
    return "ok" if not missing else "no worker for " + ",".join(missing)


@require_GET
def ready(request):
    """Ready when the database answers. Redis or worker trouble degrades, it does not fail:
    reads still work and ingest still stores events (rollups catch up later)."""
    database = _database_status()
    redis_status = _redis_status()
    worker = _worker_status(redis_status) if request.GET.get("worker") == "1" else "not checked"
    degraded = redis_status == "down" or worker in ("none", "unknown") or worker.startswith("no worker for")
    status = "down" if database != "ok" else ("degraded" if degraded else "ok")
    body = {"status": status, "database": database, "redis": redis_status, "worker": worker}
    return JsonResponse(body, status=200 if database == "ok" else 503)
