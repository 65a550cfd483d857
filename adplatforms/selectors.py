"""Reads of ad-platform data, brand-scoped where they serve an API."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from marketing.models import CampaignSpend, SpendSource


def effective_spend(campaign, date_from: date, date_to: date) -> dict[date, Decimal]:
    """Spend of ``campaign`` per day from ``date_from`` to ``date_to`` (inclusive, the brand's reporting days).

    A day with platform-synced spend is the sum over its ad accounts; the manual entry of such a day is
    overridden (not summed). A day with only a manual entry keeps it. Days without spend are absent.
    """
    campaign_id = getattr(campaign, "pk", campaign)
    platform: dict[date, Decimal] = defaultdict(Decimal)
    manual: dict[date, Decimal] = {}
    rows = CampaignSpend.objects.filter(campaign_id=campaign_id, date__gte=date_from, date__lte=date_to).values_list(
        "date", "source", "amount")
    for day, source, amount in rows:
        if source == SpendSource.PLATFORM:
            platform[day] += amount
        else:
            manual[day] = amount
    return dict(sorted({**manual, **platform}.items()))


def overridden_manual_days(campaign, date_from: date, date_to: date) -> set[date]:
    """Days whose manual spend entry is overridden by platform spend (shown as such in the admin)."""
    campaign_id = getattr(campaign, "pk", campaign)
    qs = CampaignSpend.objects.filter(campaign_id=campaign_id, date__gte=date_from, date__lte=date_to)
    platform_days = set(qs.filter(source=SpendSource.PLATFORM).values_list("date", flat=True))
    return platform_days & set(qs.filter(source=SpendSource.MANUAL).values_list("date", flat=True))
