"""The connectors against the committed sample responses, and contract tests on the requests they send."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from adplatforms.connectors import CONNECTORS
from adplatforms.models import ReportLevel
from tests.adplatforms.conftest import DAYS

FIXTURES = Path(__file__).parent / "fixtures"


def connector(platform: str):
    return CONNECTORS[platform](credentials={"access_token": "t"}, advertiser_id="123")


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_tiktok_sample_response_maps_every_stored_field():
    rows, has_more = connector("tiktok").parse(level=ReportLevel.CAMPAIGN, data=fixture("tiktok_report_response.json")["data"])
    assert has_more is True  # page 1 of 2
    first, second = rows
    assert (first.external_id, first.stat_date, first.name) == ("1790000000000001", date(2026, 12, 1), "Winter launch")
    assert first.metrics == {
        "spend": Decimal("1234.56"), "impressions": 250000, "clicks": 3100, "reach": 180000, "plays": 120000,
        "plays_2s": 64000, "plays_6s": 31000, "plays_25": 40000, "plays_50": 22000, "plays_75": 14000,
        "plays_100": 9000, "avg_play_time_s": 4.85, "profile_visits": 1500, "conversions": 210,
    }
    assert second.metrics["reach"] is None  # "-": not reported, never 0
    assert first.raw["metrics"]["spend"] == "1234.56"


def test_oceanengine_sample_response_maps_every_stored_field():
    rows, has_more = connector("oceanengine").parse(level=ReportLevel.ADGROUP,
                                                    data=fixture("oceanengine_report_response.json")["data"])
    assert has_more is False
    (row,) = rows
    assert (row.external_id, row.parent_external_id, row.name) == ("1770000000000011", "1760000000000001", "抖音信息流-冬季新品")
    assert row.metrics == {
        "spend": Decimal("2345.67"), "impressions": 410000, "clicks": 5200, "plays": 300000, "effective_plays": 95000,
        "plays_25": 120000, "plays_50": 70000, "plays_75": 42000, "plays_100": 25000, "avg_play_time_s": 6.4,
        "plays_2s": 210000, "plays_3s": 180000, "plays_10s": 96000, "profile_visits": 3100, "conversions": 180,
    }


def test_kuaishou_sample_response_maps_every_stored_field():
    rows, has_more = connector("kuaishou_ads").parse(level=ReportLevel.AD, data=fixture("kuaishou_report_response.json")["data"],
                                                     page=1, page_size=20)
    assert has_more is False
    (row,) = rows
    assert (row.external_id, row.parent_external_id, row.external_video_id) == ("5300111", "5200011", "5400000111")
    assert row.metrics == {
        "spend": Decimal("456.78"), "impressions": 98000, "clicks": 2100, "plays": 64000, "plays_2s": 41000,
        "plays_3s": 30000, "plays_10s": 12000, "effective_plays": 30000, "plays_75": 9000,
        "plays_100": 8000,  # play_end_ratio 0.125 x aclick 64000
        "conversions": 75,
    }


# --- contract: the parameters each connector sends -------------------------------------------------


def test_tiktok_request_parameters(fake_tiktok):
    from adplatforms import services
    from tests.factories import AdAccountFactory

    account = AdAccountFactory(ad_platform="tiktok", advertiser_id="7001")
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    first = fake_tiktok.requests[0]
    assert first["method"] == "GET" and first["path"] == "report/integrated/get/"
    assert first["headers"]["access-token"] == "token-1"
    params = first["params"]
    assert {k: params[k] for k in ("advertiser_id", "service_type", "report_type", "data_level", "start_date",
                                   "end_date", "page", "page_size")} == {
        "advertiser_id": "7001", "service_type": "AUCTION", "report_type": "BASIC", "data_level": "AUCTION_CAMPAIGN",
        "start_date": "2026-11-30", "end_date": "2026-11-30", "page": "1", "page_size": "2"}
    assert json.loads(params["dimensions"]) == ["campaign_id", "stat_time_day"]
    assert set(json.loads(params["metrics"])) == {
        "spend", "impressions", "clicks", "reach", "video_play_actions", "video_watched_2s", "video_watched_6s",
        "video_views_p25", "video_views_p50", "video_views_p75", "video_views_p100", "average_video_play",
        "profile_visits", "conversion", "campaign_name"}
    assert [r["params"]["data_level"] for r in fake_tiktok.requests] == [
        "AUCTION_CAMPAIGN", "AUCTION_ADGROUP", "AUCTION_AD", "AUCTION_AD"]


def test_oceanengine_request_parameters(fake_oceanengine):
    from adplatforms import services
    from tests.factories import AdAccountFactory

    account = AdAccountFactory(ad_platform="oceanengine", advertiser_id="7002")
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    assert [r["path"] for r in fake_oceanengine.requests] == [
        "2/report/campaign/get/", "2/report/ad/get/", "2/report/creative/get/", "2/report/creative/get/"]
    params = fake_oceanengine.requests[0]["params"]
    assert {k: params[k] for k in ("advertiser_id", "start_date", "end_date", "time_granularity", "page", "page_size")} == {
        "advertiser_id": "7002", "start_date": "2026-11-30", "end_date": "2026-11-30",
        "time_granularity": "STAT_TIME_GRANULARITY_DAILY", "page": "1", "page_size": "2"}
    assert json.loads(params["group_by"]) == ["STAT_GROUP_BY_FIELD_ID", "STAT_GROUP_BY_FIELD_STAT_TIME"]
    assert set(json.loads(params["fields"])) == {
        "cost", "show", "click", "convert", "total_play", "valid_play", "play_25_feed_break", "play_50_feed_break",
        "play_75_feed_break", "play_100_feed_break", "play_over", "average_play_time_per_play",
        "play_duration_2s", "play_duration_3s", "play_duration_10s", "home_visited"}
    assert fake_oceanengine.requests[0]["headers"]["access-token"] == "token-1"


def test_kuaishou_request_body(fake_kuaishou):
    from adplatforms import services
    from tests.factories import AdAccountFactory

    account = AdAccountFactory(ad_platform="kuaishou_ads", advertiser_id="7003")
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    assert [(r["method"], r["path"]) for r in fake_kuaishou.requests] == [
        ("POST", "v1/report/campaign_report"), ("POST", "v1/report/unit_report"),
        ("POST", "v1/report/creative_report"), ("POST", "v1/report/creative_report")]
    assert fake_kuaishou.requests[0]["params"] == {
        "advertiser_id": 7003, "start_date": "2026-11-30", "end_date": "2026-11-30", "temporal_granularity": "DAILY",
        "page": 1, "page_size": 2}
    assert fake_kuaishou.requests[0]["headers"]["access-token"] == "token-1"


@pytest.mark.parametrize("fake", ["tiktok", "oceanengine", "kuaishou_ads"], indirect=True)
def test_the_token_refresh_request(fake, db):
    from adplatforms import services
    from tests.factories import AdAccountFactory

    account = AdAccountFactory(ad_platform=fake.platform, credentials={
        "access_token": "stale", "refresh_token": "refresh-1", "app_id": "app-9", "secret": "s-9"})
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    refresh = next(r for r in fake.requests if r["path"] == fake.refresh_path)
    body = {"app_id": "app-9", "secret": "s-9", "refresh_token": "refresh-1"}
    if fake.platform != "kuaishou_ads":
        body["grant_type"] = "refresh_token"
    assert (refresh["method"], refresh["params"]) == ("POST", body)
    assert "access-token" not in refresh["headers"]
