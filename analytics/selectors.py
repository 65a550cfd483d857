"""Read paths for campaign KPIs: totals, series, breakdowns, comparisons, overviews, top videos.

Every selector takes a brand (for its reporting time zone) and the campaign ids the caller may read
(``None`` = the whole brand, including interactions outside any campaign). Additive KPIs come from
the daily rollups; reach (unique viewers) is exact: the size of the union of the viewer sets
(Roaring bitmaps, ``analytics.reach``) stored per campaign day (``DailyReach``: totals, series, campaigns)
and per video over aligned blocks of days (``VideoReachBlock``, ``analytics.reach_blocks``: video and
platform breakdowns union the few blocks that cover the period, not one set per day). Demographic breakdowns
count distinct viewers over the per-viewer daily rollups, which carry their sums; spend comes from
``CampaignSpend``. Date ranges are inclusive days of the brand's reporting time zone. No selector
reads the raw interactions.

Privacy rule (demographic breakdowns): a group (gender, age band, region or persona of the brand's
active persona model; "unknown" when the viewer has none) whose distinct viewers in the period number fewer than
``settings.PRIVACY_MIN_GROUP_SIZE`` (default 20) is never shown. All such groups are merged into one
"other" row (key ``other_groups``). Because "other" equals the totals minus the shown groups, it
must itself reach the threshold: if it does not, the smallest shown groups are moved into it until
it does; if the whole audience is below the threshold no row is shown and
``Breakdown.suppressed_viewers`` is set. Breakdowns by video, platform and day describe content,
not people, and are shown whole.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

import psycopg
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import CharField, Count, FilteredRelation, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

from analytics import reach, reach_blocks, reach_cache, set_cache
from analytics.kpis import BY_NAME, KPIS, ROLLUP_SUMS, KpiValue, change, compute_all, empty_sums, kpi_values
from analytics.models import (
    DailyReach,
    DailyViewerRollup,
    KpiReport,
    SparseReachBlock,
    StaleReachBlock,
    VideoReachBlock,
)
from analytics.personas.models import Persona, PersonaModel
from analytics.personas.profiles import localized_label
from analytics.privacy import privacy_min_group_size
from analytics.trained.models import TrainingStatus
from marketing.models import AgeBand, Brand, Campaign, CampaignSpend, Gender, Platform, Video
from reelboard.db_router import lag_tolerant


class Granularity(enum.StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class BreakdownBy(enum.StrEnum):
    VIDEO = "video"
    PLATFORM = "platform"
    DAY = "day"
    GENDER = "gender"
    AGE_BAND = "age_band"
    REGION = "region"
    PERSONA = "persona"


DEMOGRAPHIC = {BreakdownBy.GENDER: "viewer__gender", BreakdownBy.AGE_BAND: "viewer__age_band",
               BreakdownBy.REGION: "viewer__region", BreakdownBy.PERSONA: "assignment__persona_id"}
DEMOGRAPHIC_LABELS = {BreakdownBy.GENDER: dict(Gender.choices), BreakdownBy.AGE_BAND: dict(AgeBand.choices)}
OTHER = "other_groups"  # not "other": that is a Gender value
UNKNOWN = "unknown"  # viewers without the attribute
MAX_PERIOD_DAYS = 731  # the longest date range a KPI read accepts (GraphQL and the dashboards)


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date

    def __post_init__(self):
        if self.date_to < self.date_from:
            raise ValueError("date_to is before date_from")

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    def previous(self) -> Period:
        """The period of equal length that ends the day before this one starts."""
        return Period(self.date_from - timedelta(days=self.days), self.date_from - timedelta(days=1))


@dataclass
class KpiRow:
    key: str
    label: str
    kpis: dict
    sums: dict = field(repr=False, default_factory=dict)


@dataclass
class Breakdown:
    rows: list[KpiRow]
    suppressed_viewers: bool = False  # the whole audience was under the threshold: no group is shown


# --- building blocks ----------------------------------------------------------------------------

def _rollups(model, *, brand: Brand, campaign_ids, period: Period) -> QuerySet:
    rows = model.objects.filter(brand=brand, day__gte=period.date_from, day__lte=period.date_to)
    return rows if campaign_ids is None else rows.filter(campaign_id__in=campaign_ids)


def _viewers(*, brand: Brand, campaign_ids, period: Period) -> QuerySet:
    """Per-viewer daily rows: the source of demographic breakdowns."""
    return _rollups(DailyViewerRollup, brand=brand, campaign_ids=campaign_ids, period=period)


def _day_sets(*, brand: Brand, campaign_ids, period: Period) -> QuerySet:
    """(day, viewer set) rows of the scope: one per campaign (or outside campaigns) and day."""
    return _rollups(DailyReach, brand=brand, campaign_ids=campaign_ids, period=period)


def _video_blocks(*, brand: Brand, campaign_ids, period: Period, days_only: bool = False) -> tuple[QuerySet, set]:
    """The scope's per-video rows over the fewest stored blocks (neither stale nor sparse) that cover the
    period, and those blocks; ``days_only``: over its days (level 0)."""
    if days_only:
        covering = [(0, period.date_from + timedelta(days=offset)) for offset in range(period.days)]
    else:
        stale = set(StaleReachBlock.objects.filter(brand=brand, start__lte=period.date_to)
                    .values_list("level", "start").union(_sparse_blocks(brand=brand, period=period), all=True))
        covering = reach_blocks.cover(period.date_from, period.date_to, stale)
    starts: dict[int, list[date]] = {}
    for level, start in covering:
        starts.setdefault(level, []).append(start)
    blocks = Q()
    for level, days in starts.items():
        blocks |= Q(level=level, start__in=days)
    rows = VideoReachBlock.objects.filter(blocks, brand=brand)
    return (rows if campaign_ids is None else rows.filter(campaign_id__in=campaign_ids)), set(covering)


def _sparse_blocks(*, brand: Brand, period: Period) -> QuerySet:
    """(level, start) of the brand's sparse blocks that start in the period (the only ones a cover can use)."""
    return SparseReachBlock.objects.filter(brand=brand, start__gte=period.date_from,
                                           start__lte=period.date_to).values_list("level", "start")


