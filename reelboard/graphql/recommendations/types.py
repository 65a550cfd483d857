"""GraphQL for recommendations: serve, find similar videos, list/train/activate model versions."""

from __future__ import annotations

import datetime
import enum
from typing import Annotated

import strawberry
import strawberry_django
from django.db.models import QuerySet
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from marketing.models import Brand
from recommendations import experiments, models, online_metrics, selectors, services, serving
from recommendations.models import RecommenderSettings
from reelboard.graphql.core import ids
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.jobs.types import JobType, job_from
from reelboard.graphql.marketing.enums import choices_enum, describe_values
from reelboard.graphql.marketing.types import BrandScoped, Connection

RecommenderStatus = choices_enum(
    models.RecommenderStatus, name="RecommenderStatus", description="Where a recommender version is in training.",
    values={"QUEUED": "Waiting for a worker.", "TRAINING": "Being trained (poll its job).",
            "READY": "Trained and evaluated: can be made active.", "FAILED": "Training failed."})


@strawberry.type(description="One recommended video, with its score and the reasons it was picked.")
class RecommendedVideo:
    video_id: relay.GlobalID
    title: str
    category: str
    score: float
    reasons: list[str] = strawberry.field(description="Readable reasons a marketer can act on.")


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


@strawberry_django.type(models.RecommenderModel, name="RecommenderModel",
                        description="One trained version of a brand's recommender; one version per brand is "
                                    "active (the one that serves).")
class RecommenderModelType(BrandScoped):
    version: strawberry.auto
    algorithm: strawberry.auto = strawberry_django.field(description="The estimator chosen for this version "
                                                                     "(e.g. hybrid).")
    status: RecommenderStatus  # type: ignore[valid-type]
    is_active: strawberry.auto
    metrics: JSON = strawberry_django.field(description="Held-out evaluation of this version (precision, recall, "
                                                        "NDCG, coverage at k; per candidate estimator).")
    n_viewers: strawberry.auto = strawberry_django.field(description="Viewers in the training matrix.")
    n_videos: strawberry.auto = strawberry_django.field(description="Videos in the training matrix.")
    n_interactions: strawberry.auto = strawberry_django.field(description="Interactions the matrix was built from.")
    training_seconds: strawberry.auto = strawberry_django.field(description="Wall time of the training, seconds.")
    trained_at: strawberry.auto = strawberry_django.field(description="When training finished; null before.")


MetricsGrouping = describe_values(strawberry.enum(
    enum.Enum("RecommendationMetricsGrouping", {"MODEL_VERSION": "model_version", "ARM": "arm", "SURFACE": "surface",
                                                "POSITION": "position"}),
    description="What served-list metrics are grouped by."), {
    "MODEL_VERSION": "The recommender version that served the list.",
    "ARM": "The experiment arm (control or candidate).", "SURFACE": "Feed or similar videos.",
    "POSITION": "The slot in the list (0 = top)."})
RecommendationSurface = choices_enum(
    models.Surface, name="RecommendationSurface", description="Where served recommendations are shown.",
    values={"FEED": "The recommendations field (a viewer's feed).", "SIMILAR": "The similarVideos field."})
ExperimentMetricEnum = choices_enum(
    models.ExperimentMetric, name="ExperimentMetric",
    description="A per-viewer outcome of an experiment (rates: two-proportion z test; means: Welch).")
ExperimentStatusEnum = choices_enum(
    models.ExperimentStatus, name="ExperimentStatus", description="Where an A/B test of two versions stands.",
    values={"RUNNING": "Splitting traffic between control and candidate.",
            "STOPPED": "Stopped (see stopReason); the control serves.",
            "PROMOTED": "The candidate won and was made the active version."})


@strawberry.type(description="Online metrics of the served lists of one group (version, arm, surface or position).")
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


@strawberry_django.type(models.RecommenderExperiment, name="RecommenderExperiment",
                        description="A fixed-horizon A/B test of a candidate recommender version against the "
                                    "control on one surface of a brand.")
class RecommenderExperimentType(BrandScoped):
    surface: RecommendationSurface  # type: ignore[valid-type]
    traffic_share: strawberry.auto
    status: ExperimentStatusEnum  # type: ignore[valid-type]
    primary_metric: ExperimentMetricEnum  # type: ignore[valid-type]
    guardrail_metrics: list[str] = strawberry_django.field(
        description="Metrics (ExperimentMetric values, lower case) that must not get worse; a breach alerts.")
    mde: strawberry.auto
    baseline: strawberry.auto
    alpha: strawberry.auto = strawberry_django.field(description="Significance level of the test.")
    power: strawberry.auto = strawberry_django.field(description="Power the sample size was computed for.")
    required_sample_size: strawberry.auto
    started_at: strawberry.auto = strawberry_django.field(description="When the split started.")
    stopped_at: strawberry.auto = strawberry_django.field(description="When it was stopped or promoted; null while "
                                                                      "running.")
    stop_reason: strawberry.auto = strawberry_django.field(description="Why it was stopped (a guardrail, a person).")
    result: JSON = strawberry_django.field(description="The last evaluation: verdict, effect, CI, p-value, "
                                                       "guardrails.")

    @strawberry_django.field(description="Version of the control recommender.", select_related=["control"],
                             only=["control__version"])
    def control_version(self) -> int:
        return self.control.version

    @strawberry_django.field(description="Version of the candidate recommender.", select_related=["candidate"],
                             only=["candidate__version"])
    def candidate_version(self) -> int:
        return self.candidate.version


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
            return ActivateRecommenderPayload(model=model, errors=[])

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
            return ExperimentPayload(experiment=experiment, errors=[])

        return run_service(ExperimentPayload, None, call, aliases=_EXPERIMENT_FIELDS)

    @strawberry.mutation(extensions=authenticated(), description="Stop a running experiment.")
    def stop_experiment(self, info: Info, id: strawberry.ID) -> ExperimentPayload:
        def call():
            experiment = experiments.stop_experiment(
                principal=principal_of(info), experiment_id=decode_id(id, expected="RecommenderExperiment", field="id"))
            return ExperimentPayload(experiment=experiment, errors=[])

        return run_service(ExperimentPayload, None, call)

    @strawberry.mutation(extensions=authenticated(),
                         description="Activate the candidate of an experiment whose verdict is candidate better.")
    def promote_experiment(self, info: Info, id: strawberry.ID) -> ExperimentPayload:
        def call():
            experiment = services.promote_experiment(
                principal=principal_of(info), experiment_id=decode_id(id, expected="RecommenderExperiment", field="id"))
            return ExperimentPayload(experiment=experiment, errors=[])

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
