"""Analytics' root fields: the KPI dictionaries, campaign and brand KPI sets, brand overview, top videos,
pacing alerts and KPI reports.

Resolvers authorise the campaign or brand through the principal, then call one selector.
"""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import relay
from strawberry.types import Info

from analytics import selectors
from analytics.kpis import BY_NAME, KPIS, PLATFORM_KPIS
from analytics.models import KpiReport
from marketing.models import Brand, Campaign
from marketing.services.errors import ErrorCode, ServiceValidationError
from reelboard.graphql.analytics.mutations import Mutation
from reelboard.graphql.analytics.types import (
    BrandOverview,
    KpiDefinition,
    KpiName,
    KpiReportType,
    KpiSet,
    PacingAlertType,
    PlatformFieldDefinition,
    PlatformKpiDefinition,
    PlatformKpiName,
    VideoKpis,
    campaign_kpis,
    kpi_period,
    kpi_values,
)
from reelboard.graphql.core import ids
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.core.types import Connection


def _scoped(model, info: Info, value: str, *, expected: str, field: str, related: tuple[str, ...] = ()):
    return ids.visible(model.objects.select_related(*related), value, expected=expected, field=field,
                       principal=principal_of(info))


@strawberry.type
class Query:
    @strawberry_django.connection(Connection[KpiReportType], extensions=authenticated(),
                                  description="Generated KPI reports of your brands, newest period first.")
    def reports(self, info: Info, brand: Annotated[strawberry.ID | None, strawberry.argument(
            description="Only this brand's reports (a Brand ID); default: every brand you can read.")] = None,
                ) -> QuerySet[KpiReport]:
        brand_id = None if brand is None else _scoped(Brand, info, brand, expected="Brand", field="brand").pk
        return selectors.kpi_reports(principal=principal_of(info), brand_id=brand_id)

    @strawberry.field(extensions=authenticated(), description="The KPI dictionary: every KPI's formula and unit.")
    def kpi_definitions(self) -> list[KpiDefinition]:
        return [KpiDefinition(name=KpiName(k.name), label=str(k.label), formula=k.formula, unit=k.unit,
                              description=str(k.description), kinds=list(k.kinds),
                              higher_is_better=k.higher_is_better, source=k.source)
                for k in KPIS]

    @strawberry.field(extensions=authenticated(),
                      description="The platform-reported KPIs: per ad platform, the field each comes from.")
    def platform_kpi_definitions(self) -> list[PlatformKpiDefinition]:
        return [PlatformKpiDefinition(
            name=PlatformKpiName(k.name), label=str(k.label), formula=k.formula, unit=k.unit,
            description=str(k.description), higher_is_better=k.higher_is_better, source=k.source,
            platform_fields=[PlatformFieldDefinition(ad_platform=platform, field=spec.field,
                                                     definition=spec.definition, reference=spec.reference)
                             for platform, spec in k.platform_fields.items()])
            for k in PLATFORM_KPIS]

    alerts: Connection[PacingAlertType] = strawberry_django.connection(
        extensions=authenticated(), description="Budget pacing alerts of your brands, newest day first.")

    @strawberry.field(extensions=authenticated(), description="KPIs of one campaign over the brand's days.")
    def campaign_kpis(self, info: Info, campaign: strawberry.ID, date_from: datetime.date,
                      date_to: datetime.date) -> KpiSet:
        obj = _scoped(Campaign, info, campaign, expected="Campaign", field="campaign", related=("brand",))
        return campaign_kpis(obj, date_from, date_to)

    @strawberry.field(extensions=authenticated(),
                      description="Brand overview: KPIs over all its interactions (campaigns or not).")
    def brand_kpis(self, info: Info, brand: strawberry.ID, date_from: datetime.date,
                   date_to: datetime.date) -> KpiSet:
        obj = _scoped(Brand, info, brand, expected="Brand", field="brand")
        period = kpi_period(date_from, date_to)
        return KpiSet(date_from=period.date_from, date_to=period.date_to, brand_=obj, campaign_ids=None)

    @strawberry.field(extensions=authenticated(),
                      description="Brand overview: totals of the whole brand and the KPIs of each of its campaigns.")
    def brand_overview(self, info: Info, brand: strawberry.ID, date_from: datetime.date, date_to: datetime.date,
                       kpis: list[KpiName] | None = None) -> BrandOverview:  # type: ignore[valid-type]
        obj = _scoped(Brand, info, brand, expected="Brand", field="brand")
        return selectors.brand_overview_values(brand=obj, period=kpi_period(date_from, date_to),
                                               kpis=[k.value for k in kpis] if kpis else None)

    @strawberry.field(extensions=authenticated(), description="The brand's videos ranked by one KPI.")
    def top_videos(self, info: Info, brand: strawberry.ID, date_from: datetime.date, date_to: datetime.date,
                   kpi: KpiName = KpiName.VIEWS, first: int = 10) -> list[VideoKpis]:  # type: ignore
        obj = _scoped(Brand, info, brand, expected="Brand", field="brand")
        if not 1 <= first <= 100:
            raise ServiceValidationError.single("first", ErrorCode.OUT_OF_RANGE, "first must be between 1 and 100.")
        rows = selectors.top_videos(brand=obj, period=kpi_period(date_from, date_to), kpi=BY_NAME[kpi.value].name,
                                    first=first)
        return [VideoKpis(video_id=relay.GlobalID("Video", r.key), title=r.label, values=kpi_values(r.kpis, None))
                for r in rows]


__all__ = ["Mutation", "Query"]