def _video_block_parts(*, brand: Brand, campaign_ids, period: Period, key: str) -> list[tuple]:
    """``_block_parts`` of the blocks that cover the period, read again if one of them turned sparse meanwhile.

    A rebuild that commits between listing the sparse blocks and reading the rows may have found a block
    sparse and removed its rows: the rows read would then miss its viewers. A block turns sparse only in a
    rebuild and stays so until the next one, so listing the sparse blocks again after the rows tells.
    """
    for _attempt in range(3):
        rows, covering = _video_blocks(brand=brand, campaign_ids=campaign_ids, period=period)
        parts = _block_parts(rows, key)
        if all(level == 0 for level, _ in covering) or not covering & set(_sparse_blocks(brand=brand, period=period)):
            return parts
    return _block_parts(_video_blocks(brand=brand, campaign_ids=campaign_ids, period=period, days_only=True)[0], key)


def _block_parts(rows: QuerySet, key: str) -> list[tuple]:
    """``(key value, sums, viewer set)`` of each ``VideoReachBlock`` row of ``rows``; sums in ``ROLLUP_SUMS`` order.

    On PostgreSQL the sets and sums come from the process's set cache (``analytics.set_cache``) where it
    holds them, and the rest are fetched in binary (a 30-day breakdown by video moves megabytes of
    ``bytea``; their hex text form took 2.3x as long to send and decode). Rows are never updated in place,
    so (id, xmin) names one content for good; a row replaced between the two queries (a block rebuild)
    is looked up again.
    """
    cache = set_cache.block_sets() if connection.vendor == "postgresql" else None
    if cache is not None:
        for _attempt in range(3):
            refs = _fetch(rows.annotate(version=_XMIN).values_list("pk", "version", key).order_by())
            found = cache.get_many((pk, version) for pk, version, _ in refs)
            missing = [pk for pk, version, _ in refs if (pk, version) not in found]
            if missing:
                for pk, version, blob, *sums in _fetch(VideoReachBlock.objects.filter(pk__any=missing).annotate(
                        version=_XMIN).values_list("pk", "version", "viewers", *ROLLUP_SUMS).order_by()):
                    entry = (reach.load_frozen(blob), tuple(sums))
                    cache.put((pk, version), entry, len(blob) + 8 * len(sums))
                    found[(pk, version)] = entry
            if all((pk, version) in found for pk, version, _ in refs):
                return [(group, found[(pk, version)][1], found[(pk, version)][0]) for pk, version, group in refs]
        # replaced under us three times running (rebuilds in a tight loop): read them in one query
    return [(group, sums, reach.load(blob))
            for group, blob, *sums in _fetch(rows.values_list(key, "viewers", *ROLLUP_SUMS).order_by())]


