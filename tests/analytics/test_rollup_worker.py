"""The refresh task through Redis on a real worker: delivered twice, the rollups are the same."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from analytics import rollups
from analytics.models import DailyRollup, DailyViewerRollup
from analytics.tasks import refresh_rollups
from tests.factories import BrandFactory, InteractionFactory, VideoFactory, ViewerFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")


def rows(brand):
    return (sorted(DailyRollup.objects.filter(brand=brand).values_list("day", "video_id", "views", "watch_ms_sum")),
            sorted(DailyViewerRollup.objects.filter(brand=brand).values_list("day", "viewer_id", "views")))


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_refreshes_idempotently(celery_worker_process):
    brand = BrandFactory()
    video, viewer = VideoFactory(brand=brand), ViewerFactory(brand=brand)
    at = datetime(2026, 10, 1, 23, 59, 59, tzinfo=SHANGHAI)
    InteractionFactory(brand=brand, video=video, viewer=viewer, kind="view", watch_ms=3_000, occurred_at=at)
    window = (brand.pk, at.isoformat(), at.isoformat())
    first, second = refresh_rollups.delay(*window), refresh_rollups.delay(*window)
    assert (first.get(timeout=30), second.get(timeout=30)) == (1, 1)
    after_worker = rows(brand)
    assert after_worker == ([(at.date(), video.pk, 1, 3_000)], [(at.date(), viewer.pk, 1)])
    rollups.recompute_brand(brand_id=brand.pk)
    assert rows(brand) == after_worker
