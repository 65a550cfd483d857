"""Sync against local fake report APIs: paging, idempotent day upserts, rate limits, token refresh, failed days."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from adplatforms import services
from adplatforms.models import AdAccount, AdAccountStatus, ExternalObject, PlatformDailyStat
from marketing.jobs.models import Job, JobStatus
from marketing.models import CampaignSpend, SpendSource
from tests.adplatforms.conftest import DAYS
from tests.adplatforms.fakes import make_dataset
from tests.factories import AdAccountFactory, CampaignFactory, CampaignSpendFactory, VideoFactory, platform

pytestmark = pytest.mark.django_db

# Fields each platform reports (the rest stay null, never 0).
REPORTED = {
    "tiktok": {"spend", "impressions", "clicks", "reach", "plays", "plays_2s", "plays_6s", "plays_25", "plays_50",
               "plays_75", "plays_100", "avg_play_time_s", "profile_visits", "conversions"},
    "oceanengine": {"spend", "impressions", "clicks", "plays", "plays_2s", "plays_3s", "plays_10s", "effective_plays",
                    "plays_25", "plays_50", "plays_75", "plays_100", "avg_play_time_s", "profile_visits", "conversions"},
    "kuaishou_ads": {"spend", "impressions", "clicks", "plays", "plays_2s", "plays_3s", "plays_10s",
                     "effective_plays", "plays_75", "plays_100", "conversions"},
}
CANONICAL = {"spend": "spend", "impressions": "impressions", "clicks": "clicks", "reach": "reach", "plays": "plays",
             "plays_2s": "p2s", "plays_3s": "p3s", "plays_6s": "p6s", "plays_10s": "p10s", "plays_25": "p25",
             "plays_50": "p50", "plays_75": "p75", "plays_100": "p100", "avg_play_time_s": "avg",
             "profile_visits": "profile", "conversions": "conv"}
ALL_FIELDS = [*CANONICAL, "effective_plays"]


def expected(platform_code: str, row: dict) -> dict:
    effective = {"oceanengine": row["valid"], "kuaishou_ads": row["p3s"]}.get(platform_code)
    values = {name: row[key] for name, key in CANONICAL.items()} | {"effective_plays": effective}
    values["spend"] = Decimal(row["spend"])
    return {k: (v if k in REPORTED[platform_code] else None) for k, v in values.items()}


def account_for(fake, **kwargs) -> AdAccount:
    return AdAccountFactory(ad_platform=fake.platform, **kwargs)


def stat_values(stat: PlatformDailyStat) -> dict:
    return {k: getattr(stat, k) for k in ALL_FIELDS}


def test_a_sync_stores_every_row_of_every_level_with_the_mapped_fields(fake):
    account = account_for(fake)
    result = services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[-1])
    assert (result.days_synced, result.failed_days) == ([d.isoformat() for d in DAYS], [])
    rows = {(r["level"], r["id"], r["day"]): r for level, rs in fake.dataset.items() for r in [dict(x, level=level) for x in rs]}
    stored = {(s.level, s.external_id, s.stat_date): s for s in PlatformDailyStat.objects.filter(ad_account=account)}
    assert set(stored) == set(rows)
    for key, row in rows.items():
        assert stat_values(stored[key]) == expected(fake.platform, row), key
    # The raw row is kept as received: its id field carries the external id.
    some = stored[("campaign", "1001", DAYS[0])]
    assert "1001" in str(some.raw)


def test_paging_fetches_every_page(fake):
    account = account_for(fake)
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    pages = sorted(int(r["params"]["page"]) for r in fake.requests if r["params"].get("page"))
    # 2 campaigns (1 page), 2 ad groups (1 page), 4 ads (2 pages) with a page size of 2
    assert pages == [1, 1, 1, 2]


def test_a_resync_replaces_a_restated_day_and_never_duplicates(fake):
    account = account_for(fake)
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[-1])
    count = PlatformDailyStat.objects.filter(ad_account=account).count()
    restated = make_dataset(DAYS, seed=7)
    fake.dataset["campaign"] = [r for r in fake.dataset["campaign"] if r["day"] != DAYS[1]] + \
        [r for r in restated["campaign"] if r["day"] == DAYS[1]]
    services.sync_account(account_id=account.pk, date_from=DAYS[1], date_to=DAYS[1])
    assert PlatformDailyStat.objects.filter(ad_account=account).count() == count
    stat = PlatformDailyStat.objects.get(ad_account=account, level="campaign", external_id="1001", stat_date=DAYS[1])
    new_row = next(r for r in restated["campaign"] if r["id"] == "1001" and r["day"] == DAYS[1])
    assert stat_values(stat) == expected(fake.platform, new_row)


def test_a_rate_limit_is_retried_then_succeeds(fake):
    account = account_for(fake)
    fake.rate_limit_next = 2
    result = services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    assert (result.failed_days, result.rate_limit_retries) == ([], 2)
    assert PlatformDailyStat.objects.filter(ad_account=account, stat_date=DAYS[0]).count() == 8


def test_an_expired_token_is_refreshed_once_and_stored_encrypted(fake):
    account = account_for(fake, credentials={"access_token": "stale", "refresh_token": "refresh-1",
                                             "app_id": "app-1", "secret": "s-1"})
    result = services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    assert (result.failed_days, result.token_refreshes, fake.refreshes) == ([], 1, 1)
    account.refresh_from_db()
    assert account.credentials["access_token"] == "token-2"
    assert "token-2" not in account.credentials_encrypted


def test_a_refused_refresh_fails_the_days_and_marks_the_account(fake):
    account = account_for(fake, credentials={"access_token": "stale", "refresh_token": "wrong"})
    result = services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    assert result.failed_days == [DAYS[0].isoformat()]
    account.refresh_from_db()
    assert account.status == AdAccountStatus.AUTH_FAILED
    assert "wrong" not in account.last_sync_error and "stale" not in account.last_sync_error


def test_a_failed_day_leaves_the_other_days_written_and_is_retried_by_the_job(fake, django_capture_on_commit_callbacks):
    account = account_for(fake)
    fake.fail_days = {DAYS[1]}
    with django_capture_on_commit_callbacks(execute=True):
        job = services.sync_job_create(principal=_admin_principal(account), account_id=account.pk,
                                       date_from=DAYS[0], date_to=DAYS[-1])
        fake_fail_until_retry = fake  # the retry (eager, no delay) still fails while fail_days is set
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED
    assert (job.result["days_synced"], job.result["failed_days"]) == ([DAYS[0].isoformat(), DAYS[2].isoformat()],
                                                                       [DAYS[1].isoformat()])
    assert set(PlatformDailyStat.objects.filter(ad_account=account).values_list("stat_date", flat=True)) == {DAYS[0], DAYS[2]}
    retries = Job.objects.filter(kind="adplatforms.sync").exclude(pk=job.pk).order_by("pk")
    # AD_SYNC_DAY_RETRIES (3) retries of the one failed day, each failing as the day still fails
    assert [(j.params["days"], j.params["attempt"], j.status) for j in retries] == [
        ([DAYS[1].isoformat()], n, JobStatus.FAILED) for n in (1, 2, 3)]
    assert fake_fail_until_retry.fail_days == {DAYS[1]}


def test_a_failed_day_is_written_by_the_retry_once_the_platform_recovers(fake, django_capture_on_commit_callbacks):
    account = account_for(fake)
    fake.fail_days = {DAYS[1]}
    result = services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[-1])
    assert result.failed_days == [DAYS[1].isoformat()]
    fake.fail_days = set()
    from adplatforms import tasks

    with django_capture_on_commit_callbacks(execute=True):
        job = tasks.enqueue_sync(account=account, days=[DAYS[1]], attempt=1)
    job.refresh_from_db()
    assert (job.status, job.result["days_synced"]) == (JobStatus.SUCCEEDED, [DAYS[1].isoformat()])
    assert PlatformDailyStat.objects.filter(ad_account=account).count() == 8 * 3


def test_mapped_campaigns_get_platform_spend_that_overrides_manual_entries(fake):
    account = account_for(fake)
    campaign = CampaignFactory(brand=account.brand, external_ids=["1001"])
    CampaignSpendFactory(campaign=campaign, date=DAYS[0], amount=Decimal("999.00"))  # typed by hand
    CampaignSpendFactory(campaign=campaign, date=date(2026, 11, 1), amount=Decimal("5.00"))  # a day with no platform data
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[-1])
    platform_rows = {r["day"]: Decimal(r["spend"]) for r in fake.dataset["campaign"] if r["id"] == "1001"}
    synced = dict(CampaignSpend.objects.filter(campaign=campaign, source=SpendSource.PLATFORM).values_list("date", "amount"))
    assert synced == platform_rows
    from adplatforms.selectors import effective_spend

    spend = effective_spend(campaign, date(2026, 11, 1), DAYS[-1])
    assert spend == {date(2026, 11, 1): Decimal("5.00"), **platform_rows}
    # ad groups and ads inherit the mapping through their parents; their stats carry the campaign
    mapped = set(ExternalObject.objects.filter(ad_account=account, campaign=campaign).values_list("level", "external_id"))
    assert mapped == {("campaign", "1001"), ("adgroup", "10011"), ("ad", "100111"), ("ad", "100112")}
    assert PlatformDailyStat.objects.filter(ad_account=account, campaign=campaign).count() == 4 * len(DAYS)


def test_a_hand_mapping_is_kept_by_the_sync(fake):
    account = account_for(fake)
    campaign = CampaignFactory(brand=account.brand)
    ExternalObject.objects.create(ad_account=account, level="campaign", external_id="1002", campaign=campaign,
                                  mapped_by_hand=True)
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    assert CampaignSpend.objects.get(campaign=campaign, source=SpendSource.PLATFORM).amount == Decimal(
        next(r["spend"] for r in fake.dataset["campaign"] if r["id"] == "1002" and r["day"] == DAYS[0]))


def test_an_account_in_another_currency_is_refused_before_any_request(fake):
    account = account_for(fake, currency="USD")
    with pytest.raises(services.SyncRefused, match="USD"):
        services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    assert fake.requests == []


def _admin_principal(account):
    from marketing.auth import principal_for_user
    from tests.conftest import member

    return principal_for_user(member(account.brand, "admin"))


@pytest.mark.parametrize("fake", ["kuaishou_ads"], indirect=True)
def test_kuaishou_ads_are_mapped_to_videos_by_photo_id(fake):
    account = account_for(fake)
    video = VideoFactory(brand=account.brand, platform=platform("kuaishou"), external_id="9100111")
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    ad = ExternalObject.objects.get(ad_account=account, level="ad", external_id="100111")
    assert (ad.external_video_id, ad.video_id) == ("9100111", video.pk)


@pytest.mark.parametrize("fake", ["oceanengine"], indirect=True)
def test_a_hand_mapping_in_the_admin_moves_the_stats_and_spend_already_stored(fake, client):
    from django.urls import reverse

    from marketing.models import Role
    from tests.factories import MembershipFactory, UserFactory

    account = account_for(fake)
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[-1])
    # Nothing mapped yet: no campaign carries the external id, so no row counts for a campaign and no spend.
    assert not PlatformDailyStat.objects.filter(ad_account=account, campaign__isnull=False).exists()
    assert not CampaignSpend.objects.filter(ad_account=account).exists()

    campaign = CampaignFactory(brand=account.brand)
    editor = UserFactory(is_staff=True)
    MembershipFactory(user=editor, brand=account.brand, role=Role.EDITOR)
    client.force_login(editor)
    obj = ExternalObject.objects.get(ad_account=account, level="campaign", external_id="1001")
    response = client.post(reverse("admin:adplatforms_externalobject_change", args=[obj.pk]),
                           {"campaign": campaign.pk, "video": "", "mapped_by_hand": "on"})
    assert response.status_code == 302

    # Campaign 1001's rows, its ad group 10011's and its ads 100111 / 100112 now count for the campaign, on every
    # day already stored; campaign 1002's tree stays unmapped.
    moved = set(PlatformDailyStat.objects.filter(ad_account=account, campaign=campaign)
                .values_list("level", "external_id").distinct())
    assert moved == {("campaign", "1001"), ("adgroup", "10011"), ("ad", "100111"), ("ad", "100112")}
    assert not PlatformDailyStat.objects.filter(ad_account=account, external_id__startswith="1002",
                                                campaign__isnull=False).exists()
    children = ExternalObject.objects.filter(ad_account=account, external_id__in=["10011", "100111", "100112"])
    assert {(o.campaign_id, o.mapped_by_hand) for o in children} == {(campaign.pk, False)}
    # The platform spend of each day is the campaign row's spend, as the fake reported it.
    expected = {r["day"]: Decimal(r["spend"]) for r in fake.dataset["campaign"] if r["id"] == "1001"}
    spend = {s.date: s.amount for s in CampaignSpend.objects.filter(ad_account=account, source=SpendSource.PLATFORM)}
    assert spend == expected and all(s.campaign_id == campaign.pk for s in CampaignSpend.objects.filter(ad_account=account))

    # A later sync keeps the hand mapping.
    services.sync_account(account_id=account.pk, date_from=DAYS[0], date_to=DAYS[0])
    assert PlatformDailyStat.objects.get(ad_account=account, level="campaign", external_id="1001",
                                         stat_date=DAYS[0]).campaign_id == campaign.pk
    assert CampaignSpend.objects.filter(ad_account=account).count() == len(expected)


def test_the_hourly_beat_syncs_active_accounts_with_credentials_over_their_last_days(django_capture_on_commit_callbacks):
    from adplatforms import tasks

    with_token = AdAccountFactory(time_zone="UTC")
    AdAccountFactory(credentials={})  # e.g. a demo account: nothing to sync with
    AdAccountFactory(status=AdAccountStatus.PAUSED)
    with django_capture_on_commit_callbacks(execute=False):
        job_ids = tasks.sync_recent(days=2)
    (job,) = Job.objects.filter(pk__in=job_ids)
    today = services.account_today(with_token)
    assert job.params["ad_account_id"] == with_token.pk
    assert job.params["days"] == [(today - timedelta(days=1)).isoformat(), today.isoformat()]