# The row version: PostgreSQL's xmin, the transaction that wrote the row.
_XMIN = RawSQL("xmin::text", (), output_field=CharField())


def _fetch(values: QuerySet) -> list[tuple]:
    """Run a ``values_list`` query, in binary on PostgreSQL (bytea as raw bytes), through Django's cursor
    wrapper (query logging and counting, execute wrappers)."""
    db = connections[values.db]  # the replica for lag-tolerant reads (reelboard.db_router)
    if db.vendor != "postgresql":
        return list(values)
    try:
        sql, params = values.query.sql_with_params()
    except EmptyResultSet:  # e.g. ``campaign_id__in=[]`` (a brand without campaigns): Django would not query
        return []
    db.ensure_connection()
    raw = psycopg.Cursor(db.connection)  # server-side binding: Django's ClientCursor has no binary mode
    raw.format = psycopg.pq.Format.BINARY
    with (db.make_debug_cursor(raw) if db.queries_logged else db.make_cursor(raw)) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _cached_reach(brand: Brand, kind: str, campaign_ids, period: Period, compute):
    return reach_cache.cached(brand_id=brand.pk, kind=kind, campaign_ids=campaign_ids, first=period.date_from,
                              last=period.date_to, compute=compute)


_REACH = Count("viewer_id", distinct=True)


def _spend(*, brand: Brand, campaign_ids, period: Period) -> QuerySet:
    rows = CampaignSpend.objects.filter(campaign__brand=brand, date__gte=period.date_from, date__lte=period.date_to)
    return rows if campaign_ids is None else rows.filter(campaign_id__in=campaign_ids)


_SUMS = {name: Sum(name, default=0) for name in ROLLUP_SUMS}


def _summed(rows) -> dict:
    """``{sum name: total}`` over rows of ``ROLLUP_SUMS`` values (tuples in that order)."""
    totals = [sum(column) for column in zip(*rows, strict=True)]
    if not totals:  # no rows: zeros (Decimal for money)
        empty = empty_sums()
        return {name: empty[name] for name in ROLLUP_SUMS}
    return dict(zip(ROLLUP_SUMS, totals, strict=True))


def _summed_by(rows) -> dict:
    """``{key: sums}`` over ``(key, *ROLLUP_SUMS)`` rows."""
    grouped: dict = {}
    for key, *sums in rows:
        grouped.setdefault(key, []).append(sums)
    return {key: _summed(group) for key, group in grouped.items()}


def _with_kpis(key: str, label: str, sums: dict) -> KpiRow:
    return KpiRow(key=key, label=label, kpis=compute_all(sums), sums=sums)


