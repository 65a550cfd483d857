"""Read paths for platform-reported KPIs and their reconciliation with Reelboard's own numbers.

Platform KPIs (``analytics.kpis.PLATFORM_KPIS``) come from the campaign-level rows of
``adplatforms.PlatformDailyStat`` mapped to the campaign, counted on the brand's reporting day
(``report_date``), one set per ad platform: the platforms define plays and effective plays
differently, so their numbers are shown side by side, never added up. Ad group and ad rows are
finer cuts of the same delivery and are not added to the campaign rows.

The reconciliation puts, per campaign and brand day, the ad platforms' impressions, plays and
clicks (summed over the ad platforms feeding the campaign) next to the first-party impressions,
views and clicks of the daily rollups, with the difference in percent of the first-party number.
A large gap says tracking is broken (or the platform counts something else: see the docs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, F, FloatField, Q, Sum, When

from adplatforms.models import AdPlatform, PlatformDailyStat, ReportLevel
from analytics.kpis import PLATFORM_KPIS, PLATFORM_SUMS, KpiValue, compute_platform, kpi_values, ratio
from analytics.models import DailyRollup

_COLUMNS = [name for name in PLATFORM_SUMS if name not in ("play_time_s", "timed_plays")]


@dataclass(frozen=True)
class PlatformKpis:
    """One ad platform's KPIs of some campaigns over a period (None = not reported by that platform)."""

    ad_platform: str
    sums: dict
    kpis: dict


def _campaign_rows(*, brand_id: int, campaign_ids: list[int] | None, date_from: date, date_to: date):
    """Campaign-level stat rows of the brand's ad accounts (of some campaigns: ``campaign_ids``, or all)."""
    rows = PlatformDailyStat.objects.filter(ad_account__brand_id=brand_id, level=ReportLevel.CAMPAIGN,
                                            report_date__gte=date_from, report_date__lte=date_to)
    return rows if campaign_ids is None else rows.filter(campaign_id__in=campaign_ids)


def platform_kpis(*, brand_id: int, campaign_ids: list[int] | None, date_from: date,
                  date_to: date) -> list[PlatformKpis]:
    """Per ad platform that reported in the period (in AdPlatform order), its KPIs: of the campaigns
    ``campaign_ids``, or (None) of every campaign-level row of the brand's ad accounts, mapped or not."""
    timed = Q(avg_play_time_s__isnull=False, plays__isnull=False)
    rows = (_campaign_rows(brand_id=brand_id, campaign_ids=campaign_ids, date_from=date_from, date_to=date_to)
            .values(ad_platform=F("ad_account__ad_platform"))
            # prefixed names: an annotation named like a column would shadow it in the expressions below
            .annotate(**{f"sum_{name}": Sum(name) for name in _COLUMNS},
                      sum_play_time_s=Sum(Case(When(timed, then=F("avg_play_time_s") * F("plays")),
                                               output_field=FloatField())),
                      sum_timed_plays=Sum(Case(When(timed, then=F("plays")))))
            .order_by())
    by_platform = {row["ad_platform"]: {name: row[f"sum_{name}"] for name in PLATFORM_SUMS} for row in rows}
    return [PlatformKpis(ad_platform=value, sums=by_platform[value], kpis=compute_platform(by_platform[value]))
            for value in AdPlatform.values if value in by_platform]


@dataclass(frozen=True)
class AdPlatformKpiValues:
    """One ad platform's KPIs as it reports them (source ``platform``), as (kpi, value) pairs."""

    ad_platform: str
    values: list[KpiValue]
    source: str = "platform"


def platform_kpi_values(*, brand_id: int, campaign_ids: list[int] | None, date_from: date, date_to: date,
                        kpis: list[str] | None = None) -> list[AdPlatformKpiValues]:
    """``platform_kpis`` as the platform KPIs ``kpis`` (every one, in dictionary order, when None or empty)."""
    names = kpis or [kpi.name for kpi in PLATFORM_KPIS]
    return [AdPlatformKpiValues(ad_platform=row.ad_platform, values=kpi_values(row.kpis, names))
            for row in platform_kpis(brand_id=brand_id, campaign_ids=campaign_ids, date_from=date_from,
                                     date_to=date_to)]


@dataclass(frozen=True)
class ReconciliationRow:
    day: date
    platform_impressions: int | None
    first_party_impressions: int
    impressions_difference: Decimal | None  # (platform − first party) / first party; None when undefined
    platform_plays: int | None
    first_party_plays: int
    plays_difference: Decimal | None
    platform_clicks: int | None
    first_party_clicks: int
    clicks_difference: Decimal | None


def difference(platform: int | None, first_party: int) -> Decimal | None:
    """(platform − first party) / first party as a fraction (0.25 = the platform counts 25 % more)."""
    if platform is None:
        return None
    return ratio(platform - first_party, first_party)


def reconciliation(*, brand_id: int, campaign_ids: list[int] | None, date_from: date,
                   date_to: date) -> list[ReconciliationRow]:
    """One row per brand day of the period: platform-reported against first-party counts, of some
    campaigns or (None) of the whole brand."""
    platform = {row["report_date"]: row for row in (
        _campaign_rows(brand_id=brand_id, campaign_ids=campaign_ids, date_from=date_from, date_to=date_to)
        .values("report_date").annotate(impressions=Sum("impressions"), plays=Sum("plays"), clicks=Sum("clicks"))
        .order_by())}
    ours = DailyRollup.objects.filter(brand_id=brand_id, day__gte=date_from, day__lte=date_to)
    if campaign_ids is not None:
        ours = ours.filter(campaign_id__in=campaign_ids)
    first_party = {row["day"]: row for row in (
        ours
        .values("day").annotate(impressions=Sum("impressions"), views=Sum("views"), clicks=Sum("clicks"))
        .order_by())}
    rows = []
    day = date_from
    while day <= date_to:
        ours = first_party.get(day, {})
        theirs = platform.get(day, {})
        fp_impressions, fp_plays, fp_clicks = (ours.get("impressions") or 0, ours.get("views") or 0,
                                               ours.get("clicks") or 0)
        rows.append(ReconciliationRow(
            day=day,
            platform_impressions=theirs.get("impressions"), first_party_impressions=fp_impressions,
            impressions_difference=difference(theirs.get("impressions"), fp_impressions),
            platform_plays=theirs.get("plays"), first_party_plays=fp_plays,
            plays_difference=difference(theirs.get("plays"), fp_plays),
            platform_clicks=theirs.get("clicks"), first_party_clicks=fp_clicks,
            clicks_difference=difference(theirs.get("clicks"), fp_clicks),
        ))
        day += timedelta(days=1)
    return rows
