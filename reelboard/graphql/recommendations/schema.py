"""Recommendations' root fields: serve (a viewer, a persona), similar videos, settings, recommender versions,
online metrics, experiments."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import relay
from strawberry.types import Info

from marketing.models import Brand
from recommendations import models, online_metrics, selectors, services, serving
from reelboard.graphql.core import ids
from reelboard.graphql.core.errors import decode_id
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.core.types import Connection
from reelboard.graphql.recommendations.mutations import Mutation
from reelboard.graphql.recommendations.types import (
    MetricsGrouping,
    RecommendationMetricsRow,
    RecommendedVideo,
    RecommenderExperimentType,
    RecommenderModelType,
    RecommenderSettingsType,
)


def _shape(recs: list[serving.Recommendation]) -> list[RecommendedVideo]:
    return [RecommendedVideo(video_id=relay.GlobalID("Video", str(r.video.pk)), title=r.video.title,
                             category=r.video.category, score=round(r.score, 6), reasons=r.reasons) for r in recs]


BrandArgument = Annotated[strawberry.ID | None, strawberry.argument(
    description="Only this brand's rows (a Brand ID); default: every brand you can read.")]


def _brand_id(info: Info, brand: str | None) -> int | None:
    """A brand the caller may see (a missing one and another brand's: NOT_FOUND); None stays None."""
    row = ids.visible(Brand.objects, brand, expected="Brand", field="brand", principal=principal_of(info))
    return None if row is None else row.pk


RerankStrength = Annotated[float | None, strawberry.argument(
    description="Re-ranking strength for this request, 0 (relevance order) to 1; default: the brand's setting.")]


@strawberry.type
class Query:
    @strawberry.field(extensions=authenticated(),
                      description="Approved videos of the viewer's brand for one viewer, best first, with reasons.")
    def recommendations(self, info: Info, viewer: strawberry.ID, first: int = 20,
                        campaign: strawberry.ID | None = None, platform: str | None = None,
                        exclude_seen: bool = True,
                        rerank_strength: RerankStrength = None) -> list[RecommendedVideo]:
        return _shape(serving.recommend_for_viewer(
            principal=principal_of(info), viewer_id=decode_id(viewer, expected="Viewer", field="viewer"),
            n=first, campaign_id=decode_id(campaign, expected="Campaign", field="campaign"), platform=platform,
            exclude_seen=exclude_seen, rerank_strength=rerank_strength))

    @strawberry.field(extensions=authenticated(),
                      description="Approved videos most like one video. Pass the viewer who asks to serve that "
                                  "viewer's arm of an experiment on the similar surface and attribute the list.")
    def similar_videos(self, info: Info, video: strawberry.ID, first: int = 10,
                       rerank_strength: RerankStrength = None,
                       viewer: strawberry.ID | None = None) -> list[RecommendedVideo]:
        return _shape(serving.similar_videos(
            principal=principal_of(info), video_id=decode_id(video, expected="Video", field="video"), n=first,
            rerank_strength=rerank_strength, viewer_id=decode_id(viewer, expected="Viewer", field="viewer")))

    @strawberry.field(extensions=authenticated(),
                      description="A brand's re-ranking of served recommendations (defaults when never set).")
    def recommender_settings(self, info: Info, brand: strawberry.ID) -> RecommenderSettingsType:
        return RecommenderSettingsType.from_model(services.recommender_settings_get(
            principal=principal_of(info), brand_id=decode_id(brand, expected="Brand", field="brand")))

    @strawberry.field(extensions=authenticated(),
                      description="Approved videos for a persona of the active persona model, best first: what a "
                                  "new viewer of that persona is served.")
    def persona_recommendations(self, info: Info, persona: strawberry.ID, first: int = 20) -> list[RecommendedVideo]:
        return _shape(serving.recommend_for_persona(
            principal=principal_of(info), persona_id=decode_id(persona, expected="Persona", field="persona"),
            n=first))

    @strawberry_django.connection(Connection[RecommenderModelType], extensions=authenticated(),
                                  description="Recommender versions of your brands, newest first.")
    def recommendation_models(self, info: Info, brand: BrandArgument = None) -> QuerySet[models.RecommenderModel]:
        return selectors.recommender_models(principal=principal_of(info), brand_id=_brand_id(info, brand))

    @strawberry.field(extensions=authenticated(),
                      description="Online metrics of served lists on the days dateFrom..dateTo (brand time zone).")
    def recommendation_metrics(self, info: Info, brand: strawberry.ID, date_from: datetime.date,
                               date_to: datetime.date, by: MetricsGrouping) -> list[RecommendationMetricsRow]:  # type: ignore[valid-type]
        return [RecommendationMetricsRow.from_row(r) for r in online_metrics.recommendation_metrics(
            principal=principal_of(info), brand_id=decode_id(brand, expected="Brand", field="brand"),
            date_from=date_from, date_to=date_to, by=by.value)]

    @strawberry_django.connection(Connection[RecommenderExperimentType], extensions=authenticated(),
                                  description="Recommender experiments of your brands, newest first.")
    def experiments(self, info: Info, brand: BrandArgument = None) -> QuerySet[models.RecommenderExperiment]:
        return selectors.experiments(principal=principal_of(info), brand_id=_brand_id(info, brand))


__all__ = ["Mutation", "Query"]
