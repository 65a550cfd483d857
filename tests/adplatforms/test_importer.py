"""manage.py import_platform_report: the platforms' export files, strict with line numbers, CSV and XLSX."""

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from adplatforms.models import PlatformDailyStat
from marketing.models import CampaignSpend, SpendSource
from tests.factories import AdAccountFactory, CampaignFactory

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "fixtures"


def run(path, account, *extra) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_platform_report", str(path), "--account", str(account.pk), *extra, stdout=out, stderr=StringIO())
    return out.getvalue()


def stats(account):
    return {(s.level, s.external_id, s.stat_date): s for s in PlatformDailyStat.objects.filter(ad_account=account)}


def test_a_tiktok_ads_manager_export_in_english():
    account = AdAccountFactory(ad_platform="tiktok")
    assert "2 adgroup rows written for 2 day(s)" in run(FIXTURES / "tiktok_export_en.csv", account)
    row = stats(account)[("adgroup", "1790000000000101", date(2026, 12, 1))]
    assert (row.spend, row.impressions, row.clicks, row.reach, row.plays, row.plays_2s, row.plays_6s, row.plays_25,
            row.plays_50, row.plays_75, row.plays_100, row.avg_play_time_s, row.profile_visits, row.conversions,
            row.effective_plays, row.plays_3s) == (
        Decimal("1000.50"), 100000, 1200, 80000, 50000, 26000, 12000, 16000, 9000, 6000, 4000, 4.5, 600, 80, None, None)
    assert row.raw["Cost (CNY)"] == "1,000.50"


def test_an_ocean_engine_export_in_chinese_skips_the_totals_row_and_feeds_spend():
    account = AdAccountFactory(ad_platform="oceanengine")
    campaign = CampaignFactory(brand=account.brand, external_ids=["1760000000000001"])
    run(FIXTURES / "oceanengine_export_zh.csv", account)
    found = stats(account)
    assert sorted(found) == [("adgroup", "1770000000000011", date(2026, 12, 1)), ("adgroup", "1770000000000011", date(2026, 12, 2))]
    row = found[("adgroup", "1770000000000011", date(2026, 12, 2))]
    assert (row.spend, row.impressions, row.effective_plays, row.plays_100, row.avg_play_time_s, row.campaign_id) == (
        Decimal("2000.00"), 380000, 90000, 23000, 6.1, campaign.pk)
    assert (row.plays_2s, row.plays_3s, row.plays_10s, row.profile_visits, row.plays_6s) == (200000, 170000, 90000, 2900, None)
    # spend comes from campaign-level rows only: an ad-group export leaves CampaignSpend alone
    assert CampaignSpend.objects.filter(source=SpendSource.PLATFORM).count() == 0


def test_a_kuaishou_export_as_xlsx(tmp_path):
    from openpyxl import Workbook

    account = AdAccountFactory(ad_platform="kuaishou_ads")
    book = Workbook()
    sheet = book.active
    with open(FIXTURES / "kuaishou_export_zh.csv", encoding="utf-8") as f:
        for row in csv.reader(f):
            sheet.append(row)
    path = tmp_path / "kuaishou.xlsx"
    book.save(path)
    run(path, account)
    found = stats(account)
    first, second = found[("ad", "5300111", date(2026, 12, 1))], found[("ad", "5300111", date(2026, 12, 2))]
    assert (first.spend, first.plays, first.effective_plays, first.plays_3s, first.plays_100, first.conversions) == (
        Decimal("456.78"), 64000, 30000, 30000, 8000, 75)
    assert second.plays_100 == 7200  # 12.00 % of 60,000
    assert found[("ad", "5300111", date(2026, 12, 1))].raw["视频ID"] == "5400000111"


def test_a_campaign_export_replaces_the_day_and_sets_platform_spend(tmp_path):
    account = AdAccountFactory(ad_platform="tiktok")
    campaign = CampaignFactory(brand=account.brand, external_ids=["55"])
    path = tmp_path / "c.csv"
    path.write_text("Date,Campaign ID,Cost\n2026-12-01,55,10.00\n2026-12-01,66,5.00\n", encoding="utf-8")
    run(path, account)
    path.write_text("Date,Campaign ID,Cost\n2026-12-01,55,12.50\n", encoding="utf-8")  # restated
    run(path, account)
    assert sorted((s.external_id, s.spend) for s in stats(account).values()) == [("55", Decimal("12.50"))]
    assert list(CampaignSpend.objects.filter(source=SpendSource.PLATFORM).values_list("campaign_id", "amount")) == [
        (campaign.pk, Decimal("12.50"))]


def test_strict_mode_rejects_the_file_with_line_numbers_and_writes_nothing(tmp_path):
    account = AdAccountFactory(ad_platform="tiktok")
    path = tmp_path / "bad.csv"
    path.write_text("Date,Campaign ID,Cost,Impressions\n2026-12-01,55,10.00,100\n2026-13-01,55,1,1\n"
                    "2026-12-02,,1,1\n2026-12-03,56,ten,1\n2026-12-01,55,3,3\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        run(path, account)
    message = str(exc.value)
    for expected in ("line 3: stat_date", "line 4: campaign_id", "line 5: Cost: 'ten' is not a number",
                     "line 6: campaign_id: The same id and day are on line 2 too"):
        assert expected in message
    assert PlatformDailyStat.objects.count() == 0


def test_skip_invalid_writes_the_valid_lines(tmp_path):
    account = AdAccountFactory(ad_platform="tiktok")
    path = tmp_path / "bad.csv"
    path.write_text("Date,Campaign ID,Cost\n2026-12-01,55,10.00\n2026-12-02,56,-1\n", encoding="utf-8")
    assert "1 line(s) skipped" in run(path, account, "--skip-invalid")
    assert [s.external_id for s in stats(account).values()] == ["55"]


def test_a_file_without_a_date_or_id_column_is_refused(tmp_path):
    account = AdAccountFactory(ad_platform="oceanengine")
    path = tmp_path / "x.csv"
    path.write_text("消耗,展示数\n1,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: No date column"):
        run(path, account)