def _bucket(day: date, granularity: Granularity) -> date:
    if granularity == Granularity.WEEK:
        return day - timedelta(days=day.weekday())
    if granularity == Granularity.MONTH:
        return day.replace(day=1)
    return day


# --- selectors ------------------------------------------------------------------------------------

class KpiScope:
    """The KPIs of some campaigns (``campaign_ids=None``: the whole brand) over a period.

    Totals, series and comparison all derive from one read of the scope's campaign days (``DailyReach``:
    sums and viewer set per campaign and day) and its spend per day, made once per scope and kept: a
    GraphQL query that asks for totals, series and comparison reads them once.
    """

    def __init__(self, *, brand: Brand, campaign_ids: list[int] | None, period: Period) -> None:
        self.brand, self.campaign_ids, self.period = brand, campaign_ids, period

    @cached_property
    def _days(self) -> list[tuple]:
        """``(day, viewer set blob, *ROLLUP_SUMS, reach)`` per campaign and day."""
        return _fetch(_day_sets(brand=self.brand, campaign_ids=self.campaign_ids, period=self.period)
                      .values_list("day", "viewers", *ROLLUP_SUMS, "reach").order_by())

    def _reach(self, rows) -> int:
        """Distinct viewers of ``_days`` rows: the size of the union of their sets. Days whose sets were
        purged (retention) add their stored daily reach: exact for one day, an upper bound over several."""
        purged = self.brand.viewer_data_purged_before
        if purged is None or self.period.date_from >= purged:
            return reach.reach(row[1] for row in rows)
        kept = [row[1] for row in rows if row[0] >= purged]
        return reach.reach(kept) + sum(row[-1] for row in rows if row[0] < purged)

    @cached_property
    def _spend_by_day(self) -> dict[date, Decimal]:
        return dict(_spend(brand=self.brand, campaign_ids=self.campaign_ids, period=self.period)
                    .values("date").annotate(s=Sum("amount")).values_list("date", "s").order_by())

    @cached_property
    def _generation(self) -> int | None:
        """The brand's rollup generation, read once for the scope's reach values (None: reach cache off)."""
        return reach_cache.generation(brand_id=self.brand.pk) if settings.KPI_REACH_CACHE_SECONDS > 0 else None

    def _cached_reach(self, kind: str, compute):
        return reach_cache.cached(brand_id=self.brand.pk, kind=kind, campaign_ids=self.campaign_ids,
                                  first=self.period.date_from, last=self.period.date_to, compute=compute,
                                  current=self._generation)

    @cached_property
    def _totals(self) -> dict:
        sums = _summed(row[2:-1] for row in self._days)
        sums["reach"] = self._cached_reach("total", lambda: self._reach(self._days))
        sums["spend"] = sum(self._spend_by_day.values(), Decimal("0"))
        return sums

    @lag_tolerant
    def totals(self) -> dict:
        """Every KPI of the dictionary over the period."""
        return compute_all(self._totals)

    @lag_tolerant
    def comparison(self) -> dict[str, dict]:
        """Each KPI now and in the previous period of equal length, with absolute and relative change."""
        current = self.totals()
        previous = KpiScope(brand=self.brand, campaign_ids=self.campaign_ids, period=self.period.previous()).totals()
        out = {}
        for name, value in current.items():
            absolute, relative = change(value, previous[name])
            out[name] = {"current": value, "previous": previous[name], "absolute_change": absolute,
                         "relative_change": relative}
        return out

    @lag_tolerant
    def series(self, granularity: Granularity = Granularity.DAY) -> list[KpiRow]:
        """KPIs per day, ISO week (Monday) or month of the brand's zone; every bucket is present."""
        granularity = Granularity(granularity)
        buckets: dict[date, list] = {}
        day = self.period.date_from
        while day <= self.period.date_to:
            buckets.setdefault(_bucket(day, granularity), [])
            day += timedelta(days=1)
        for row in self._days:
            buckets[_bucket(row[0], granularity)].append(row)
        # Reach is not additive over days: the union of each bucket's daily sets (days are brand days).
        bucket_reach = self._cached_reach(f"series-{granularity}", lambda: {
            start: self._reach(rows) for start, rows in buckets.items()})
        spend: dict[date, Decimal] = {}
        for day, amount in self._spend_by_day.items():
            spend[_bucket(day, granularity)] = spend.get(_bucket(day, granularity), Decimal("0")) + amount
        return [_with_kpis(start.isoformat(), start.isoformat(), _summed(row[2:-1] for row in rows) | {
                    "reach": bucket_reach.get(start, 0), "spend": spend.get(start, Decimal("0"))})
                for start, rows in sorted(buckets.items())]

    @lag_tolerant
    def breakdown(self, by: BreakdownBy, *, min_group_size: int | None = None, with_reach: bool = True) -> Breakdown:
        """KPIs per video, platform, day, viewer demographic or persona (of the brand's active persona model).

        Spend is recorded per campaign day, so it is only split by DAY; other breakdowns leave the
        spend-based KPIs empty. Demographic groups reaching fewer than ``PRIVACY_MIN_GROUP_SIZE`` distinct
        viewers are merged into "other"; if "other" is still too small it is suppressed (module docstring).
        """
        by = BreakdownBy(by)
        scope = {"brand": self.brand, "campaign_ids": self.campaign_ids, "period": self.period}
        if by in DEMOGRAPHIC:
            return _demographic_breakdown(**scope, by=by, min_group_size=privacy_min_group_size()
                                          if min_group_size is None else min_group_size)
        if by == BreakdownBy.DAY:
            return Breakdown(rows=self.series())
        key = {BreakdownBy.VIDEO: "video_id", BreakdownBy.PLATFORM: "platform_id"}[by]
        # The sums of the few blocks of days per video that cover the period, and the union of their sets.
        sums_of: dict = {}
        sets_of: dict = {}
        for group, sums, viewers in _video_block_parts(**scope, key=key):
            sums_of.setdefault(group, []).append(sums)
            sets_of.setdefault(group, []).append(viewers)
        # Reach per video / platform is the costly part (a union per group); a caller that does not show
        # it passes with_reach=False and its rows carry reach None.
        reach_of = self._cached_reach(f"by-{by}", lambda: {
            group: reach.union_size(sets) for group, sets in sets_of.items()}) if with_reach else {}
        if by == BreakdownBy.VIDEO:
            labels = dict(Video.objects.filter(pk__any=list(sums_of)).values_list("pk", "title"))
        else:
            labels = dict(Platform.objects.filter(pk__any=list(sums_of)).values_list("pk", "name"))
        rows = []
        for pk, parts in sums_of.items():
            sums = _summed(parts)
            sums["reach"], sums["spend"] = reach_of.get(pk, 0) if with_reach else None, None
            rows.append(_with_kpis(str(pk), labels.get(pk, str(pk)), sums))
        return Breakdown(rows=sorted(rows, key=lambda r: (-r.sums["views"], r.key)))


