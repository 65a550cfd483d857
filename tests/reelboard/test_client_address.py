"""Issue 15, item 1: the client address behind proxies, and rate limits a malformed address cannot switch off."""

import json
import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory

from reelboard import ratelimit
from reelboard.ratelimit import client_address, retry_after_seconds
from tests.factories import make_token
from tests.marketing.test_security import manage

pytestmark = pytest.mark.django_db
QUERY = json.dumps({"query": "{ brands { totalCount } }"})


def _request(remote="192.0.2.10", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/graphql", **extra)


@pytest.mark.parametrize(("proxies", "remote", "forwarded", "expected"), [
    (0, "192.0.2.10", "203.0.113.7, 10.0.0.1", "192.0.2.10"),  # no proxy trusted: the header is ignored
    (1, "192.0.2.10", "203.0.113.7, 10.0.0.1", "10.0.0.1"),  # the address our one proxy saw
    (2, "192.0.2.10", "203.0.113.7, 10.0.0.1", "203.0.113.7"),
    (2, "192.0.2.10", "198.51.100.1,203.0.113.7 ,  10.0.0.1", "203.0.113.7"),  # a client's own entry is left of it
    (3, "192.0.2.10", "203.0.113.7, 10.0.0.1", "192.0.2.10"),  # fewer hops than proxies: the socket address
    (1, "192.0.2.10", None, "192.0.2.10"),
    (1, "192.0.2.10", "", "192.0.2.10"),
    (1, "192.0.2.10", "x", "192.0.2.10"),  # not an address: the socket address
    (1, "192.0.2.10", "203.0.113.7, 999.1.1.1", "192.0.2.10"),
    (1, "192.0.2.10", "2001:DB8::0:1", "2001:db8::1"),  # canonical form
    (0, "", None, ""),  # a Unix socket: no address
    (0, "not-an-ip", None, ""),
])
def test_client_address(settings, proxies, remote, forwarded, expected):
    settings.RATELIMIT_TRUSTED_PROXIES = proxies
    assert client_address(_request(remote, forwarded)) == expected


def _post(raw, **extra):
    return Client().post("/graphql", data=QUERY, content_type="application/json",
                         HTTP_AUTHORIZATION=f"Bearer {raw}", **extra).status_code


@pytest.mark.parametrize("forwarded", ["203.0.113.7, 10.0.0.1", "x", None])
def test_a_malformed_or_missing_forwarded_for_does_not_switch_the_token_limit_off(brand, settings, forwarded):
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_TOKEN, settings.RATELIMIT_PER_IP = True, "2/h", "1000/h"
    settings.RATELIMIT_TRUSTED_PROXIES = 1
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"  # what the earlier README recommended behind a proxy
    _, raw = make_token(brand=brand)
    extra = {} if forwarded is None else {"HTTP_X_FORWARDED_FOR": forwarded}
    assert [_post(raw, REMOTE_ADDR=_ip(), **extra) for _ in range(4)] == [200, 200, 429, 429]


def _ip() -> str:
    return "10." + ".".join(str(secrets.randbelow(250) + 1) for _ in range(3))


def test_a_spoofed_forwarded_for_does_not_give_a_fresh_address_per_request(brand, settings):
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_IP = True, "2/h"
    settings.RATELIMIT_TRUSTED_PROXIES = 1
    proxy, client = "10.9.9.9", _ip()  # our proxy appends the address it saw after what the client sent

    def anonymous(spoofed):
        return Client().post("/graphql", data=QUERY, content_type="application/json", REMOTE_ADDR=proxy,
                             HTTP_X_FORWARDED_FOR=f"{spoofed}, {client}").status_code

    assert [anonymous(f"198.51.100.{n}") for n in range(1, 4)] == [200, 200, 429]


def test_without_trusted_proxies_the_forwarded_for_header_is_ignored(brand, settings):
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_IP = True, "2/h"
    settings.RATELIMIT_TRUSTED_PROXIES = 0
    remote = _ip()

    def anonymous(n):
        return Client().post("/graphql", data=QUERY, content_type="application/json", REMOTE_ADDR=remote,
                             HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code

    assert [anonymous(n) for n in range(1, 4)] == [200, 200, 429]


def test_the_token_limit_holds_when_only_the_address_counter_is_unreachable(brand, settings, monkeypatch):
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_TOKEN, settings.RATELIMIT_PER_IP = True, "2/h", "1000/h"
    real = ratelimit.get_usage

    def address_counter_down(request, *, group, **kwargs):
        if group == "api-ip":
            raise ConnectionError("redis is down")
        return real(request, group=group, **kwargs)

    monkeypatch.setattr("reelboard.ratelimit.get_usage", address_counter_down)
    _, raw = make_token(brand=brand)
    assert [_post(raw, REMOTE_ADDR=_ip()) for _ in range(3)] == [200, 200, 429]


def test_only_a_cache_outage_fails_open(brand, settings, monkeypatch):
    settings.RATELIMIT_ENABLE = True

    def broken(*args, **kwargs):
        raise ImproperlyConfigured("not a cache outage")

    monkeypatch.setattr("reelboard.ratelimit.get_usage", broken)
    with pytest.raises(ImproperlyConfigured):
        retry_after_seconds(_request())


def test_the_retired_ip_meta_key_setting_is_refused_at_start_with_its_replacement():
    result = manage("check", RATELIMIT_IP_META_KEY="HTTP_X_FORWARDED_FOR")
    assert result.returncode == 1
    assert ("RATELIMIT_IP_META_KEY is retired: set RATELIMIT_TRUSTED_PROXIES to the number of proxies in front of "
            "the application (1 behind one load balancer)") in result.stderr


def test_the_retired_ip_meta_key_setting_is_accepted_with_its_default_value():
    result = manage("check", RATELIMIT_IP_META_KEY="REMOTE_ADDR")
    assert (result.returncode, result.stdout.strip()) == (0, "System check identified no issues (0 silenced).")


@pytest.mark.parametrize("retired", ["KPI_MIN_GROUP_SIZE", "PERSONA_MIN_SIZE"])
def test_the_two_retired_privacy_thresholds_are_refused_at_start_with_their_replacement(retired):
    result = manage("check", **{retired: "10"})
    assert result.returncode == 1
    assert (f"{retired} is retired: set PRIVACY_MIN_GROUP_SIZE, the one privacy threshold for demographic groups "
            "and personas alike") in result.stderr


def test_a_retired_privacy_threshold_equal_to_the_one_in_force_is_accepted():
    result = manage("check", PERSONA_MIN_SIZE="30", PRIVACY_MIN_GROUP_SIZE="30")
    assert (result.returncode, result.stdout.strip()) == (0, "System check identified no issues (0 silenced).")
