"""Ad accounts: brand admins manage them; credentials encrypted, write-only, never logged; audit entries."""

from datetime import date

import pytest
from django.urls import reverse

from adplatforms import services
from adplatforms.models import AdAccount
from marketing.auth import principal_for_user
from marketing.models import AuditEntry, Role
from marketing.services.errors import ServiceValidationError
from tests.conftest import member
from tests.factories import AdAccountFactory, CampaignFactory, CampaignSpendFactory, UserFactory

pytestmark = pytest.mark.django_db
SECRET = "very-secret-access-token-123"


def principal(brand, role):
    return principal_for_user(member(brand, role))


def test_a_brand_admin_adds_an_account_with_encrypted_credentials_and_an_audit_entry(brand):
    account = services.ad_account_create(principal=principal(brand, Role.ADMIN), brand_id=brand.pk,
                                         ad_platform="oceanengine", advertiser_id="1690000001", name="Douyin",
                                         credentials={"access_token": SECRET, "refresh_token": "r", "app_id": "1",
                                                      "secret": "s"})
    stored = AdAccount.objects.values_list("credentials_encrypted", flat=True).get(pk=account.pk)
    assert SECRET not in stored and AdAccount.objects.get(pk=account.pk).credentials["access_token"] == SECRET
    entry = AuditEntry.objects.get(action="createAdAccount")
    assert (entry.brand_id, entry.object_id, entry.details) == (
        brand.pk, str(account.pk), {"ad_platform": "oceanengine", "credential_fields": ["access_token", "app_id",
                                                                                        "refresh_token", "secret"]})
    assert SECRET not in str(entry.details)


def test_an_editor_cannot_add_an_account(brand):
    with pytest.raises(ServiceValidationError) as exc:
        services.ad_account_create(principal=principal(brand, Role.EDITOR), brand_id=brand.pk, ad_platform="tiktok",
                                   advertiser_id="1", name="x")
    assert [e.code for e in exc.value.errors] == ["permission_denied"]


def test_an_account_in_another_currency_is_refused_with_a_clear_error(brand):
    with pytest.raises(ServiceValidationError) as exc:
        services.ad_account_create(principal=principal(brand, Role.ADMIN), brand_id=brand.pk, ad_platform="tiktok",
                                   advertiser_id="1", name="x", currency="USD")
    assert [(e.field, e.code) for e in exc.value.errors] == [("currency", "currency_mismatch")]
    assert "USD" in exc.value.errors[0].message and "CNY" in exc.value.errors[0].message


def test_update_merges_credentials_and_audits_field_names_only(brand):
    account = AdAccountFactory(brand=brand)
    services.ad_account_update(principal=principal(brand, Role.ADMIN), account_id=account.pk, name="Renamed",
                               credentials={"access_token": SECRET, "secret": ""})
    account.refresh_from_db()
    assert account.credentials == {"access_token": SECRET, "refresh_token": "refresh-1", "app_id": "app-1"}
    entry = AuditEntry.objects.get(action="updateAdAccount")
    assert entry.details == {"fields": ["name", "credentials"], "credential_fields": ["access_token", "secret"]}


def test_delete_removes_the_account_its_stats_and_its_synced_spend(brand):
    from marketing.models import CampaignSpend

    account = AdAccountFactory(brand=brand)
    campaign = CampaignFactory(brand=brand)
    CampaignSpendFactory(campaign=campaign, date=date(2026, 12, 1), source="platform", ad_account=account)
    manual = CampaignSpendFactory(campaign=campaign, date=date(2026, 12, 1))
    services.ad_account_delete(principal=principal(brand, Role.ADMIN), account_id=account.pk)
    assert list(CampaignSpend.objects.values_list("pk", flat=True)) == [manual.pk]
    assert AuditEntry.objects.filter(action="deleteAdAccount", object_id=str(account.pk)).count() == 1


def test_another_brands_admin_sees_no_such_account(brand, other_brand):
    account = AdAccountFactory(brand=other_brand)
    with pytest.raises(ServiceValidationError) as exc:
        services.ad_account_update(principal=principal(brand, Role.ADMIN), account_id=account.pk, name="x")
    assert [e.code for e in exc.value.errors] == ["not_found"]


def test_the_admin_never_shows_a_credential_and_keeps_it_when_left_blank(client, brand):
    user = UserFactory(is_staff=True)
    from tests.factories import MembershipFactory

    MembershipFactory(user=user, brand=brand, role=Role.ADMIN)
    account = AdAccountFactory(brand=brand, credentials={"access_token": SECRET, "refresh_token": "r-secret"})
    client.force_login(user)
    page = client.get(reverse("admin:adplatforms_adaccount_change", args=[account.pk])).content.decode()
    assert SECRET not in page and "r-secret" not in page and account.credentials_encrypted not in page
    response = client.post(reverse("admin:adplatforms_adaccount_change", args=[account.pk]), {
        "brand": brand.pk, "ad_platform": "tiktok", "advertiser_id": account.advertiser_id, "name": "Renamed",
        "time_zone": "Asia/Shanghai", "currency": "CNY", "status": "active", "access_token": "", "refresh_token": "new-r",
        "app_id": "", "secret": ""})
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.credentials) == ("Renamed", {"access_token": SECRET, "refresh_token": "new-r"})
    entry = AuditEntry.objects.get(source="admin", action="change", object_type="adaccount")
    assert SECRET not in str(entry.details) and "new-r" not in str(entry.details)


def test_an_editor_sees_accounts_in_the_admin_but_cannot_change_them(client, brand):
    from tests.factories import MembershipFactory

    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, brand=brand, role=Role.EDITOR)
    account = AdAccountFactory(brand=brand)
    client.force_login(user)
    assert client.get(reverse("admin:adplatforms_adaccount_changelist")).status_code == 200
    response = client.post(reverse("admin:adplatforms_adaccount_change", args=[account.pk]), {"name": "x"})
    assert response.status_code == 403