@lag_tolerant
def kpi_totals(*, brand: Brand, campaign_ids: list[int] | None, period: Period) -> dict:
    """Every KPI of the dictionary over the period."""
    return KpiScope(brand=brand, campaign_ids=campaign_ids, period=period).totals()


@lag_tolerant
def kpi_comparison(*, brand: Brand, campaign_ids: list[int] | None, period: Period) -> dict[str, dict]:
    """Each KPI now and in the previous period of equal length, with absolute and relative change."""
    return KpiScope(brand=brand, campaign_ids=campaign_ids, period=period).comparison()


@lag_tolerant
def kpi_series(*, brand: Brand, campaign_ids: list[int] | None, period: Period,
               granularity: Granularity = Granularity.DAY) -> list[KpiRow]:
    """KPIs per day, ISO week (Monday) or month of the brand's zone; every bucket is present."""
    return KpiScope(brand=brand, campaign_ids=campaign_ids, period=period).series(granularity)


@lag_tolerant
def kpi_breakdown(*, brand: Brand, campaign_ids: list[int] | None, period: Period, by: BreakdownBy,
                  min_group_size: int | None = None, with_reach: bool = True) -> Breakdown:
    """KPIs per video, platform, day, viewer demographic or persona (``KpiScope.breakdown``)."""
    return KpiScope(brand=brand, campaign_ids=campaign_ids, period=period).breakdown(
        by, min_group_size=min_group_size, with_reach=with_reach)


