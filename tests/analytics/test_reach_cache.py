"""Reach numbers are cached under the brand's rollup generation: hits are exact, writes invalidate."""

from datetime import date

import pytest

from analytics import reach, rollups, selectors
from analytics.kpis import compute_all
from analytics.selectors import BreakdownBy, Period
from marketing.models import Interaction
from tests.analytics.kpi_world import PERIOD, build, expected_sums
from tests.analytics.test_rollups import add_pending_events
from tests.factories import BrandFactory


@pytest.fixture
def world(db, settings):
    settings.KPI_REACH_CACHE_SECONDS = 3600
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    return brand, build(brand)


def video_reach(brand):
    rows = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.VIDEO).rows
    return {row.key: row.kpis["reach"] for row in rows}


def expected_video_reach(brand):
    every = {str(video.pk): expected_sums(brand, where=lambda e, v=video: e.video_id == v.pk)["reach"]
             for video in brand.videos.all()}
    return {key: n for key, n in every.items() if n}


def test_a_second_read_is_served_from_the_cache(world, monkeypatch):
    brand, _ = world
    first = video_reach(brand)
    assert first == expected_video_reach(brand)

    def no_unions(*args, **kwargs):
        raise AssertionError("reach was recomputed although the rollups did not change")

    monkeypatch.setattr(reach, "reach_by", no_unions)
    assert video_reach(brand) == first


def test_new_events_are_never_hidden_by_the_cache(world):
    brand, _ = world
    before = selectors.kpi_totals(brand=brand, campaign_ids=None, period=PERIOD)["reach"]
    video_reach(brand)  # fill the cache
    add_pending_events(brand, seed=21, n=120)
    rollups.apply_pending(brand_id=brand.pk)
    after = selectors.kpi_totals(brand=brand, campaign_ids=None, period=PERIOD)
    assert after == compute_all(expected_sums(brand))
    assert after["reach"] >= before
    assert video_reach(brand) == expected_video_reach(brand)


def test_an_erasure_rebuild_invalidates_cached_reach(world):
    brand, _ = world
    video_reach(brand)
    viewer = brand.viewers.order_by("pk").first()
    Interaction.objects.filter(viewer=viewer).delete()
    rollups.refresh_days(brand_id=brand.pk, first=date(2026, 9, 1), last=date(2026, 11, 30))
    assert video_reach(brand) == expected_video_reach(brand)


def test_a_cache_outage_still_answers_exactly(world, monkeypatch):
    from django.core.cache import cache

    brand, _ = world

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    period = Period(date(2026, 10, 2), date(2026, 10, 9))
    assert selectors.kpi_totals(brand=brand, campaign_ids=None, period=period) == compute_all(
        expected_sums(brand, first=period.date_from, last=period.date_to))


def test_a_breakdown_without_reach_skips_the_unions(world, monkeypatch):
    brand, _ = world
    full = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.VIDEO).rows

    def no_unions(*args, **kwargs):
        raise AssertionError("reach was computed although it was not asked for")

    monkeypatch.setattr(reach, "reach_by", no_unions)
    lean = selectors.kpi_breakdown(brand=brand, campaign_ids=None, period=PERIOD, by=BreakdownBy.PLATFORM,
                                   with_reach=False).rows
    assert all(row.kpis["reach"] is None for row in lean)
    assert sum(row.kpis["views"] for row in lean) == sum(row.kpis["views"] for row in full)
