"""GraphQL types of recommendations: a recommended video, recommender versions and settings, online metrics, experiments."""

from __future__ import annotations

import enum

import strawberry
import strawberry_django
from strawberry import relay
from strawberry.scalars import JSON

from analytics.trained.models import TrainingStatus
from recommendations import models, online_metrics
from recommendations.models import RecommenderSettings
from reelboard.graphql.core.enums import choices_enum, describe_values
from reelboard.graphql.core.types import BrandScoped

RecommenderStatus = choices_enum(
    TrainingStatus, name="RecommenderStatus", description="Where a recommender version is in training.",
    values={"QUEUED": "Waiting for a worker.", "TRAINING": "Being trained (poll its job).",
            "READY": "Trained and evaluated: can be made active.", "FAILED": "Training failed."})


@strawberry.type(description="One recommended video, with its score and the reasons it was picked.")
class RecommendedVideo:
    video_id: relay.GlobalID
    title: str
    category: str
    score: float
    reasons: list[str] = strawberry.field(description="Readable reasons a marketer can act on.")


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
