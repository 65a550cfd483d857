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
from recommendations import experiments, online_metrics, services, serving
from recommendations.models import RecommenderExperiment, RecommenderModel, RecommenderSettings

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


MetricsGrouping = strawberry.enum(
    enum.Enum("RecommendationMetricsGrouping", {"MODEL_VERSION": "model_version", "ARM": "arm", "SURFACE": "surface",
                                                "POSITION": "position"}),
    description="What served-list metrics are grouped by.")
RecommendationSurface = strawberry.enum(
    enum.Enum("RecommendationSurface", {"FEED": "feed", "SIMILAR": "similar"}),
    description="feed: recommendations; similar: similarVideos.")
ExperimentMetricEnum = strawberry.enum(
    enum.Enum("ExperimentMetric", {"ENGAGED_VIEWERS": "engaged_viewers", "CONVERTED_VIEWERS": "converted_viewers",
                                   "CTR_PER_VIEWER": "ctr_per_viewer",
                                   "WATCH_SECONDS_PER_VIEWER": "watch_seconds_per_viewer"}),
    description="A per-viewer outcome of an experiment (rates: two-proportion z test; means: Welch).")
ExperimentStatusEnum = strawberry.enum(
    enum.Enum("ExperimentStatus", {"RUNNING": "running", "STOPPED": "stopped", "PROMOTED": "promoted"}))


@strawberry.type
class RecommendationMetricsRow:
    key: str | None = strawberry.field(description="The version, arm, surface or position (0 = top); null: none.")
    served_lists: int
    items_served: int
    ctr: float = strawberry.field(description="Served items with a click or view attributed / items served.")
    hit_rate: float = strawberry.field(description="Lists with any attributed engagement / lists.")
    watch_seconds_per_1000: float
    conversions_per_1000: float
    videos_served: int
    catalogue_coverage: float = strawberry.field(description="Distinct videos served / approved videos.")

    @classmethod
    def from_row(cls, r: online_metrics.MetricsRow) -> RecommendationMetricsRow:
        return cls(key=r.key, served_lists=r.served_lists, items_served=r.items_served, ctr=round(r.ctr, 6),
                   hit_rate=round(r.hit_rate, 6), watch_seconds_per_1000=round(r.watch_seconds_per_1000, 3),
                   conversions_per_1000=round(r.conversions_per_1000, 3), videos_served=r.videos_served,
                   catalogue_coverage=round(r.catalogue_coverage, 6))


@strawberry.type(name="RecommenderExperiment")
class RecommenderExperimentType:
    id: relay.GlobalID
    surface: RecommendationSurface  # type: ignore[valid-type]
    control_version: int
    candidate_version: int
    traffic_share: float
    status: ExperimentStatusEnum  # type: ignore[valid-type]
    primary_metric: ExperimentMetricEnum  # type: ignore[valid-type]
    guardrail_metrics: list[str]
    mde: float
    baseline: float
    alpha: float
    power: float
    required_sample_size: int
    started_at: datetime.datetime
    stopped_at: datetime.datetime | None
    stop_reason: str
    result: JSON = strawberry.field(description="The last evaluation: verdict, effect, CI, p-value, guardrails.")

    @classmethod
    def from_model(cls, e: RecommenderExperiment) -> RecommenderExperimentType:
        return cls(id=relay.GlobalID("RecommenderExperiment", str(e.pk)), surface=RecommendationSurface(e.surface),
                   control_version=e.control.version, candidate_version=e.candidate.version,
                   traffic_share=e.traffic_share, status=ExperimentStatusEnum(e.status),
                   primary_metric=ExperimentMetricEnum(e.primary_metric), guardrail_metrics=e.guardrail_metrics,
                   mde=e.mde, baseline=e.baseline, alpha=e.alpha, power=e.power,
                   required_sample_size=e.required_sample_size, started_at=e.started_at, stopped_at=e.stopped_at,
                   stop_reason=e.stop_reason, result=e.result)


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

    @strawberry.field(extensions=authenticated(), description="Recommender versions of your brands, newest first.")
    def recommendation_models(self, info: Info, brand: strawberry.ID | None = None) -> list[RecommenderModelType]:
        models = RecommenderModel.objects.for_principal(principal_of(info)).order_by("brand_id", "-version")
        if brand is not None:
            models = models.filter(brand=ids.visible(Brand.objects, brand, expected="Brand", field="brand",
                                                     principal=principal_of(info)))
        return [RecommenderModelType.from_model(m) for m in models[:100]]


    @strawberry.field(extensions=authenticated(),
                      description="Online metrics of served lists on the days dateFrom..dateTo (brand time zone).")
    def recommendation_metrics(self, info: Info, brand: strawberry.ID, date_from: datetime.date,
                               date_to: datetime.date, by: MetricsGrouping) -> list[RecommendationMetricsRow]:  # type: ignore[valid-type]
        return [RecommendationMetricsRow.from_row(r) for r in online_metrics.recommendation_metrics(
            principal=principal_of(info), brand_id=decode_id(brand, expected="Brand", field="brand"),
            date_from=date_from, date_to=date_to, by=by.value)]

    @strawberry.field(extensions=authenticated(), description="Recommender experiments of your brands, newest first.")
    def experiments(self, info: Info, brand: strawberry.ID | None = None) -> list[RecommenderExperimentType]:
        rows = RecommenderExperiment.objects.for_principal(principal_of(info)).select_related("control", "candidate")
        if brand is not None:
            rows = rows.filter(brand=ids.visible(Brand.objects, brand, expected="Brand", field="brand",
                                                 principal=principal_of(info)))
        return [RecommenderExperimentType.from_model(e) for e in rows[:100]]


