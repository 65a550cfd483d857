"""The ad-platform API: accounts without credentials, mutations through the services, stats with filters."""

from datetime import date
from decimal import Decimal

import pytest

from adplatforms.models import AdAccount
from marketing.models import AuditEntry, Role
from reelboard.graphql.schema import schema
from tests.conftest import member
from tests.factories import AdAccountFactory, CampaignFactory, PlatformDailyStatFactory
from tests.marketing.graphql_helpers import gid, gql

pytestmark = pytest.mark.django_db
SECRET = "graphql-secret-token-xyz"


def test_no_type_can_return_a_credential():
    sdl = str(schema)
    account_type = sdl[sdl.index("type AdAccount implements Node"):].split("}", 1)[0]
    assert not any(word in account_type for word in ("accessToken", "refreshToken", "secret", "credentials("))


def test_create_update_and_delete_an_account(brand):
    admin = member(brand, Role.ADMIN)
    body = gql("""mutation($input: CreateAdAccountInput!) { createAdAccount(input: $input) {
                    adAccount { id adPlatform advertiserId currency hasCredentials status } errors { field code } } }""",
               {"input": {"brandId": gid(brand), "adPlatform": "KUAISHOU_ADS", "advertiserId": "880001", "name": "KS",
                          "credentials": {"accessToken": SECRET, "refreshToken": "r"}}}, user=admin)
    created = body["data"]["createAdAccount"]
    assert created["errors"] == [] and SECRET not in str(body)
    assert {k: v for k, v in created["adAccount"].items() if k != "id"} == {
        "adPlatform": "KUAISHOU_ADS", "advertiserId": "880001", "currency": "CNY", "hasCredentials": True,
        "status": "ACTIVE"}
    account = AdAccount.objects.get()
    assert account.credentials == {"access_token": SECRET, "refresh_token": "r"}
    # one audit entry per mutation, written by the service (field names only)
    assert list(AuditEntry.objects.filter(object_type="adaccount").values_list("action", flat=True)) == ["createAdAccount"]
    body = gql("""mutation($input: UpdateAdAccountInput!) { updateAdAccount(input: $input) {
                    adAccount { name status } errors { field code } } }""",
               {"input": {"id": created["adAccount"]["id"], "name": "Kuaishou main", "status": "PAUSED"}}, user=admin)
    assert body["data"]["updateAdAccount"] == {"adAccount": {"name": "Kuaishou main", "status": "PAUSED"}, "errors": []}
    body = gql("""mutation($input: DeleteAdAccountInput!) { deleteAdAccount(input: $input) { deletedId errors { code } } }""",
               {"input": {"id": created["adAccount"]["id"]}}, user=admin)
    assert body["data"]["deleteAdAccount"] == {"deletedId": created["adAccount"]["id"], "errors": []}
    assert AdAccount.objects.count() == 0


def test_another_currency_is_a_typed_error(brand):
    body = gql("""mutation($input: CreateAdAccountInput!) { createAdAccount(input: $input) { errors { field code message } } }""",
               {"input": {"brandId": gid(brand), "adPlatform": "TIKTOK", "advertiserId": "1", "name": "x",
                          "currency": "usd"}}, user=member(brand, Role.ADMIN))
    (error,) = body["data"]["createAdAccount"]["errors"]
    assert (error["field"], error["code"]) == ("currency", "CURRENCY_MISMATCH")


def test_sync_without_credentials_is_a_failed_job_with_a_clear_message(brand, django_capture_on_commit_callbacks):
    account = AdAccountFactory(brand=brand, credentials={})
    with django_capture_on_commit_callbacks(execute=True):
        body = gql("""mutation($input: SyncAdAccountInput!) { syncAdAccount(input: $input) { job { id kind } errors { code } } }""",
                   {"input": {"id": gid(account), "dateFrom": "2026-12-01", "dateTo": "2026-12-02"}},
                   user=member(brand, Role.EDITOR))
    job = body["data"]["syncAdAccount"]["job"]
    assert job["kind"] == "adplatforms.sync"
    polled = gql("query($id: ID!) { job(id: $id) { status error } }", {"id": job["id"]}, user=member(brand, Role.VIEWER))
    assert polled["data"]["job"] == {"status": "FAILED", "error": "The account has no access token: add its credentials first."}


def test_platform_daily_stats_filters_and_null_metrics(brand):
    account = AdAccountFactory(brand=brand, ad_platform="oceanengine")
    campaign = CampaignFactory(brand=brand)
    PlatformDailyStatFactory(ad_account=account, campaign=campaign, stat_date=date(2026, 12, 1), spend=Decimal("12.30"),
                             effective_plays=40, reach=None)
    PlatformDailyStatFactory(ad_account=account, stat_date=date(2026, 12, 2))
    PlatformDailyStatFactory(ad_account=AdAccountFactory(brand=brand), campaign=campaign, stat_date=date(2026, 12, 1))
    body = gql("""query($f: PlatformDailyStatFilter) { platformDailyStats(filters: $f) { edges { node {
                    statDate spend reach effectivePlays level campaign { name } } } } }""",
               {"f": {"campaign": [gid(campaign)], "adPlatform": ["OCEANENGINE"]}}, user=member(brand, Role.VIEWER))
    assert [e["node"] for e in body["data"]["platformDailyStats"]["edges"]] == [
        {"statDate": "2026-12-01", "spend": "12.30", "reach": None, "effectivePlays": 40, "level": "CAMPAIGN",
         "campaign": {"name": campaign.name}}]
