"""Admin hardening: token pages for brand admins only, expiry warnings, actions checked per row's brand role,
brand filters listing only the caller's brands."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from marketing.models import ApiToken, Role
from tests.factories import BrandFactory, MembershipFactory, UserFactory, make_token

pytestmark = pytest.mark.django_db


def staff_of(brand, role):
    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, brand=brand, role=role)
    return user


def messages_of(response) -> list[str]:
    return [m.message for m in get_messages(response.wsgi_request)]


# --- API token pages (item 9): brand admins only, as in GraphQL -----------------------------------


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_viewers_and_editors_cannot_see_api_tokens(client, role):
    brand = BrandFactory()
    token, _ = make_token(brand=brand)
    client.force_login(staff_of(brand, role))
    statuses = (client.get(reverse("admin:marketing_apitoken_changelist")).status_code,
                client.get(reverse("admin:marketing_apitoken_change", args=[token.pk])).status_code)
    assert statuses == (403, 403)


def test_a_brand_admin_sees_the_tokens_with_their_expiry(client):
    brand = BrandFactory()
    token, _ = make_token(brand=brand)
    client.force_login(staff_of(brand, Role.ADMIN))
    response = client.get(reverse("admin:marketing_apitoken_changelist"))
    assert ([t.pk for t in response.context["cl"].result_list], "expires_at" in response.context["cl"].list_display
            ) == ([token.pk], True)


def test_brand_admins_are_warned_of_tokens_expiring_soon(client):
    brand = BrandFactory()
    soon, _ = make_token(brand=brand, name="soon")
    make_token(brand=brand, name="later")
    ApiToken.objects.filter(pk=soon.pk).update(expires_at=timezone.now() + timedelta(days=3))
    client.force_login(staff_of(brand, Role.ADMIN))
    response = client.get(reverse("admin:marketing_apitoken_changelist"))
    assert messages_of(response) == [
        "1 active token expires within 30 days: issue a replacement and update its client."]


def test_the_admin_issues_a_token_with_the_chosen_expiry(client):
    brand = BrandFactory()
    client.force_login(staff_of(brand, Role.ADMIN))
    client.post(reverse("admin:marketing_apitoken_add"),
                {"brand": brand.pk, "name": "CI", "role": Role.VIEWER, "expires_in_days": 10})
    token = ApiToken.objects.get()
    assert timedelta(days=10) - timedelta(minutes=1) < token.expires_at - token.created_at <= timedelta(days=10)
