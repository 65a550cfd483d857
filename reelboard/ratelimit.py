"""Per-token and per-IP rate limits on the API (django-ratelimit counters in the cache: Redis in production),
and ``client_address``, the one place that decides a request's client address.

Fixed windows: ``RATELIMIT_PER_TOKEN`` for requests carrying a bearer token (counted per token, keyed
by its hash) and ``RATELIMIT_PER_IP`` for every request (per client address, IPv6 per /64). Each limit
is counted on its own: a counter that cannot be read skips that limit only. Only a cache outage (Redis
unreachable: ``OSError`` or ``RedisError``) is tolerated, with a warning: the API keeps answering while
Redis is down rather than failing every request. Any other exception is a bug and is raised.

The client address never raises and cannot be chosen by the client: with ``RATELIMIT_TRUSTED_PROXIES = 0``
it is the socket address; with n proxies in front of the application it is the n-th address from the
right of ``X-Forwarded-For`` (each proxy appends the address it received the request from, so everything
further left was written by the client). A header with fewer entries or a malformed entry falls back to
the socket address, which a client cannot forge either.
"""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from marketing.auth import bearer_token
from marketing.models import hash_token

logger = logging.getLogger(__name__)

# What a cache that cannot be reached raises (socket errors are OSError; redis-py wraps them in RedisError).
CACHE_OUTAGES = (OSError, RedisError)
IPV6_RATE_LIMIT_PREFIX = 64  # one client usually holds a whole /64


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, in canonical text form ("" when unknown).

    Reads ``settings.RATELIMIT_TRUSTED_PROXIES`` (see the module docstring). Used by the API rate limits
    and by anything else that must tell clients apart by address (e.g. login throttling).
    """
    remote = _canonical(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.RATELIMIT_TRUSTED_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(hops) < proxies or hops == [""]:
        return remote
    return _canonical(hops[-proxies]) or remote


def _canonical(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return ""


def _address_key(group: str, request: HttpRequest) -> str:
    address = client_address(request)
    if ":" in address:
        return str(ipaddress.ip_network(f"{address}/{IPV6_RATE_LIMIT_PREFIX}", strict=False).network_address)
    return address or "unknown"  # no address (a Unix socket): one shared counter, not none


def _token_key(group: str, request: HttpRequest) -> str:
    return hash_token(bearer_token(request) or "")


def retry_after_seconds(request: HttpRequest) -> int | None:
    """Count this request; return the seconds to wait if the caller is over a limit, else ``None``."""
    if not settings.RATELIMIT_ENABLE:
        return None
    checks = [("api-ip", _address_key, settings.RATELIMIT_PER_IP)]
    if bearer_token(request) is not None:
        checks.append(("api-token", _token_key, settings.RATELIMIT_PER_TOKEN))
    wait = None
    for group, key, rate in checks:
        try:
            usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
        except CACHE_OUTAGES as error:  # serve without this limit rather than fail every request
            logger.warning("rate limit %s not enforced: the cache is unreachable (%s)", group, type(error).__name__)
            continue
        if usage is not None and usage["should_limit"]:
            wait = max(wait or 0, max(int(usage["time_left"]), 1))
    return wait
