import pytest

from marketing.tasks import health_check


def test_health_task_runs_in_process_in_embedded_mode(db):
    result = health_check.delay().get(timeout=5)
    assert result["worker"] == "ok"
    assert result["database"] == "ok"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_runs_health_task_through_redis(celery_worker_process):
    from django.db import connection

    async_result = health_check.delay()
    result = async_result.get(timeout=30)
    assert result == {"worker": "ok", "database": "ok", "vendor": connection.vendor}
    # It ran in another process, not eagerly in this one.
    assert async_result.state == "SUCCESS"
    assert celery_worker_process.poll() is None