def active_persona_model_id(*, brand: Brand) -> int | None:
    """The brand's active, trained persona model (the one personas are reported with), if any."""
    return (PersonaModel.objects.filter(brand=brand, is_active=True, status=TrainingStatus.READY)
            .values_list("pk", flat=True).first())


def _demographic_breakdown(*, brand, campaign_ids, period, by: BreakdownBy, min_group_size: int) -> Breakdown:
    attribute = DEMOGRAPHIC[by]
    viewers = _viewers(brand=brand, campaign_ids=campaign_ids, period=period)
    persona_labels = {}
    if by == BreakdownBy.PERSONA:
        # A viewer has at most one assignment per model: the LEFT JOIN neither drops nor repeats rows;
        # viewers the active model never assigned (or every viewer, without one) fall into "unknown".
        model_id = active_persona_model_id(brand=brand)
        viewers = viewers.annotate(assignment=FilteredRelation(
            "viewer__persona_assignments", condition=Q(viewer__persona_assignments__model_id=model_id)))
        persona_labels = {str(pk): localized_label(label, profile) for pk, label, profile in
                          Persona.objects.filter(model_id=model_id).values_list("pk", "label", "profile")}
    groups = {str(row.pop(attribute) or UNKNOWN): row for row in
              viewers.values(attribute).annotate(reach=_REACH, **_SUMS).order_by()}
    shown = {key: sums for key, sums in groups.items() if sums["reach"] >= min_group_size}
    merged = [key for key in groups if key not in shown]
    # Secondary suppression: "other" = total - shown groups, so a too-small "other" would still be
    # derivable from the totals. Move the smallest shown groups into it until it is big enough.
    def other_reach() -> int:  # a viewer is in exactly one group: reach of merged groups adds up
        return sum(groups[key]["reach"] for key in merged)

    while merged and other_reach() < min_group_size and shown:
        smallest = min(shown, key=lambda key: (shown[key]["reach"], key))
        merged.append(smallest)
        del shown[smallest]
    suppressed = False
    if merged:
        if other_reach() >= min_group_size:
            shown[OTHER] = {name: sum(groups[key][name] for key in merged) for name in ROLLUP_SUMS} | {
                "reach": other_reach()}
        else:  # the whole audience is smaller than one group may be
            suppressed = True
    labels = DEMOGRAPHIC_LABELS.get(by, {}) | persona_labels | {
        UNKNOWN: gettext("Unknown"),
        OTHER: gettext("Other (groups under %(size)d viewers, merged)") % {"size": min_group_size}}
    rows = [_with_kpis(key, str(labels.get(key, key)), sums | {"spend": None}) for key, sums in shown.items()]
    return Breakdown(rows=sorted(rows, key=lambda r: (r.key == OTHER, -r.sums["reach"], r.key)),
                     suppressed_viewers=suppressed)


@lag_tolerant
def top_videos(*, brand: Brand, period: Period, kpi: str = "views", first: int = 10,
               campaign_ids: list[int] | None = None) -> list[KpiRow]:
    """The brand's videos ranked by one KPI (best first; videos where the KPI is undefined last)."""
    definition = BY_NAME[kpi]
    rows = kpi_breakdown(brand=brand, campaign_ids=campaign_ids, period=period, by=BreakdownBy.VIDEO).rows
    ranked = sorted(rows, key=lambda r: (r.kpis[kpi] is None,
                                         -(r.kpis[kpi] or 0) if definition.higher_is_better else (r.kpis[kpi] or 0),
                                         r.key))
    return ranked[:first]


