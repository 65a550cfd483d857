"""Request ids and task ids on every log line, and Prometheus metrics (prometheus_client).

- ``RequestIdMiddleware`` takes the caller's ``X-Request-ID`` (or makes one), returns it in the
  response and times the request into ``reelboard_http_request_duration_seconds``.
- Celery signals (connected in ``reelboard.celery``) set the task id for the task's log lines and
  record ``reelboard_celery_task_duration_seconds`` (by task and final state) and
  ``reelboard_celery_task_failures_total``.
- ``metrics`` serves ``/metrics``: the above plus ``reelboard_celery_queue_length`` read from Redis
  at scrape time. With ``PROMETHEUS_MULTIPROC_DIR`` set (gunicorn workers, prefork Celery children
  on one host), every process writes there and ``/metrics`` aggregates them.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

current_request_id: ContextVar[str] = ContextVar("request_id", default="-")
current_task_id: ContextVar[str] = ContextVar("task_id", default="-")

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

HTTP_LATENCY = Histogram(
    "reelboard_http_request_duration_seconds", "Time to answer an HTTP request.", ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
TASK_DURATION = Histogram(
    "reelboard_celery_task_duration_seconds", "Time a Celery task ran, by its final state.", ["task", "state"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800))
TASK_FAILURES = Counter("reelboard_celery_task_failures", "Celery tasks that raised.", ["task"])


# --- log records -----------------------------------------------------------------------------

class LogContextFilter(logging.Filter):
    """Adds ``request_id`` and ``task_id`` ('-' outside a request or task) to every record it passes;
    installed on the console handler by ``settings.LOGGING``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id.get()
        record.task_id = current_task_id.get()
        return True


# --- requests --------------------------------------------------------------------------------

class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _VALID_REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = rid
        token = current_request_id.set(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        match = getattr(request, "resolver_match", None)
        route = match.route if match is not None else "unmatched"
        HTTP_LATENCY.labels(route=route, method=request.method, status=str(response.status_code)).observe(
            time.perf_counter() - started)
        response["X-Request-ID"] = rid
        return response


# --- tasks (connected to Celery's signals in reelboard.celery) -------------------------------

_task_started: dict[str, float] = {}


def on_task_prerun(task_id: str | None = None, **_kwargs) -> None:
    if task_id:
        current_task_id.set(task_id)
        _task_started[task_id] = time.perf_counter()


def on_task_postrun(task_id: str | None = None, task=None, state: str | None = None, **_kwargs) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    if started is not None and task is not None:
        TASK_DURATION.labels(task=task.name, state=state or "UNKNOWN").observe(time.perf_counter() - started)
    current_task_id.set("-")


def on_task_failure(sender=None, **_kwargs) -> None:
    TASK_FAILURES.labels(task=getattr(sender, "name", "unknown")).inc()


# --- /metrics --------------------------------------------------------------------------------

class QueueLengthCollector:
    """``reelboard_celery_queue_length``: messages waiting in each Celery queue (Redis LLEN)."""

    def collect(self):
        if not settings.REDIS_URL:
            return
        import redis

        gauge = GaugeMetricFamily("reelboard_celery_queue_length", "Messages waiting in a Celery queue.",
                                  labels=["queue"])
        try:
            client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
            for queue in settings.CELERY_METRICS_QUEUES:
                gauge.add_metric([queue], client.llen(queue))
        except redis.RedisError:
            logger.warning("metrics: Redis is unreachable; queue lengths omitted")
            return
        yield gauge


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (HTTP_LATENCY, TASK_DURATION, TASK_FAILURES):
            registry.register(collector)
    registry.register(QueueLengthCollector())
    return registry


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format. With ``METRICS_TOKEN`` set, only ``Authorization: Bearer <token>`` may read it;
    in production without a token the endpoint does not exist."""
    expected = settings.METRICS_TOKEN
    if expected:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise Http404
    elif settings.PRODUCTION:
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
