"""The GraphQL query behind each dashboard panel.

Every panel shows the query that produces its numbers (integrators learn the API from the screen) and links
to GraphiQL with it filled in; the tests run these exact texts and compare the answers with the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import reverse
from strawberry.relay import to_base64

CARD_KPIS = ["views", "reach", "engagement_rate", "ctr", "conversions", "revenue", "spend", "roas"]
PLATFORM_TABLE_KPIS = [
    "platform_spend", "paid_impressions", "paid_clicks", "paid_reach", "plays", "plays_2s", "plays_3s", "plays_6s",
    "plays_10s", "effective_plays", "plays_25", "plays_50", "plays_75", "plays_100", "avg_play_time_s", "frequency",
    "cost_per_1000_reached", "profile_visits", "platform_conversions", "cost_per_conversion",
]
TABLE_KPIS = ["impressions", "views", "reach", "engagement_rate", "ctr", "conversions", "revenue", "spend", "roas"]


@dataclass(frozen=True)
class PanelQuery:
    text: str

    @property
    def graphiql_url(self) -> str | None:
        """GraphiQL with this query filled in, where GraphiQL is on (never in production by default)."""
        if not settings.GRAPHQL_GRAPHIQL:
            return None
        return f"{reverse('graphql')}?{urlencode({'q': self.text}, quote_via=quote)}"  # GraphiQL reads %20, not +


def gid(type_name: str, pk: int) -> str:
    return to_base64(type_name, pk)


def kpi_list(names) -> str:
    return "[" + ", ".join(name.upper() for name in names) + "]"


def _period_args(period) -> str:
    return f'dateFrom: "{period.date_from.isoformat()}", dateTo: "{period.date_to.isoformat()}"'


def _query(name: str, body: str) -> PanelQuery:
    return PanelQuery(f"query {name} {{\n{body}\n}}")


def brand_cards(brand, period) -> PanelQuery:
    return _query("BrandKpiCards", f'  brandKpis(brand: "{gid("Brand", brand.pk)}", {_period_args(period)}) {{\n'
                                   f"    comparison(kpis: {kpi_list(CARD_KPIS)}) {{ kpi value previous relativeChange }}\n"
                                   "  }")


def brand_series(brand, period, *, kpi: str, granularity: str) -> PanelQuery:
    return _query("BrandKpiSeries", f'  brandKpis(brand: "{gid("Brand", brand.pk)}", {_period_args(period)}) {{\n'
                                    f"    series(granularity: {granularity.upper()}, kpis: {kpi_list([kpi])}) "
                                    "{ key row }\n  }")


def brand_campaigns(brand, period) -> PanelQuery:
    return _query("BrandCampaigns",
                  f'  brandOverview(brand: "{gid("Brand", brand.pk)}", {_period_args(period)}, '
                  f"kpis: {kpi_list(TABLE_KPIS)}) {{\n"
                  "    campaigns { campaignId name status values { kpi value } }\n  }")


def top_videos(brand, period, *, kpi: str) -> PanelQuery:
    return _query("TopVideos", f'  topVideos(brand: "{gid("Brand", brand.pk)}", {_period_args(period)}, '
                               f"kpi: {kpi.upper()}, first: 10) {{\n    videoId title values {{ kpi value }}\n  }}")


def campaign_cards(campaign, period) -> PanelQuery:
    return _query("CampaignKpiCards",
                  f'  campaignKpis(campaign: "{gid("Campaign", campaign.pk)}", {_period_args(period)}) {{\n'
                  f"    comparison(kpis: {kpi_list(CARD_KPIS)}) {{ kpi value previous relativeChange }}\n  }}")


def campaign_series(campaign, period, *, kpi: str, granularity: str) -> PanelQuery:
    return _query("CampaignKpiSeries",
                  f'  campaignKpis(campaign: "{gid("Campaign", campaign.pk)}", {_period_args(period)}) {{\n'
                  f"    series(granularity: {granularity.upper()}, kpis: {kpi_list([kpi])}) {{ key row }}\n  }}")


def campaign_breakdown(campaign, period, *, by: str) -> PanelQuery:
    return _query("CampaignBreakdown",
                  f'  campaignKpis(campaign: "{gid("Campaign", campaign.pk)}", {_period_args(period)}) {{\n'
                  f"    breakdown(by: {by.upper()}, kpis: {kpi_list(TABLE_KPIS)}) {{\n"
                  "      suppressedSmallGroups\n      table { columns rows }\n    }\n  }")


def campaign_budget(campaign, flight) -> PanelQuery:
    return _query("CampaignBudget",
                  f'  node(id: "{gid("Campaign", campaign.pk)}") {{\n'
                  "    ... on Campaign { budgetLifetime budgetDaily currency }\n  }\n"
                  f'  campaignKpis(campaign: "{gid("Campaign", campaign.pk)}", {_period_args(flight)}) {{\n'
                  "    totals(kpis: [SPEND]) { kpi value }\n"
                  "    series(granularity: DAY, kpis: [SPEND]) { key row }\n  }")


def campaign_platform(campaign, period) -> PanelQuery:
    return _query("CampaignPlatformMetrics",
                  f'  campaignKpis(campaign: "{gid("Campaign", campaign.pk)}", {_period_args(period)}) {{\n'
                  f"    platformTotals(kpis: {kpi_list(PLATFORM_TABLE_KPIS)}) {{ adPlatform values {{ kpi value }} }}\n"
                  "    reconciliation {\n      day platformImpressions firstPartyImpressions impressionsDifference\n"
                  "      platformPlays firstPartyPlays playsDifference platformClicks firstPartyClicks clicksDifference\n"
                  "    }\n  }\n"
                  f'  node(id: "{gid("Campaign", campaign.pk)}") {{\n'
                  "    ... on Campaign { pacing { status spendToDate expectedLifetime expectedDaily ratio "
                  "dailyCapHitEarly projectedSpend } }\n  }")


def campaign_audience(campaign) -> PanelQuery:
    return _query("CampaignAudience",
                  f'  node(id: "{gid("Campaign", campaign.pk)}") {{\n'
                  "    ... on Campaign {\n      audience {\n        persona { id label }\n"
                  "        basis viewers views engagementRate conversionRate predictedAffinity isTarget\n"
                  "      }\n    }\n  }")


def personas(brand) -> PanelQuery:
    return _query("Personas", f'  personas(brand: "{gid("Brand", brand.pk)}") {{\n'
                              "    edges { node {\n      id label size share profile\n"
                              "      kpis { suppressed campaigns { campaignId campaignName reach views engagementRate "
                              "ctr cvr } }\n    } }\n  }")


def viewer_recommendations(viewer_pk: int) -> PanelQuery:
    return _query("Recommendations", f'  recommendations(viewer: "{gid("Viewer", viewer_pk)}", first: 10) {{\n'
                                     "    videoId title category score reasons\n  }")


def persona_recommendations(persona_pk: int) -> PanelQuery:
    return _query("PersonaRecommendations",
                  f'  personaRecommendations(persona: "{gid("Persona", persona_pk)}", first: 10) {{\n'
                  "    videoId title category score reasons\n  }")


def similar_videos(video_pk: int) -> PanelQuery:
    return _query("SimilarVideos", f'  similarVideos(video: "{gid("Video", video_pk)}", first: 10) {{\n'
                                   "    videoId title category score reasons\n  }")


def recommender_models(brand) -> PanelQuery:
    return _query("RecommenderModels", f'  recommendationModels(brand: "{gid("Brand", brand.pk)}") {{\n'
                                       "    edges { node { version algorithm status isActive metrics trainedAt } }\n"
                                       "  }")


def recommendation_metrics(brand, date_from, date_to) -> PanelQuery:
    return _query("RecommendationMetrics",
                  f'  recommendationMetrics(brand: "{gid("Brand", brand.pk)}", dateFrom: "{date_from.isoformat()}", '
                  f'dateTo: "{date_to.isoformat()}", by: MODEL_VERSION) {{\n'
                  "    key servedLists itemsServed ctr hitRate watchSecondsPer1000 conversionsPer1000 "
                  "catalogueCoverage\n  }")


def experiments(brand) -> PanelQuery:
    return _query("RecommenderExperiments", f'  experiments(brand: "{gid("Brand", brand.pk)}") {{\n'
                                            "    edges { node { surface controlVersion candidateVersion trafficShare "
                                            "status requiredSampleSize result } }\n  }")