@lag_tolerant
def brand_overview(*, brand: Brand, period: Period, campaign_ids: list[int] | None = None) -> dict:
    """Totals of the scope (the whole brand when ``campaign_ids`` is None) and of each of its campaigns.

    Returns ``{"totals": {kpi: value}, "campaigns": [(Campaign, {kpi: value}), ...]}`` in the
    campaigns' default order. A fixed number of queries whatever the number of campaigns: sums,
    reach and spend are each grouped by campaign in one query.
    """
    campaigns = list(Campaign.objects.filter(brand=brand) if campaign_ids is None
                     else Campaign.objects.filter(brand=brand, pk__in=campaign_ids))
    ids = [c.pk for c in campaigns]
    days = _fetch(_day_sets(brand=brand, campaign_ids=ids, period=period)
                  .values_list("campaign_id", "viewers", "day", "reach", *ROLLUP_SUMS).order_by())
    sums = _summed_by((row[0], *row[4:]) for row in days)
    purged = brand.viewer_data_purged_before or date.min  # days whose sets retention purged: their reach number

    def reach_by_campaign() -> dict:
        out = reach.reach_by((row[0], row[1]) for row in days if row[2] >= purged)
        for campaign_id, _blob, day, number, *_sums in days:
            if day < purged:
                out[campaign_id] = out.get(campaign_id, 0) + number
        return out

    reach_of = _cached_reach(brand, "by-campaign", ids, period, reach_by_campaign)
    spend = dict(_spend(brand=brand, campaign_ids=ids, period=period).values("campaign_id")
                 .annotate(s=Sum("amount")).values_list("campaign_id", "s").order_by())
    return {
        "totals": kpi_totals(brand=brand, campaign_ids=campaign_ids, period=period),
        "campaigns": [(c, compute_all(sums.get(c.pk, {}) | {"reach": reach_of.get(c.pk, 0),
                                                            "spend": spend.get(c.pk, Decimal("0"))}))
                      for c in campaigns],
    }


@dataclass(frozen=True)
class CampaignKpiValues:
    """One campaign of a brand overview: the campaign and its KPIs over the period."""

    campaign_id: int
    name: str
    status: str
    values: list[KpiValue]


@dataclass(frozen=True)
class BrandOverview:
    """A brand's KPIs over all its interactions (``totals``) and per campaign, over the brand's days."""

    date_from: date
    date_to: date
    totals: list[KpiValue]
    campaigns: list[CampaignKpiValues]


def brand_overview_values(*, brand: Brand, period: Period, kpis: list[str] | None = None) -> BrandOverview:
    """``brand_overview`` of the whole brand as the KPIs ``kpis`` (every KPI, in dictionary order, when None
    or empty) of the brand and of each of its campaigns."""
    names = kpis or [kpi.name for kpi in KPIS]
    overview = brand_overview(brand=brand, period=period)
    return BrandOverview(
        date_from=period.date_from, date_to=period.date_to, totals=kpi_values(overview["totals"], names),
        campaigns=[CampaignKpiValues(campaign_id=campaign.pk, name=campaign.name, status=campaign.status,
                                     values=kpi_values(values, names)) for campaign, values in overview["campaigns"]])


def kpi_reports(*, principal, brand_id: int | None = None) -> QuerySet[KpiReport]:
    """Generated KPI reports the principal may read (of one brand, or of all theirs), newest period first."""
    reports = KpiReport.objects.for_principal(principal).order_by("-period_end", "-id")
    return reports if brand_id is None else reports.filter(brand_id=brand_id)
