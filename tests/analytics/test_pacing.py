"""Budget pacing: the straight line, the daily line, statuses, the early daily cap, projections, alerts."""

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from analytics import pacing, pacing_alerts, webhook_signing
from analytics.models import AlertEndpoint, PacingAlert, PacingCondition
from analytics.pacing import PacingStatus
from analytics.tasks import evaluate_pacing
from marketing.models import CampaignStatus
from tests.analytics.test_reports import Hook, webhook  # noqa: F401  (the fake receiver fixture)
from tests.factories import BrandFactory, CampaignFactory, CampaignSpendFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 12, 1, 0, 0, tzinfo=SHANGHAI)
END = datetime(2026, 12, 11, 0, 0, tzinfo=SHANGHAI)  # a 10-day flight


def compute(**overrides):
    arguments = dict(campaign_id=1, currency="CNY", starts_at=START, ends_at=END, budget_lifetime=Decimal("10000"),
                     budget_daily=None, spend_to_date=Decimal("0"), spend_today=Decimal("0"),
                     now=datetime(2026, 12, 6, 0, 0, tzinfo=SHANGHAI), zone=SHANGHAI, under=0.8, over=1.2,
                     cap_hour=18)
    arguments.update(overrides)
    return pacing.compute_pacing(**arguments)


# --- pure functions ----------------------------------------------------------------------------

def test_half_the_flight_expects_half_the_lifetime_budget_and_projects_at_the_same_rate():
    result = compute(spend_to_date=Decimal("3000"))
    assert result.elapsed_share == Decimal("0.5")
    assert result.expected_lifetime == Decimal("5000.00")
    assert result.ratio == Decimal("0.6")  # 3000 / 5000
    assert result.status == PacingStatus.UNDER_PACING
    assert result.projected_spend == Decimal("6000.00")  # 3000 / 0.5
    assert result.day == date(2026, 12, 6)


@pytest.mark.parametrize(("spend", "status"), [
    ("3999.99", PacingStatus.UNDER_PACING),  # 0.799998
    ("4000", PacingStatus.ON_TRACK),  # exactly 0.8
    ("6000", PacingStatus.ON_TRACK),  # exactly 1.2
    ("6000.01", PacingStatus.OVER_PACING),
])
def test_the_thresholds_are_inclusive_on_track(spend, status):
    assert compute(spend_to_date=Decimal(spend)).status == status


def test_an_open_ended_campaign_paces_on_its_daily_budget():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=SHANGHAI)  # 2.5 days in
    result = compute(ends_at=None, budget_lifetime=None, budget_daily=Decimal("1000"), spend_to_date=Decimal("2500"),
                     now=now)
    assert result.expected_daily == Decimal("2500.00")
    assert result.expected_lifetime is None
    assert (result.ratio, result.status) == (Decimal("1"), PacingStatus.ON_TRACK)
    assert result.projected_spend is None and result.elapsed_share is None


def test_with_both_budgets_the_lifetime_line_decides():
    result = compute(budget_daily=Decimal("2000"), spend_to_date=Decimal("5000"))
    assert result.expected_daily == Decimal("10000.00")  # 5 days × 2000
    assert result.expected_lifetime == Decimal("5000.00")
    assert result.status == PacingStatus.ON_TRACK


def test_before_the_start_nothing_is_expected_and_any_spend_is_over():
    before = datetime(2026, 11, 30, 12, 0, tzinfo=SHANGHAI)
    assert compute(now=before).status == PacingStatus.ON_TRACK
    spent = compute(now=before, spend_to_date=Decimal("1"))
    assert (spent.ratio, spent.status, spent.projected_spend) == (None, PacingStatus.OVER_PACING, None)


def test_the_daily_cap_is_early_only_before_the_cap_hour_of_the_brands_day():
    daily = dict(budget_daily=Decimal("1000"), spend_today=Decimal("1000"))
    # 09:59 UTC is 17:59 in Shanghai: early; 10:00 UTC is 18:00: not early
    assert compute(now=datetime(2026, 12, 6, 9, 59, tzinfo=ZoneInfo("UTC")), **daily).daily_cap_hit_early
    assert not compute(now=datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("UTC")), **daily).daily_cap_hit_early
    below = dict(budget_daily=Decimal("1000"), spend_today=Decimal("999.99"))
    assert not compute(now=datetime(2026, 12, 6, 9, 0, tzinfo=SHANGHAI), **below).daily_cap_hit_early


# --- selector ----------------------------------------------------------------------------------

