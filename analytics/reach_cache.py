"""Caching reach numbers under the brand's rollup generation.

Reach is the expensive part of a KPI read (unions of thousands of viewer sets for a breakdown by
video). Its inputs are only the rollup tables, and every write to those bumps the brand's
``RollupGeneration`` in the same transaction, so a value cached under (brand, generation, scope,
period, dimension) is exact for as long as it can be found: no expiry-based staleness. Everything
else in a KPI answer (sums, spend, labels) is read fresh.

The cache is Django's (Redis in production, local memory embedded). A cache outage never fails a
read: it is logged and the value is computed.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.core.cache import cache
from django.db.models import F

from analytics.models import RollupGeneration

logger = logging.getLogger(__name__)


def bump(*, brand_id: int) -> None:
    """Mark the brand's rollups changed (call inside the transaction that changes them)."""
    updated = RollupGeneration.objects.filter(brand_id=brand_id).update(generation=F("generation") + 1)
    if not updated:
        # A random start: a brand id reused after a delete (SQLite can) never meets its predecessor's keys.
        RollupGeneration.objects.get_or_create(brand_id=brand_id, defaults={"generation": secrets.randbits(62)})


def generation(*, brand_id: int) -> int | None:
    """The brand's current generation; None before its rollups were ever written (nothing is cached)."""
    return RollupGeneration.objects.filter(brand_id=brand_id).values_list("generation", flat=True).first()


_LOOK_UP = object()


def cached(*, brand_id: int, kind: str, campaign_ids: list[int] | None, first: date, last: date,
           compute: Callable[[], object], current=_LOOK_UP):
    """``compute()``, or its value cached for this brand generation, scope, period and ``kind``.

    ``current`` is the brand's generation if the caller has read it already (one read for the several
    reach values of a query); by default it is looked up.
    """
    seconds = settings.KPI_REACH_CACHE_SECONDS
    if current is _LOOK_UP:
        current = generation(brand_id=brand_id) if seconds > 0 else None
    if current is None or seconds <= 0:
        return compute()
    scope = "all" if campaign_ids is None else ",".join(str(pk) for pk in sorted(campaign_ids))
    key = f"kpi-reach:v1:{brand_id}:{current}:{kind}:{scope}:{first}:{last}"
    try:
        value = cache.get(key)
    except Exception:
        logger.warning("reach cache unavailable; computing", exc_info=True)
        return compute()
    if value is not None:
        return value
    value = compute()
    try:
        cache.set(key, value, seconds)
    except Exception:
        logger.warning("reach cache unavailable; not stored", exc_info=True)
    return value
