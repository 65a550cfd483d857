"""The ad platforms' own KPIs in the e-mailed and posted KPI reports (per ad platform, – where not reported)."""

from datetime import timedelta

import pytest

from analytics import reports
from analytics.tasks import send_report
from tests.analytics.platform_world import account, stat
from tests.analytics.test_kpis import PERIOD
from tests.analytics.test_reports import Hook, mail_dir, schedule, sent_messages, text_of, webhook  # noqa: F401


@pytest.fixture
def reported(schedule):  # noqa: F811
    campaign = schedule.campaigns.get()
    ocean = account(schedule.brand, "oceanengine", "1001")
    kwai = account(schedule.brand, "kuaishou_ads", "2002")
    day = PERIOD.date_from
    stat(ocean, campaign, day, spend="120.00", impressions=5_000, clicks=80, plays=3_000, effective_plays=700,
         plays_100=400, avg_play_time_s=7.5, conversions=4)
    stat(ocean, campaign, day + timedelta(days=1), spend="30.00", impressions=1_000, clicks=20, plays=1_000,
         effective_plays=300, plays_100=100, avg_play_time_s=3.5, conversions=1)
    stat(kwai, campaign, day, spend="60.00", impressions=2_000, clicks=20, plays=1_500, effective_plays=900,
         conversions=3)
    stat(ocean, campaign, PERIOD.date_to + timedelta(days=1), spend="999.00", impressions=1)  # after the period
    return schedule


def test_the_report_stores_and_sends_each_ad_platforms_kpis(reported, mail_dir):  # noqa: F811
    report = reports.generate_report(schedule_id=reported.pk, period=PERIOD)
    ocean, kwai = report.platform_kpis
    assert ocean["ad_platform"] == "oceanengine" and kwai["ad_platform"] == "kuaishou_ads"
    assert ocean["kpis"]["platform_spend"] == "150.00"
    assert ocean["kpis"]["effective_plays"] == "1000"
    assert ocean["kpis"]["avg_play_time_s"] == "6.500000"  # (7.5 × 3000 + 3.5 × 1000) / 4000
    assert ocean["kpis"]["cost_per_conversion"] == "30.000000"  # 150 / 5
    assert kwai["kpis"]["effective_plays"] == "900" and kwai["kpis"]["plays_100"] is None
    send_report.delay(report.pk)
    (message,) = sent_messages(mail_dir)
    html = text_of({p.get_content_type(): p for p in message.walk()}["text/html"])
    assert "<h3>Ad platform metrics</h3>" in html
    assert "<tr><th>Ad platform KPI</th><th>Ocean Engine 巨量引擎</th><th>Kuaishou 磁力引擎</th></tr>" in html
    assert "<tr><td>Effective plays (platform definition)</td><td>1000</td><td>900</td></tr>" in html
    assert "<tr><td>Plays reaching 100%</td><td>500</td><td>–</td></tr>" in html  # 400 + 100; Kuaishou: –
    (posted,) = Hook.received
    assert posted["platform_kpis"] == report.platform_kpis


def test_a_report_without_platform_data_has_no_platform_table(schedule, mail_dir):  # noqa: F811
    report = reports.generate_report(schedule_id=schedule.pk, period=PERIOD)
    assert report.platform_kpis == []
    send_report.delay(report.pk)
    (message,) = sent_messages(mail_dir)
    assert "Ad platform metrics" not in text_of({p.get_content_type(): p for p in message.walk()}["text/html"])
