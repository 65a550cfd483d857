"""Per-token and per-IP rate limits on the API (django-ratelimit counters in the cache: Redis in production).

Fixed windows: ``RATELIMIT_PER_TOKEN`` for requests carrying a bearer token (counted per token, keyed
by its hash) and ``RATELIMIT_PER_IP`` for every request (per client address, ``RATELIMIT_IP_META_KEY``).
When the cache is unreachable the limits are not enforced (and a warning is logged): the API keeps
answering while Redis is down rather than failing every request.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from marketing.auth import bearer_token
from marketing.models import hash_token

logger = logging.getLogger(__name__)


def _token_key(group: str, request: HttpRequest) -> str:
    return hash_token(bearer_token(request) or "")


def retry_after_seconds(request: HttpRequest) -> int | None:
    """Count this request; return the seconds to wait if the caller is over a limit, else ``None``."""
    if not settings.RATELIMIT_ENABLE:
        return None
    checks = [("api-ip", "ip", settings.RATELIMIT_PER_IP)]
    if bearer_token(request) is not None:
        checks.append(("api-token", _token_key, settings.RATELIMIT_PER_TOKEN))
    wait = None
    for group, key, rate in checks:
        try:
            usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
        except Exception:  # the cache (Redis) is down: serve without limits rather than fail
            logger.warning("rate limit not enforced: the cache is unreachable", exc_info=True)
            return None
        if usage is not None and usage["should_limit"]:
            wait = max(wait or 0, max(int(usage["time_left"]), 1))
    return wait