@pytest.fixture
def campaign(db):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    campaign = CampaignFactory(brand=brand, status=CampaignStatus.ACTIVE, starts_at=START, ends_at=END,
                               budget_lifetime=Decimal("10000"), budget_daily=Decimal("1500"))
    for day, amount in [(1, "900"), (2, "1000"), (3, "700"), (6, "1500")]:
        CampaignSpendFactory(campaign=campaign, date=date(2026, 12, day), amount=Decimal(amount))
    CampaignSpendFactory(campaign=campaign, date=date(2026, 11, 30), amount=Decimal("5000"))  # before the flight
    return campaign


NOON_DAY_6 = datetime(2026, 12, 6, 12, 0, tzinfo=SHANGHAI)  # 5.5 of 10 days


def test_campaign_pacing_sums_the_flights_spend_up_to_today(campaign):
    result = pacing.campaign_pacing(campaign, now=NOON_DAY_6)
    assert result.spend_to_date == Decimal("4100.00")  # 900 + 1000 + 700 + 1500, not the day before the flight
    assert result.spend_today == Decimal("1500.00")
    assert result.expected_lifetime == Decimal("5500.00")
    assert result.ratio == Decimal("0.745455")  # 4100 / 5500
    assert result.status == PacingStatus.UNDER_PACING
    assert result.daily_cap_hit_early  # 1500 of 1500 by noon
    assert result.projected_spend == Decimal("7454.55")  # 4100 / 0.55


def test_the_thresholds_come_from_settings(campaign, settings):
    settings.PACING_UNDER_RATIO = 0.7
    assert pacing.campaign_pacing(campaign, now=NOON_DAY_6).status == PacingStatus.ON_TRACK
    settings.PACING_DAILY_CAP_HOUR = 12
    assert not pacing.campaign_pacing(campaign, now=NOON_DAY_6).daily_cap_hit_early


def test_only_active_campaigns_with_a_budget_are_paced(campaign):
    paused = CampaignFactory(brand=campaign.brand, status=CampaignStatus.PAUSED, budget_lifetime=Decimal("1"))
    unbudgeted = CampaignFactory(brand=campaign.brand, status=CampaignStatus.ACTIVE, budget_lifetime=None)
    assert pacing.campaign_pacing(paused, now=NOON_DAY_6) is None
    assert pacing.campaign_pacing(unbudgeted, now=NOON_DAY_6) is None
    assert list(pacing.pacing_campaigns()) == [campaign]


# --- alerts ------------------------------------------------------------------------------------

def test_alerts_are_raised_once_per_condition_campaign_and_day(campaign):
    first = pacing_alerts.evaluate(now=NOON_DAY_6)
    assert sorted(PacingAlert.objects.filter(pk__in=first).values_list("condition", flat=True)) == [
        PacingCondition.DAILY_CAP_EARLY, PacingCondition.UNDER_PACING]
    assert pacing_alerts.evaluate(now=datetime(2026, 12, 6, 15, 0, tzinfo=SHANGHAI)) == []
    under = PacingAlert.objects.get(condition=PacingCondition.UNDER_PACING)
    assert (under.day, under.spend_to_date, under.expected_spend, under.pacing_ratio, under.projected_spend) == (
        date(2026, 12, 6), Decimal("4100.00"), Decimal("5500.00"), Decimal("0.745455"), Decimal("7454.55"))
    # the next day, still under-pacing: a new alert (no spend yet on day 7, so no early cap)
    next_day = pacing_alerts.evaluate(now=datetime(2026, 12, 7, 9, 0, tzinfo=SHANGHAI))
    assert list(PacingAlert.objects.filter(pk__in=next_day).values_list("condition", "day")) == [
        (PacingCondition.UNDER_PACING, date(2026, 12, 7))]


def test_an_on_track_campaign_raises_nothing(campaign):
    CampaignSpendFactory(campaign=campaign, date=date(2026, 12, 5), amount=Decimal("1300"))  # 5400 of 5500
    assert pacing_alerts.evaluate(now=datetime(2026, 12, 6, 19, 0, tzinfo=SHANGHAI)) == []


@pytest.fixture
def endpoint(campaign, webhook):  # noqa: F811
    return AlertEndpoint.objects.create(brand=campaign.brand, recipients="ads@example.com", webhook_url=webhook)


