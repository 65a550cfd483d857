"""Budget pacing: is a campaign spending its budget at the rate its flight needs?

Pure functions first (no database, no clock: every input is an argument), then the selectors that
feed them from the database.

- **Lifetime budget** (straight line): by the moment ``now`` the campaign should have spent
  ``budget_lifetime × elapsed / flight``, where ``flight`` runs from ``starts_at`` to ``ends_at``.
  A campaign without an end date has no straight line; its daily budget paces it.
- **Daily budget**: by ``now`` the campaign should have spent ``budget_daily × elapsed days``
  (fractional: half of today counts as half a day).
- **Status**: ``ratio = spend to date / expected``; below ``PACING_UNDER_RATIO`` (0.8) it is
  under-pacing, above ``PACING_OVER_RATIO`` (1.2) over-pacing, else on track. The lifetime line decides
  when the campaign has one, the daily line otherwise.
- **Daily cap reached early**: today's spend reached the daily budget before
  ``PACING_DAILY_CAP_HOUR`` (18:00) of the brand's day: the ads stop for the rest of the day.
- **Projection**: spend to date extrapolated at the same rate to the end of the flight.

Money is a ``Decimal`` with 2 places in the campaign's currency; ratios have 6 places.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from adplatforms.selectors import effective_spend
from analytics.kpis import CENT, ratio
from marketing.models import Campaign, CampaignStatus

DAY = timedelta(days=1)


class PacingStatus(enum.StrEnum):
    ON_TRACK = "on_track"
    UNDER_PACING = "under_pacing"
    OVER_PACING = "over_pacing"


STATUS_LABELS = {PacingStatus.ON_TRACK: _("On track"), PacingStatus.UNDER_PACING: _("Under-pacing"),
                 PacingStatus.OVER_PACING: _("Over-pacing")}


@dataclass(frozen=True)
class Pacing:
    """A campaign's pacing at one moment (money in the campaign's currency)."""

    campaign_id: int
    currency: str
    day: date  # the brand's current day
    spend_to_date: Decimal
    spend_today: Decimal
    budget_lifetime: Decimal | None
    budget_daily: Decimal | None
    expected_lifetime: Decimal | None  # straight line by now; None without a lifetime budget and an end
    expected_daily: Decimal | None  # daily budget × elapsed days; None without a daily budget
    ratio: Decimal | None  # spend to date / the deciding expected spend; None when that is 0
    status: PacingStatus
    daily_cap_hit_early: bool
    projected_spend: Decimal | None  # at the end of the flight, at the rate so far; None without an end
    elapsed_share: Decimal | None  # share of the flight elapsed (0..1); None without an end


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def elapsed_share(*, starts_at: datetime, ends_at: datetime | None, now: datetime) -> Decimal | None:
    """Share of the flight elapsed at ``now``, clamped to 0..1; None for an open-ended flight."""
    if ends_at is None:
        return None
    flight = (ends_at - starts_at).total_seconds()
    elapsed = min(max((now - starts_at).total_seconds(), 0.0), flight)
    return ratio(Decimal(str(elapsed)), Decimal(str(flight)))


def elapsed_days(*, starts_at: datetime, ends_at: datetime | None, now: datetime) -> Decimal:
    """Days of the flight elapsed at ``now`` (fractional, never past the end)."""
    until = now if ends_at is None else min(now, ends_at)
    seconds = max((until - starts_at).total_seconds(), 0.0)
    return Decimal(str(seconds)) / Decimal(86_400)


def pacing_status(spend_to_date: Decimal, expected: Decimal | None, *, under: float, over: float) -> tuple[
        Decimal | None, PacingStatus]:
    """The ratio of spend to the expected spend and its status under the two thresholds."""
    if expected is None or expected == 0:
        # Nothing should have been spent yet: any spend is ahead of the line.
        return None, PacingStatus.OVER_PACING if spend_to_date > 0 else PacingStatus.ON_TRACK
    value = ratio(spend_to_date, expected)
    if value < Decimal(str(under)):
        return value, PacingStatus.UNDER_PACING
    if value > Decimal(str(over)):
        return value, PacingStatus.OVER_PACING
    return value, PacingStatus.ON_TRACK


def daily_cap_hit_early(*, spend_today: Decimal, budget_daily: Decimal | None, local_now: datetime,
                        cap_hour: int) -> bool:
    """Today's spend reached the daily budget before ``cap_hour`` o'clock of the brand's day."""
    if budget_daily is None or budget_daily <= 0:
        return False
    return spend_today >= budget_daily and local_now.hour < cap_hour


