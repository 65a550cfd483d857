"""GraphQL types of analytics: the KPI dictionary, KPI sets (totals, series, breakdowns, platform KPIs,
reconciliation), budget pacing and its alerts, brand overviews, top videos, KPI reports.

``Campaign.kpis`` and ``Campaign.pacing`` (reelboard.graphql.marketing.types) answer ``KpiSet`` and
``CampaignPacing`` through :func:`campaign_kpis` and :func:`campaign_pacing`.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
from typing import Annotated, NewType

import strawberry
import strawberry_django
from django.utils import timezone
from strawberry import relay
from strawberry.types import Info

from analytics import pacing, platform_metrics, selectors
from analytics.kpis import KPIS, PLATFORM_KPIS
from analytics.models import KpiReport, PacingAlert, PacingCondition, ReportStatus
from marketing.models import Brand, Campaign
from marketing.services.errors import ErrorCode, ServiceValidationError
from reelboard.graphql.core.enums import choices_enum, describe_values
from reelboard.graphql.core.types import BrandScoped

MAX_RANGE_DAYS = selectors.MAX_PERIOD_DAYS

KpiName = strawberry.enum(
    enum.Enum("KpiName", {k.name.upper(): strawberry.enum_value(k.name, description=f"{k.label}: {k.formula}")
                          for k in KPIS}),
    description="A KPI of the dictionary (see kpiDefinitions).")
PlatformKpiName = strawberry.enum(
    enum.Enum("PlatformKpiName", {k.name.upper(): strawberry.enum_value(k.name, description=f"{k.label}: {k.formula}")
                                  for k in PLATFORM_KPIS}),
    description="A platform-reported KPI of the dictionary (see platformKpiDefinitions).")
Granularity = describe_values(strawberry.enum(
    selectors.Granularity, name="Granularity", description="The buckets of a KPI series."), {
    "DAY": "One group per day.", "WEEK": "One group per ISO week, starting Monday.",
    "MONTH": "One group per calendar month."})
BreakdownBy = describe_values(strawberry.enum(
    selectors.BreakdownBy, name="BreakdownBy", description="What a KPI breakdown groups by."), {
    "VIDEO": "The campaign's or brand's videos.", "PLATFORM": "Video platforms.", "DAY": "Reporting days.",
    "GENDER": "Viewers' gender (small groups merged).", "AGE_BAND": "Viewers' age band (small groups merged).",
    "REGION": "Viewers' region (small groups merged).",
    "PERSONA": "Viewers' persona in the active persona model (none: unknown)."})


class _RowStrings(list):
    """A row already in its JSON form (decimal strings and None): built once per group, serialized as is."""


def _row(kpis: dict, wanted: list[str]) -> _RowStrings:
    return _RowStrings([None if (value := kpis[name]) is None else str(value) for name in wanted])


def _serialize_row(values: list) -> list[str | None]:
    if isinstance(values, _RowStrings):
        return values
    return [None if value is None else str(value) for value in values]


# One leaf value per group instead of one per KPI: graphql-core completes every list item on its own
# (~3 µs each), which was a third of a 30-day campaign query's time (8,606 values). Same JSON as a
# [Decimal] list: decimal strings and nulls.
KpiRow = NewType("KpiRow", list)
SCALARS = {KpiRow: strawberry.scalar(
    name="KpiRow", serialize=_serialize_row,
    description="A list of KPI values: decimal strings (as the Decimal scalar), null where undefined.")}


@strawberry.type(description="A first-party KPI of the dictionary: how it is computed and what it counts.")
class KpiDefinition:
    name: KpiName  # type: ignore[valid-type]
    label: str
    formula: str
    unit: str
    description: str
    kinds: list[str]
    higher_is_better: bool
    source: str = strawberry.field(description="first_party: computed from Reelboard's own interaction events.")


@strawberry.type(description="Where one ad platform reports a platform KPI.")
class PlatformFieldDefinition:
    ad_platform: str = strawberry.field(description="tiktok, oceanengine or kuaishou_ads.")
    field: str = strawberry.field(description="The report field(s) as the ad platform names them.")
    definition: str = strawberry.field(description="The ad platform's own definition.")
    reference: str = strawberry.field(description="Where the mapping was read.")


@strawberry.type(description="A platform-reported KPI: null for an ad platform that does not report it, never 0.")
class PlatformKpiDefinition:
    name: PlatformKpiName  # type: ignore[valid-type]
    label: str
    formula: str
    unit: str
    description: str
    higher_is_better: bool
    source: str = strawberry.field(description="platform: as the ad platforms report it.")
    platform_fields: list[PlatformFieldDefinition] = strawberry.field(
        description="Per ad platform that reports it, the field it comes from and the platform's definition.")


@strawberry.type(description="One platform-reported KPI's value for one ad platform.")
class PlatformKpiValue:
    kpi: PlatformKpiName  # type: ignore[valid-type]
    value: decimal.Decimal | None = strawberry.field(description="Null when the ad platform does not report it.")


@strawberry.type(description="One ad platform's KPIs of the campaigns (platforms are never added up: their "
                             "definitions differ).")
class AdPlatformKpis:
    ad_platform: str = strawberry.field(description="tiktok, oceanengine or kuaishou_ads.")
    source: str = strawberry.field(description="Always platform.")
    values: list[PlatformKpiValue]


@strawberry.type(description="One brand day: the ad platforms' counts against Reelboard's first-party counts. "
                             "Differences are (platform − first party) / first party, null when undefined.")
class ReconciliationDay:
    day: datetime.date
    platform_impressions: int | None
    first_party_impressions: int
    impressions_difference: decimal.Decimal | None
    platform_plays: int | None
    first_party_plays: int = strawberry.field(description="First-party views.")
    plays_difference: decimal.Decimal | None
    platform_clicks: int | None
    first_party_clicks: int
    clicks_difference: decimal.Decimal | None


@strawberry.type(description="A KPI's value; null when undefined (a ratio whose denominator is zero).")
class KpiValue:
    kpi: KpiName  # type: ignore[valid-type]
    value: decimal.Decimal | None


@strawberry.type(description="A KPI over the period against the previous period of equal length.")
class KpiChange:
    kpi: KpiName  # type: ignore[valid-type]
    value: decimal.Decimal | None
    previous: decimal.Decimal | None = strawberry.field(description="The previous period of equal length.")
    absolute_change: decimal.Decimal | None
    relative_change: decimal.Decimal | None


@strawberry.type(description="The KPIs of one group: a bucket of a series or a group of a breakdown.")
class KpiGroup:
    key: str = strawberry.field(description="Bucket start (ISO date), video/platform/persona id, demographic value, "
                                            "'unknown' or 'other_groups'.")
    label: str
    # A plain field, not a method: no resolver to call per group (300 groups per breakdown by video).
    row: KpiRow = strawberry.field(  # type: ignore[valid-type]
        description="The same KPI values as one list, in the order of the `kpis` argument of the series/breakdown "
                    "field (every KPI in kpiDefinitions order when omitted): compact for tables and charts of many "
                    "groups.")
    kpis_: strawberry.Private[dict]
    wanted_: strawberry.Private[list[str]]

    @classmethod
    def of(cls, row: selectors.KpiRow, wanted: list[str]) -> KpiGroup:
        return cls(key=row.key, label=row.label, row=_row(row.kpis, wanted), kpis_=row.kpis, wanted_=wanted)

    @strawberry.field(description="The KPIs as (kpi, value) pairs.")
    def values(self) -> list[KpiValue]:
        return kpi_values(self.kpis_, self.wanted_)


@strawberry.type(description="KPI groups as one table: the compact form for dashboards and exports of many groups "
                              "(one GraphQL value per group instead of an object with fields).")
class KpiTable:
    columns: list[str] = strawberry.field(
        description="'key', 'label', then the KPI names, in the order of the `kpis` argument of the breakdown "
                    "(every KPI in kpiDefinitions order when omitted).")
    rows: list[KpiRow] = strawberry.field(  # type: ignore[valid-type]
        description="One per group, in the order of `groups`: the key, the label, then the KPI values (decimal "
                    "strings, null where undefined).")


@strawberry.type(description="KPIs per group of one dimension (video, platform, day, demographic, persona).")
class KpiBreakdown:
    by: BreakdownBy  # type: ignore[valid-type]
    suppressed_small_groups: bool = strawberry.field(
        description="True when some viewers' groups were too small to show, even merged into 'other'.")
    rows_: strawberry.Private[list[selectors.KpiRow]]
    wanted_: strawberry.Private[list[str]]

    @strawberry.field(description="One group per video, platform, day, demographic value or persona.")
    def groups(self) -> list[KpiGroup]:
        return [KpiGroup.of(row, self.wanted_) for row in self.rows_]

    @strawberry.field(description="The same groups as one table (columns, then one row per group).")
    def table(self) -> KpiTable:
        return KpiTable(columns=["key", "label", *self.wanted_],
                        rows=[_RowStrings([row.key, row.label, *_row(row.kpis, self.wanted_)]) for row in self.rows_])


_ALL_KPIS = [k.name for k in KPIS]


def _wanted(names) -> list[str]:
    return [n.value for n in names] if names else _ALL_KPIS


def _as_decimal(value) -> decimal.Decimal | None:
    return None if value is None else decimal.Decimal(value)


def kpi_values(kpis: dict, names) -> list[KpiValue]:
    # ``kpi`` holds the enum's value: graphql-core serialises it with a dict lookup, where an enum
    # member goes through strawberry's linear scan of the members (measurable over thousands of values).
    wanted = names if names and isinstance(names[0], str) else _wanted(names)
    return [KpiValue(kpi=name, value=_as_decimal(kpis[name])) for name in wanted]


def kpi_period(date_from: datetime.date, date_to: datetime.date) -> selectors.Period:
    """The period of a KPI field; a reversed or too long one is bad input (``BadInputCodes`` answers it)."""
    if date_to < date_from:
        raise ServiceValidationError.single("date_to", ErrorCode.END_BEFORE_START, "dateTo is before dateFrom.")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise ServiceValidationError.single("date_from", ErrorCode.OUT_OF_RANGE,
                                            f"The date range is limited to {MAX_RANGE_DAYS} days.")
    return selectors.Period(date_from, date_to)


@strawberry.type(description="KPIs of some campaigns (or a whole brand) over a date range of the brand's days.")
class KpiSet:
    date_from: datetime.date
    date_to: datetime.date
    brand_: strawberry.Private[Brand]
    campaign_ids: strawberry.Private[list[int] | None]

    @property
    def period(self) -> selectors.Period:
        return selectors.Period(self.date_from, self.date_to)

    @functools.cached_property
    def scope(self) -> selectors.KpiScope:
        """One per KpiSet: totals, series and comparison of a query share its reads."""
        return selectors.KpiScope(brand=self.brand_, campaign_ids=self.campaign_ids, period=self.period)

    @strawberry.field(description="Totals of the period.")
    def totals(self, kpis: list[KpiName] | None = None) -> list[KpiValue]:  # type: ignore[valid-type]
        return kpi_values(self.scope.totals(), kpis)

    @strawberry.field(description="Totals against the previous period of equal length.")
    def comparison(self, kpis: list[KpiName] | None = None) -> list[KpiChange]:  # type: ignore[valid-type]
        rows = self.scope.comparison()
        wanted = [n.value for n in kpis] if kpis else [k.name for k in KPIS]
        as_decimal = lambda v: None if v is None else decimal.Decimal(v)  # noqa: E731
        return [KpiChange(kpi=KpiName(name), value=as_decimal(rows[name]["current"]),
                          previous=as_decimal(rows[name]["previous"]),
                          absolute_change=as_decimal(rows[name]["absolute_change"]),
                          relative_change=as_decimal(rows[name]["relative_change"])) for name in wanted]

    @strawberry.field(description="One group per day, ISO week (starting Monday) or month.")
    def series(self, granularity: Granularity = selectors.Granularity.DAY,  # type: ignore[valid-type]
               kpis: list[KpiName] | None = None) -> list[KpiGroup]:  # type: ignore[valid-type]
        rows = self.scope.series(selectors.Granularity(granularity))
        wanted = _wanted(kpis)
        return [KpiGroup.of(r, wanted) for r in rows]

    @strawberry.field(description="The ad platforms' own KPIs (source platform), one set per ad platform; `totals` "
                                  "are the first-party ones.")
    def platform_totals(self, kpis: list[PlatformKpiName] | None = None  # type: ignore[valid-type]
                        ) -> list[AdPlatformKpis]:
        return platform_metrics.platform_kpi_values(
            brand_id=self.brand_.pk, campaign_ids=self.campaign_ids, date_from=self.date_from,
            date_to=self.date_to, kpis=[k.value for k in kpis] if kpis else None)

    @strawberry.field(description="Per brand day: platform-reported against first-party impressions, plays and "
                                  "clicks, with the difference.")
    def reconciliation(self) -> list[ReconciliationDay]:
        rows = platform_metrics.reconciliation(brand_id=self.brand_.pk, campaign_ids=self.campaign_ids,
                                               date_from=self.date_from, date_to=self.date_to)
        return [ReconciliationDay(**vars(row)) for row in rows]

    @strawberry.field(description="KPIs per video, platform, day, viewer demographic or persona of the active "
                                  "persona model (groups under PRIVACY_MIN_GROUP_SIZE viewers merged or suppressed).")
    def breakdown(self, by: BreakdownBy, kpis: list[KpiName] | None = None) -> KpiBreakdown:  # type: ignore
        wanted = _wanted(kpis)
        result = self.scope.breakdown(selectors.BreakdownBy(by), with_reach="reach" in wanted)
        return KpiBreakdown(by=by, suppressed_small_groups=result.suppressed_viewers, rows_=result.rows,
                            wanted_=wanted)


def campaign_kpis(campaign: Campaign, date_from: datetime.date, date_to: datetime.date) -> KpiSet:
    period = kpi_period(date_from, date_to)
    return KpiSet(date_from=period.date_from, date_to=period.date_to, brand_=campaign.brand,
                  campaign_ids=[campaign.pk])


# --- budget pacing --------------------------------------------------------------------------------

PacingStatusEnum = describe_values(strawberry.enum(
    pacing.PacingStatus, name="PacingStatus", description="Spend to date against the expected spend."), {
    "ON_TRACK": "Between PACING_UNDER_RATIO and PACING_OVER_RATIO of the expected spend.",
    "UNDER_PACING": "Below PACING_UNDER_RATIO of the expected spend.",
    "OVER_PACING": "Above PACING_OVER_RATIO of the expected spend."})
PacingConditionEnum = choices_enum(
    PacingCondition, name="PacingCondition", description="Why a pacing alert was raised.",
    values={"UNDER_PACING": "Spend to date below PACING_UNDER_RATIO of the expected spend.",
            "OVER_PACING": "Spend to date above PACING_OVER_RATIO of the expected spend.",
            "DAILY_CAP_EARLY": "The daily budget was spent before PACING_DAILY_CAP_HOUR of the brand's day."})


@strawberry.type(name="CampaignPacing", description=(
    "Spend to date against the budget at this moment, in the campaign's currency (see docs/marketer/pacing.md)."))
class CampaignPacing:
    day: datetime.date = strawberry.field(description="The brand's current day.")
    currency: str
    spend_to_date: decimal.Decimal
    spend_today: decimal.Decimal
    budget_lifetime: decimal.Decimal | None
    budget_daily: decimal.Decimal | None
    expected_lifetime: decimal.Decimal | None = strawberry.field(
        description="Straight line: lifetime budget × share of the flight elapsed; null without both.")
    expected_daily: decimal.Decimal | None = strawberry.field(
        description="Daily budget × days elapsed; null without a daily budget.")
    ratio: decimal.Decimal | None = strawberry.field(
        description="Spend to date / expected spend (the lifetime line when there is one); null when 0 is expected.")
    status: PacingStatusEnum  # type: ignore[valid-type]
    daily_cap_hit_early: bool = strawberry.field(
        description="Today's spend reached the daily budget before PACING_DAILY_CAP_HOUR of the brand's day.")
    projected_spend: decimal.Decimal | None = strawberry.field(
        description="At the end of the flight, at the rate so far; null without an end.")
    elapsed_share: decimal.Decimal | None


def campaign_pacing(campaign: Campaign) -> CampaignPacing | None:
    result = pacing.campaign_pacing(campaign, now=timezone.now())
    if result is None:
        return None
    values = vars(result).copy()
    values.pop("campaign_id")
    return CampaignPacing(**values)


@strawberry_django.type(PacingAlert, name="PacingAlert")
class PacingAlertType(BrandScoped):
    # Lazy: marketing's Campaign type imports this module (for Campaign.kpis and Campaign.pacing).
    campaign: Annotated[CampaignType, strawberry.lazy("reelboard.graphql.marketing.types")]  # noqa: F821
    day: datetime.date
    spend_to_date: decimal.Decimal
    expected_spend: decimal.Decimal | None
    spend_today: decimal.Decimal
    budget_daily: decimal.Decimal | None
    pacing_ratio: decimal.Decimal | None
    projected_spend: decimal.Decimal | None
    currency: strawberry.auto
    email_sent_at: strawberry.auto
    webhook_sent_at: strawberry.auto
    created_at: strawberry.auto

    @strawberry_django.field(only=["condition"])
    def condition(self) -> PacingConditionEnum:  # type: ignore[valid-type]
        return PacingConditionEnum(self.condition)


@strawberry.type(description="One video of a ranking with its KPIs over the period.")
class VideoKpis:
    video_id: relay.GlobalID
    title: str
    values: list[KpiValue]


def _campaign_id(root: selectors.CampaignKpiValues) -> relay.GlobalID:
    return relay.GlobalID("Campaign", str(root.campaign_id))


@strawberry.type(description="One campaign of a brand overview with its KPIs over the period.")
class CampaignKpiValues:
    campaign_id: relay.GlobalID = strawberry.field(resolver=_campaign_id)
    name: str
    status: str
    values: list[KpiValue]


@strawberry.type(description="A brand's KPIs over all its interactions and per campaign, over the brand's days.")
class BrandOverview:
    date_from: datetime.date
    date_to: datetime.date
    totals: list[KpiValue]
    campaigns: list[CampaignKpiValues]


ReportStatusEnum = choices_enum(
    ReportStatus, name="ReportStatus", description="Where a report's delivery stands.",
    values={"PENDING": "Generated, not delivered yet.", "SENT": "Delivered on every channel of its schedule.",
            "FAILED": "A delivery failed; it is retried (see error)."})


@strawberry_django.type(KpiReport, name="KpiReport",
                        description="One generated KPI report of a schedule's period, with its CSV and chart.")
class KpiReportType(BrandScoped):
    period_start: strawberry.auto = strawberry_django.field(description="First day of the report's period.")
    period_end: strawberry.auto = strawberry_django.field(description="Last day of the report's period.")
    status: ReportStatusEnum  # type: ignore[valid-type]
    attempts: strawberry.auto = strawberry_django.field(description="Delivery attempts so far.")
    email_sent_at: strawberry.auto = strawberry_django.field(description="When the e-mail went out; null if not.")
    webhook_sent_at: strawberry.auto = strawberry_django.field(description="When the webhook was delivered; null "
                                                                           "if not.")

    @strawberry_django.field(description="Name of the schedule that produced it.", select_related=["schedule"],
                             only=["schedule__name"])
    def schedule_name(self) -> str:
        return self.schedule.name

    @strawberry_django.field(description="Why the last delivery failed, in short (operators have the detail).",
                             only=["failure_message"])
    def error(self) -> str:
        return self.failure_message

    @strawberry_django.field(description="Download of the daily series (same authentication).")
    def csv_url(self, info: Info) -> str:
        return info.context.request.build_absolute_uri(f"/reports/{self.pk}/csv")

    @strawberry_django.field(description="Download of the chart image (same authentication).")
    def chart_url(self, info: Info) -> str:
        return info.context.request.build_absolute_uri(f"/reports/{self.pk}/chart")