@strawberry.input
class StartExperimentInput:
    brand_id: strawberry.ID
    control_id: strawberry.ID = strawberry.field(description="A ready RecommenderModel of the brand.")
    candidate_id: strawberry.ID
    traffic_share: float = strawberry.field(description="Share of viewers who get the candidate, in (0, 1).")
    primary_metric: ExperimentMetricEnum  # type: ignore[valid-type]
    mde: float = strawberry.field(description="Minimum detectable effect, absolute.")
    baseline: float = strawberry.field(description="The control's rate (rates) or per-viewer sd (means).")
    guardrail_metrics: list[ExperimentMetricEnum] | None = None  # type: ignore[valid-type]
    surface: RecommendationSurface | None = None  # type: ignore[valid-type]
    alert_webhook_url: str | None = None
    alert_emails: str | None = None


@strawberry.type
class ExperimentPayload:
    experiment: RecommenderExperimentType | None = None
    errors: list[UserError]


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
            job = services.recommender_training_start(
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

    @strawberry.mutation(extensions=authenticated(), description="Start an A/B test of two ready versions.")
    def start_experiment(self, info: Info, input: StartExperimentInput) -> ExperimentPayload:
        def call():
            experiment = experiments.start_experiment(
                principal=principal_of(info), brand_id=decode_id(input.brand_id, expected="Brand", field="brand"),
                control_id=decode_id(input.control_id, expected="RecommenderModel", field="control"),
                candidate_id=decode_id(input.candidate_id, expected="RecommenderModel", field="candidate"),
                traffic_share=input.traffic_share, primary_metric=input.primary_metric.value, mde=input.mde,
                baseline=input.baseline, guardrail_metrics=[m.value for m in input.guardrail_metrics or []],
                surface=input.surface.value if input.surface else "feed",
                alert_webhook_url=input.alert_webhook_url or "", alert_emails=input.alert_emails or "")
            return ExperimentPayload(experiment=RecommenderExperimentType.from_model(experiment), errors=[])

        return run_service(ExperimentPayload, None, call, aliases=_EXPERIMENT_FIELDS)

    @strawberry.mutation(extensions=authenticated(), description="Stop a running experiment.")
    def stop_experiment(self, info: Info, id: strawberry.ID) -> ExperimentPayload:
        def call():
            experiment = experiments.stop_experiment(
                principal=principal_of(info), experiment_id=decode_id(id, expected="RecommenderExperiment", field="id"))
            return ExperimentPayload(experiment=RecommenderExperimentType.from_model(experiment), errors=[])

        return run_service(ExperimentPayload, None, call)

    @strawberry.mutation(extensions=authenticated(),
                         description="Activate the candidate of an experiment whose verdict is candidate better.")
    def promote_experiment(self, info: Info, id: strawberry.ID) -> ExperimentPayload:
        def call():
            experiment = services.promote_experiment(
                principal=principal_of(info), experiment_id=decode_id(id, expected="RecommenderExperiment", field="id"))
            return ExperimentPayload(experiment=RecommenderExperimentType.from_model(experiment), errors=[])

        return run_service(ExperimentPayload, None, call)

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


_EXPERIMENT_FIELDS = {"control": "controlId", "candidate": "candidateId"}