def compute_pacing(*, campaign_id: int, currency: str, starts_at: datetime, ends_at: datetime | None,
                   budget_lifetime: Decimal | None, budget_daily: Decimal | None, spend_to_date: Decimal,
                   spend_today: Decimal, now: datetime, zone: ZoneInfo, under: float, over: float,
                   cap_hour: int) -> Pacing:
    """Pacing of one campaign from its flight, budgets and spend; pure (``now`` is aware)."""
    share = elapsed_share(starts_at=starts_at, ends_at=ends_at, now=now)
    expected_lifetime = None
    if budget_lifetime is not None and share is not None:
        expected_lifetime = _money(budget_lifetime * share)
    expected_daily = None
    if budget_daily is not None:
        expected_daily = _money(budget_daily * elapsed_days(starts_at=starts_at, ends_at=ends_at, now=now))
    deciding = expected_lifetime if expected_lifetime is not None else expected_daily
    value, status = pacing_status(spend_to_date, deciding, under=under, over=over)
    projected = None
    if share is not None and share > 0:
        projected = _money(spend_to_date / share)
    local_now = now.astimezone(zone)
    return Pacing(
        campaign_id=campaign_id, currency=currency, day=local_now.date(), spend_to_date=_money(spend_to_date),
        spend_today=_money(spend_today), budget_lifetime=budget_lifetime, budget_daily=budget_daily,
        expected_lifetime=expected_lifetime, expected_daily=expected_daily, ratio=value, status=status,
        daily_cap_hit_early=daily_cap_hit_early(spend_today=spend_today, budget_daily=budget_daily,
                                                local_now=local_now, cap_hour=cap_hour),
        projected_spend=projected, elapsed_share=share,
    )


# --- selectors ---------------------------------------------------------------------------------

def spend_by_day(campaign: Campaign, date_from: date, date_to: date) -> dict[date, Decimal]:
    """The campaign's spend per brand day over an inclusive range (the one place pacing reads spend):
    platform-synced spend where an ad platform reported the day, else the manual entry."""
    return effective_spend(campaign, date_from, date_to)


def pacing_campaigns(*, brand=None):
    """Active campaigns with a budget (of one brand, or all), with their brand."""
    rows = (Campaign.objects.filter(status=CampaignStatus.ACTIVE)
            .exclude(budget_lifetime__isnull=True, budget_daily__isnull=True).select_related("brand"))
    return rows if brand is None else rows.filter(brand=brand)


def campaign_pacing(campaign: Campaign, *, now: datetime) -> Pacing | None:
    """Pacing of one campaign at ``now``; None unless it is active and has a budget."""
    if campaign.status != CampaignStatus.ACTIVE or (campaign.budget_lifetime is None and
                                                     campaign.budget_daily is None):
        return None
    zone = ZoneInfo(campaign.brand.reporting_timezone)
    today = now.astimezone(zone).date()
    first_day = campaign.starts_at.astimezone(zone).date()
    spend = spend_by_day(campaign, first_day, today) if first_day <= today else {}
    return compute_pacing(
        campaign_id=campaign.pk, currency=campaign.currency, starts_at=campaign.starts_at, ends_at=campaign.ends_at,
        budget_lifetime=campaign.budget_lifetime, budget_daily=campaign.budget_daily,
        spend_to_date=sum(spend.values(), Decimal("0")), spend_today=spend.get(today, Decimal("0")), now=now,
        zone=zone, under=settings.PACING_UNDER_RATIO, over=settings.PACING_OVER_RATIO,
        cap_hour=settings.PACING_DAILY_CAP_HOUR,
    )
