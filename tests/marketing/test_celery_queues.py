"""Celery queues: every task goes to its family's queue (rollups, training, reports, or the default)."""

import pytest
from django.conf import settings

from reelboard.celery import app

# Written out here, not derived from settings: the routing table is what this test checks.
EXPECTED = {
    "analytics.apply_pending_rollups": "rollups",
    "analytics.apply_all_pending_rollups": "rollups",
    "analytics.rebuild_reach_blocks": "rollups",
    "analytics.refresh_rollups": "rollups",
    "analytics.recompute_brand_rollups": "rollups",
    "analytics.recompute_all_rollups": "rollups",
    "analytics.apply_brand_retention": "rollups",
    "recommendations.attribute_all_brands": "rollups",
    "recommendations.evaluate_experiments": "rollups",
    "recommendations.train": "training",
    "recommendations.retrain_all_brands": "training",
    "personas.train_persona_model": "training",
    "personas.retrain_personas_all_brands": "training",
    "personas.assign_new_viewers": "training",
    "personas.assign_new_viewers_all_brands": "training",
    "analytics.run_due_reports": "reports",
    "analytics.send_report": "reports",
    "analytics.send_pacing_alert": "reports",
    "analytics.apply_all_retention": "celery",
    "marketing.health_check": "celery",
    "marketing.create_interaction_partitions": "celery",
    "analytics.evaluate_pacing": "celery",
    "adplatforms.sync_ad_account": "celery",
    "adplatforms.sync_recent": "celery",
    "compliance.rescreen_stale_videos": "celery",
}


def routed_queue(name: str) -> str:
    return app.amqp.router.route({}, name, (), {})["queue"].name


def test_every_registered_task_is_listed_here():
    app.loader.import_default_modules()
    ours = {name for name in app.tasks if not name.startswith("celery.")}
    assert ours == set(EXPECTED)


@pytest.mark.parametrize(("task", "queue"), sorted(EXPECTED.items()))
def test_each_task_routes_to_its_queue(task, queue):
    assert routed_queue(task) == queue


def test_queue_names_come_from_settings_and_metrics_watch_them_all():
    assert settings.CELERY_QUEUES_ALL == ["celery", "rollups", "training", "reports"]
    assert settings.CELERY_METRICS_QUEUES == settings.CELERY_QUEUES_ALL


@pytest.mark.worker
def test_the_test_worker_consumes_every_queue_and_health_says_ok(celery_worker_process, client, db):
    body = client.get("/health/ready?worker=1").json()
    assert (body["status"], body["worker"]) == ("ok", "ok")
