"""trainRecommender (a pollable job), activateRecommender, start/stop/promoteExperiment,
updateRecommenderSettings; each resolver decodes ids and calls one service."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from recommendations import experiments, services
from reelboard.graphql.core.errors import UserError, decode_id, run_service
from reelboard.graphql.core.permissions import authenticated, principal_of
from reelboard.graphql.jobs.types import JobType, job_from
from reelboard.graphql.recommendations.types import (
    ExperimentMetricEnum,
    RecommendationSurface,
    RecommenderExperimentType,
    RecommenderModelType,
    RecommenderSettingsType,
)


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