def test_alerts_are_delivered_by_email_and_a_signed_webhook_once(endpoint, mailoutbox):
    created = pacing_alerts.evaluate(now=NOON_DAY_6)
    for alert_id in created:
        pacing_alerts.deliver(alert_id=alert_id)
        pacing_alerts.deliver(alert_id=alert_id)  # a retried task sends nothing again
    assert len(mailoutbox) == 2 and len(Hook.received) == 2
    under = PacingAlert.objects.get(condition=PacingCondition.UNDER_PACING)
    message = next(m for m in mailoutbox if under.campaign.name in m.subject and "under-pacing" in m.body)
    assert message.to == ["ads@example.com"]
    assert message.body == (f"{under.campaign.name} is under-pacing on 2026-12-06: 4100.00 CNY spent, 5500.00 CNY "
                            "expected by now.")
    payload = next(p for p in Hook.received if p["condition"] == "under_pacing")
    assert payload == {"type": "pacing_alert", "id": under.pk, "brand": under.brand.slug,
                       "campaign": under.campaign.name, "campaign_id": under.campaign_id, "condition": "under_pacing",
                       "day": "2026-12-06", "spend_to_date": "4100.00", "expected_spend": "5500.00",
                       "spend_today": "1500.00", "budget_daily": "1500.00", "pacing_ratio": "0.745455",
                       "projected_spend": "7454.55", "currency": "CNY"}
    headers, body = next((h, b) for h, b in Hook.raw if json.loads(b)["id"] == under.pk)
    endpoint.refresh_from_db()  # its secret was made at the first delivery
    assert webhook_signing.verify(secret=webhook_signing.secret_for(endpoint), body=body,
                                  timestamp=headers["X-Reelboard-Timestamp"],
                                  signature=headers["X-Reelboard-Signature"])
    assert headers["X-Reelboard-Delivery"] == f"pacing-alert-{under.pk}"
    under.refresh_from_db()
    assert under.email_sent_at is not None and under.webhook_sent_at is not None and under.attempts == 2


def test_a_chinese_endpoint_gets_chinese_mail(endpoint, mailoutbox):
    endpoint.language = "zh-hans"
    endpoint.webhook_url = ""
    endpoint.save()
    alert_id = pacing_alerts.evaluate(now=datetime(2026, 12, 6, 19, 0, tzinfo=SHANGHAI))[0]
    pacing_alerts.deliver(alert_id=alert_id)
    assert mailoutbox[0].body.startswith(f"{endpoint.brand.campaigns.get().name} 投放不足")


def test_a_blocked_webhook_is_recorded_and_not_retried(endpoint, settings, mailoutbox):
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = []  # the loopback receiver is internal now
    alert_id = pacing_alerts.evaluate(now=datetime(2026, 12, 6, 19, 0, tzinfo=SHANGHAI))[0]
    alert = pacing_alerts.deliver(alert_id=alert_id)  # no exception: retrying cannot help
    assert alert.webhook_sent_at is None and alert.email_sent_at is not None
    assert alert.error.startswith("Webhook blocked, not retried: the host 127.0.0.1 is a loopback address")
    assert Hook.received == []


def test_a_failing_receiver_raises_for_the_retry_and_keeps_the_email_sent(endpoint, mailoutbox):
    Hook.fail = True
    alert_id = pacing_alerts.evaluate(now=datetime(2026, 12, 6, 19, 0, tzinfo=SHANGHAI))[0]
    with pytest.raises(Exception, match="webhook answered 500"):
        pacing_alerts.deliver(alert_id=alert_id)
    Hook.fail = False
    pacing_alerts.deliver(alert_id=alert_id)
    assert len(mailoutbox) == 1 and len(Hook.received) == 1


def test_the_beat_task_raises_and_queues_delivery(endpoint, mailoutbox, monkeypatch):
    monkeypatch.setattr("analytics.pacing_alerts.timezone.now", lambda: datetime(2026, 12, 6, 19, 0,
                                                                                  tzinfo=SHANGHAI))
    created = evaluate_pacing.delay().get()
    assert len(created) == 1  # under-pacing; the daily cap was reached after 18:00
    assert len(mailoutbox) == 1 and len(Hook.received) == 1


def test_platform_synced_spend_overrides_the_manual_entry_of_its_day(campaign):
    from adplatforms.models import AdAccount

    ocean = AdAccount.objects.create(brand=campaign.brand, ad_platform="oceanengine", advertiser_id="1001",
                                     name="Ocean", currency="CNY")
    kwai = AdAccount.objects.create(brand=campaign.brand, ad_platform="kuaishou_ads", advertiser_id="2002",
                                    name="Kwai", currency="CNY")
    # day 3 had 700 typed by hand; two accounts report 400 + 500 for it: 900 counts, the 700 does not
    CampaignSpendFactory(campaign=campaign, date=date(2026, 12, 3), amount=Decimal("400"), source="platform",
                         ad_account=ocean)
    CampaignSpendFactory(campaign=campaign, date=date(2026, 12, 3), amount=Decimal("500"), source="platform",
                         ad_account=kwai)
    result = pacing.campaign_pacing(campaign, now=NOON_DAY_6)
    assert result.spend_to_date == Decimal("4300.00")  # 900 + 1000 + 900 + 1500
