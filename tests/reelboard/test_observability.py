"""Request ids, task ids on log lines, and the Prometheus metrics at /metrics."""

import io
import json
import logging

import pytest
from django.conf import settings as django_settings
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from marketing.tasks import health_check
from tests.factories import make_token

pytestmark = pytest.mark.django_db


def samples(body: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(body) for s in family.samples}


def scrape(client=None) -> dict[tuple[str, tuple], float]:
    response = (client or Client()).get("/metrics")
    assert response.status_code == 200
    return samples(response.content.decode())


def test_a_request_id_is_made_or_taken_from_the_caller_and_returned():
    client = Client()
    made = client.get("/health/live")["X-Request-ID"]
    taken = client.get("/health/live", HTTP_X_REQUEST_ID="edge-42.a")["X-Request-ID"]
    refused = client.get("/health/live", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert (len(made), taken, len(refused), refused != "bad id\nwith newline") == (32, "edge-42.a", 32, True)


@pytest.fixture
def json_log_lines():
    """The console handler's formatter (settings.LOGGING's json format) and filter, writing to a buffer."""
    from pythonjsonlogger.json import JsonFormatter

    from reelboard.observability import LogContextFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(django_settings.LOGGING["formatters"]["json"]["format"]))
    handler.addFilter(LogContextFilter())
    logger = logging.getLogger("reelboard.graphql")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


def test_log_lines_of_a_request_carry_its_request_id(brand, json_log_lines):
    _, raw = make_token(brand=brand)
    Client().post("/graphql", data=json.dumps({"query": "{ nope }"}), content_type="application/json",
                  HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_REQUEST_ID="req-7")
    lines = json_log_lines()
    assert [(line["request_id"], line["task_id"], line["levelname"]) for line in lines] == [("req-7", "-", "INFO")]


def test_request_latency_is_counted_per_route_method_and_status(brand):
    _, raw = make_token(brand=brand)
    key = ("reelboard_http_request_duration_seconds_count",
           (("method", "POST"), ("route", "graphql"), ("status", "200")))
    before = scrape().get(key, 0)
    client = Client()
    for _ in range(3):
        client.post("/graphql", data=json.dumps({"query": "{ brands { totalCount } }"}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert scrape()[key] - before == 3


def test_task_durations_are_recorded_by_task_and_state():
    key = ("reelboard_celery_task_duration_seconds_count", (("state", "SUCCESS"), ("task", "marketing.health_check")))
    before = scrape().get(key, 0)
    health_check.delay().get(timeout=5)
    health_check.delay().get(timeout=5)
    assert scrape()[key] - before == 2


def test_queue_lengths_come_from_redis(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: queue lengths are read from the Redis broker (CI provides one)")
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    settings.CELERY_METRICS_QUEUES = ["reelboard-test-metrics-queue"]
    client.delete("reelboard-test-metrics-queue")
    client.rpush("reelboard-test-metrics-queue", "a", "b", "c")
    try:
        value = scrape()[("reelboard_celery_queue_length", (("queue", "reelboard-test-metrics-queue"),))]
    finally:
        client.delete("reelboard-test-metrics-queue")
    assert value == 3


def test_metrics_need_the_token_when_one_is_set(settings):
    settings.METRICS_TOKEN = "scrape-secret"
    client = Client()
    assert (client.get("/metrics").status_code,
            client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code,
            client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret").status_code) == (404, 404, 200)


def test_metrics_are_hidden_in_production_without_a_token(settings):
    settings.METRICS_TOKEN, settings.PRODUCTION = "", True
    assert Client().get("/metrics").status_code == 404
