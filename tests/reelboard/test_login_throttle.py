"""Admin sign-in throttling: 5 failures of one user name from one address lock that pair for 15 minutes."""

import pytest
from django.urls import reverse

from reelboard.login_throttle import axes_client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"  # tests.factories.UserFactory's


def sign_in(client, username, password, address):
    return client.post(reverse("admin:login"), {"username": username, "password": password,
                                                "next": "/admin/"}, REMOTE_ADDR=address)


@pytest.fixture
def staff():
    return UserFactory(username="ops", is_staff=True, is_superuser=True)


def test_five_failures_lock_out_even_the_right_password(client, staff):
    statuses = [sign_in(client, "ops", "wrong", "203.0.113.7").status_code for _ in range(5)]
    locked = sign_in(client, "ops", PASSWORD, "203.0.113.7")
    assert (statuses, locked.status_code, "_auth_user_id" in client.session) == ([200] * 4 + [429], 429, False)
    assert "Too many failed sign-ins for this user name from your address. Try again in 15 minutes" in (
        locked.content.decode())


def test_four_failures_then_the_right_password_signs_in(client, staff):
    for _ in range(4):
        sign_in(client, "ops", "wrong", "203.0.113.7")
    response = sign_in(client, "ops", PASSWORD, "203.0.113.7")
    assert (response.status_code, client.session["_auth_user_id"]) == (302, str(staff.pk))


def test_failures_from_elsewhere_do_not_lock_the_person_out_of_their_own_address(client, staff):
    for _ in range(6):
        sign_in(client, "ops", "wrong", "198.51.100.9")
    response = sign_in(client, "ops", PASSWORD, "203.0.113.7")
    assert (response.status_code, client.session["_auth_user_id"]) == (302, str(staff.pk))


def test_failures_for_another_user_name_do_not_lock_this_one(client, staff):
    for _ in range(6):
        sign_in(client, "someone-else", "wrong", "203.0.113.7")
    assert sign_in(client, "ops", PASSWORD, "203.0.113.7").status_code == 302


def test_the_client_address_is_the_socket_address_without_trusted_proxies(rf):
    request = rf.get("/", REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert axes_client_address(request) == "203.0.113.7"
