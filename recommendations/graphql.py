"""GraphQL for recommendations: serve, find similar videos, list/train/activate model versions."""

from __future__ import annotations

import datetime
import enum
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from marketing.graphql import ids
from marketing.graphql.errors import UserError, decode_id, run_service
from marketing.graphql.permissions import authenticated, principal_of
from marketing.jobs.graphql import JobType, job_from
from marketing.models import Brand
from recommendations import services, serving
from recommendations.models import RecommenderModel, RecommenderSettings

RecommenderStatus = strawberry.enum(
    enum.Enum("RecommenderStatus", {"QUEUED": "queued", "TRAINING": "training", "READY": "ready", "FAILED": "failed"}))


@strawberry.type
class RecommendedVideo:
    video_id: relay.GlobalID
    title: str
    category: str
    score: float
    reasons: list[str] = strawberry.field(description="Readable reasons a marketer can act on.")


def _shape(recs: list[serving.Recommendation]) -> list[RecommendedVideo]:
    return [RecommendedVideo(video_id=relay.GlobalID("Video", str(r.video.pk)), title=r.video.title,
                             category=r.video.category, score=round(r.score, 6), reasons=r.reasons) for r in recs]


RerankStrength = Annotated[float | None, strawberry.argument(
    description="Re-ranking strength for this request, 0 (relevance order) to 1; default: the brand's setting.")]


@strawberry.type(name="RecommenderSettings",
                 description="How a brand's served recommendations are re-ranked for diversity and fair exposure.")
class RecommenderSettingsType:
    brand_id: relay.GlobalID
    rerank_enabled: bool
    rerank_strength: float = strawberry.field(description="0 = relevance order only, 1 = strongest re-ranking.")
    video_cap: float = strawberry.field(description="Share of recent served slots above which a video is pushed down.")
    category_cap: float = strawberry.field(description="Share of recent served slots above which a category is "
                                                       "pushed down.")

    @classmethod
    def from_model(cls, s: RecommenderSettings) -> RecommenderSettingsType:
        return cls(brand_id=relay.GlobalID("Brand", str(s.brand_id)), rerank_enabled=s.rerank_enabled,
                   rerank_strength=s.rerank_strength, video_cap=s.video_cap, category_cap=s.category_cap)


@strawberry.type(name="RecommenderModel")
class RecommenderModelType:
    id: relay.GlobalID
    version: int
    algorithm: str
    status: RecommenderStatus  # type: ignore[valid-type]
    is_active: bool
    metrics: JSON
    n_viewers: int
    n_videos: int
    n_interactions: int
    training_seconds: float | None
    trained_at: datetime.datetime | None

    @classmethod
    def from_model(cls, m: RecommenderModel) -> RecommenderModelType:
        return cls(id=relay.GlobalID("RecommenderModel", str(m.pk)), version=m.version, algorithm=m.algorithm,
                   status=RecommenderStatus(m.status), is_active=m.is_active, metrics=m.metrics,
                   n_viewers=m.n_viewers, n_videos=m.n_videos, n_interactions=m.n_interactions,
                   training_seconds=m.training_seconds, trained_at=m.trained_at)


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

    @strawberry.field(extensions=authenticated(), description="Approved videos most like one video.")
    def similar_videos(self, info: Info, video: strawberry.ID, first: int = 10,
                       rerank_strength: RerankStrength = None) -> list[RecommendedVideo]:
        return _shape(serving.similar_videos(
            principal=principal_of(info), video_id=decode_id(video, expected="Video", field="video"), n=first,
            rerank_strength=rerank_strength))

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

    @strawberry.field(extensions=authenticated(), description="Recommender versions of your brands, newest first.")
    def recommendation_models(self, info: Info, brand: strawberry.ID | None = None) -> list[RecommenderModelType]:
        models = RecommenderModel.objects.for_principal(principal_of(info)).order_by("brand_id", "-version")
        if brand is not None:
            models = models.filter(brand=ids.visible(Brand.objects, brand, expected="Brand", field="brand",
                                                     principal=principal_of(info)))
        return [RecommenderModelType.from_model(m) for m in models[:100]]


@strawberry.input
class TrainRecommenderInput:
    brand_id: strawberry.ID
    k: int | None = strawberry.field(default=None, description="Cut-off for the held-out evaluation (10).")
    grid: str | None = strawberry.field(default=None, description="quick (default) or full hyper-parameter grid.")


@strawberry.type
class TrainRecommenderPayload:
    job: JobType | None = None
    errors: list[UserError]


@strawberry.type
class ActivateRecommenderPayload:
    model: RecommenderModelType | None = None
    errors: list[UserError]


@strawberry.input
class UpdateRecommenderSettingsInput:
    brand_id: strawberry.ID
    rerank_enabled: bool | None = None
    rerank_strength: float | None = strawberry.field(default=None, description="0 to 1.")
    video_cap: float | None = strawberry.field(default=None, description="Above 0, at most 1.")
    category_cap: float | None = strawberry.field(default=None, description="Above 0, at most 1.")


@strawberry.type
class UpdateRecommenderSettingsPayload:
    settings: RecommenderSettingsType | None = None
    errors: list[UserError]


@strawberry.type
class Mutation:
    @strawberry.mutation(extensions=authenticated(), description="Train a new version; poll job(id) for progress.")
    def train_recommender(self, info: Info, input: TrainRecommenderInput) -> TrainRecommenderPayload:
        def call():
            params = {key: value for key, value in (("k", input.k), ("grid", input.grid)) if value is not None}
            job = services.train_recommender_for(
                principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brand"),
                params=params)
            return TrainRecommenderPayload(job=job_from(job), errors=[])

        return run_service(TrainRecommenderPayload, None, call)

    @strawberry.mutation(extensions=authenticated(), description="Make a ready version the brand's active one.")
    def activate_recommender(self, info: Info, id: strawberry.ID) -> ActivateRecommenderPayload:
        def call():
            model = services.activate_recommender(
                principal=principal_of(info), model_id=decode_id(id, expected="RecommenderModel", field="id"))
            return ActivateRecommenderPayload(model=RecommenderModelType.from_model(model), errors=[])

        return run_service(ActivateRecommenderPayload, None, call)

    @strawberry.mutation(extensions=authenticated(),
                         description="Set a brand's re-ranking of served recommendations (brand admins).")
    def update_recommender_settings(self, info: Info, input: UpdateRecommenderSettingsInput) -> UpdateRecommenderSettingsPayload:
        def call():
            settings = services.recommender_settings_update(
                principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brand"),
                rerank_enabled=input.rerank_enabled, rerank_strength=input.rerank_strength,
                video_cap=input.video_cap, category_cap=input.category_cap)
            return UpdateRecommenderSettingsPayload(settings=RecommenderSettingsType.from_model(settings), errors=[])

        return run_service(UpdateRecommenderSettingsPayload, None, call)
