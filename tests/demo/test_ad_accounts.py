"""The demo world's ad accounts: one per ad platform, stored through the sync's own parse and upsert, with the
platform spend feeding pacing and the planted tracking gap visible in the reconciliation."""

import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import Sum

from adplatforms.connectors import CONNECTORS
from adplatforms.models import AdAccount, PlatformDailyStat
from analytics import platform_metrics
from analytics.models import PacingAlert
from analytics.rollups import recompute_brand
from demo import world as demo_world
from demo.ad_accounts import TRACKING_GAP_SHARE
from marketing.models import Brand, CampaignSpend, SpendSource

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    demo_world.build_world(seed=3, viewers=240, videos=60, brands=1, days=20)
    call_command("seed_ad_platforms", stdout=io.StringIO())
    brand = Brand.objects.get(slug=demo_world.DEMO_SLUGS[0])
    recompute_brand(brand_id=brand.pk)  # the first-party side of the reconciliation
    return brand


def _reparse(account, stat):
    """The stored raw row, parsed again by the connector: the metrics a sync would have stored."""
    connector = CONNECTORS[account.ad_platform](credentials={}, advertiser_id=account.advertiser_id)
    if account.ad_platform == "kuaishou_ads":
        (row,), _ = connector.parse(level=stat.level, data={"details": [stat.raw], "total_count": 1}, page=1,
                                    page_size=1)
    else:
        (row,), _ = connector.parse(level=stat.level, data={"list": [stat.raw]})
    return row


def test_one_account_per_ad_platform_whose_rows_are_what_a_sync_stores(seeded):
    accounts = AdAccount.objects.filter(brand=seeded)
    assert sorted(a.ad_platform for a in accounts) == ["kuaishou_ads", "oceanengine", "tiktok"]
    for account in accounts:
        stats = list(PlatformDailyStat.objects.filter(ad_account=account))
        assert {s.level for s in stats} == {"campaign", "adgroup", "ad"}
        campaign = account.external_objects.get(level="campaign").campaign
        assert campaign is not None and all(s.campaign_id == campaign.pk for s in stats)
        for stat in stats:
            row = _reparse(account, stat)
            assert (row.external_id, row.stat_date) == (stat.external_id, stat.stat_date)
            for name, value in row.metrics.items():
                assert getattr(stat, name) == value, (account.ad_platform, name)
        # The platform spend of each brand day is the campaign row's spend, and the two ads add up to it.
        spend = dict(CampaignSpend.objects.filter(ad_account=account, source=SpendSource.PLATFORM)
                     .values_list("date", "amount"))
        campaign_rows = {s.report_date: s.spend for s in stats if s.level == "campaign"}
        assert spend == campaign_rows
        for day, total in campaign_rows.items():
            ads = sum(s.spend for s in stats if s.level == "ad" and s.report_date == day)
            assert abs(ads - total) <= Decimal("0.02")


def test_platform_counts_follow_the_brands_tracking_with_one_planted_gap(seeded):
    account = AdAccount.objects.get(brand=seeded, ad_platform="kuaishou_ads")  # the launch campaign
    campaign = account.external_objects.get(level="campaign").campaign
    days = sorted(PlatformDailyStat.objects.filter(ad_account=account, level="campaign")
                  .values_list("stat_date", flat=True))
    rows = {r.day: r for r in platform_metrics.reconciliation(brand_id=seeded.pk, campaign_ids=[campaign.pk],
                                                              date_from=days[0], date_to=days[-1])}
    ratios = {}
    for day in days:
        row = rows[day]
        assert row.first_party_impressions > 0
        ratios[day] = row.platform_impressions / row.first_party_impressions
    gap_day = days[len(days) // 2]
    assert ratios[gap_day] >= 1.02 / TRACKING_GAP_SHARE - 0.05
    assert all(1.0 <= r <= 1.09 for day, r in ratios.items() if day != gap_day)


def test_the_launch_over_paces_and_its_alert_is_delivered_in_chinese(seeded):
    alerts = {alert.condition: alert for alert in PacingAlert.objects.filter(brand=seeded)}
    alert = alerts.pop("over_pacing")
    launch = alert.campaign
    assert launch.external_ids == [f"9100000{seeded.pk}01"]
    effective = CampaignSpend.objects.filter(campaign=launch, source=SpendSource.PLATFORM).aggregate(s=Sum("amount"))["s"]
    assert alert.spend_to_date == effective
    assert alert.email_sent_at is not None
    assert any(message.to == ["marketing@example.com"] and "投放过快" in message.body for message in mail.outbox)
    # Once the brand's day has begun with spend over the daily budget (Shanghai runs 8 hours ahead of UTC, so
    # from 16:00 UTC the demo's launch has a "today" with 125-145 % of its budget spent), the launch has also
    # spent its daily budget early: the only other alert the demo may raise, for the same campaign, delivered too.
    assert set(alerts) <= {"daily_cap_early"}
    for other in alerts.values():
        assert other.campaign == launch and other.spend_today >= other.budget_daily and other.email_sent_at
    assert len(mail.outbox) == 1 + len(alerts)


def test_seeding_again_changes_nothing(seeded):
    before = (PlatformDailyStat.objects.count(), CampaignSpend.objects.count(), PacingAlert.objects.count())
    call_command("seed_ad_platforms", stdout=io.StringIO())
    assert (PlatformDailyStat.objects.count(), CampaignSpend.objects.count(), PacingAlert.objects.count()) == before
