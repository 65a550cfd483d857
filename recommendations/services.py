"""Recommender actions callable from GraphQL, the admin and beat: start training, activate, settings.

Training follows the shared lifecycle (``analytics.trained.services``): ``recommender_training_start``
queues a version and its job; the task ``recommendations.tasks.train_recommender`` runs
``recommendations.training.train_recommender``."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from analytics.trained import services as lifecycle
from marketing.auth import Principal
from marketing.jobs.models import Job
from marketing.models import AuditSource, Brand, Role
from marketing.services.access import get_for_role
from marketing.services.audit import audit_record
from marketing.services.errors import ErrorCode, FieldError, ServiceValidationError
from recommendations import experiment_stats as st
from recommendations import experiments
from recommendations.models import (
    ExperimentStatus,
    RecommenderExperiment,
    RecommenderModel,
    RecommenderSettings,
)

ALLOWED_PARAMS = {"k", "grid"}
JOB_KIND_TRAIN = "recommendations.train"


def _start(*, brand_id: int, params: dict, created_by=None) -> Job:
    return lifecycle.start_training(RecommenderModel, brand_id=brand_id, params=params, task="recommendations.train",
                                    job_kind=JOB_KIND_TRAIN, created_by=created_by)


def recommender_training_start(*, principal: Principal, brand_id, params: dict | None = None) -> Job:
    """Queue a new recommender version for a brand (editor role); returns the Job to poll.

    params: ``k`` (list length evaluated, 1 to 100) and ``grid`` (``quick`` or ``full`` search).
    """
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.EDITOR)
    params = dict(params or {})
    unknown = set(params) - ALLOWED_PARAMS
    if unknown:
        raise ServiceValidationError.single("params", ErrorCode.INVALID, f"Unknown parameters: {sorted(unknown)}.")
    if params.get("grid", "quick") not in ("quick", "full"):
        raise ServiceValidationError.single("grid", ErrorCode.INVALID_CHOICE, "grid is quick or full.")
    if not 1 <= int(params.get("k", 10)) <= 100:
        raise ServiceValidationError.single("k", ErrorCode.OUT_OF_RANGE, "k is between 1 and 100.")
    return _start(brand_id=brand.pk, params=params, created_by=principal.actor)


def recommender_retrain_all_brands() -> list[int]:
    """Queue a new version (default parameters) for every brand with interactions; returns the job ids."""
    brand_ids = Brand.objects.filter(interactions__isnull=False).distinct().values_list("pk", flat=True)
    return [_start(brand_id=brand_id, params={}).pk for brand_id in brand_ids]


def activate_recommender(*, principal: Principal, model_id) -> RecommenderModel:
    """Make a ready version its brand's active recommender (editor role)."""
    model = get_for_role(RecommenderModel.objects, principal=principal, pk=model_id, field="id", min_role=Role.EDITOR)
    return lifecycle.activate(RecommenderModel, model_id=model.pk, field="id")


def recommender_settings_get(*, principal: Principal, brand_id) -> RecommenderSettings:
    """The brand's re-ranking settings (the defaults, unsaved, when the brand never set them)."""
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.VIEWER)
    return RecommenderSettings.objects.filter(brand=brand).first() or RecommenderSettings(brand=brand)


def recommender_settings_update(*, principal: Principal, brand_id, rerank_enabled: bool | None = None,
                                rerank_strength: float | None = None, video_cap: float | None = None,
                                category_cap: float | None = None) -> RecommenderSettings:
    """Set a brand's re-ranking (brand admins): on/off, strength in [0, 1], caps in (0, 1].

    Fields left ``None`` keep their value; nothing is saved when any value is out of range.
    """
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.ADMIN)
    errors = []
    if rerank_strength is not None and not 0.0 <= rerank_strength <= 1.0:
        errors.append(("rerank_strength", gettext("The re-ranking strength is between 0 and 1.")))
    for field, value in (("video_cap", video_cap), ("category_cap", category_cap)):
        if value is not None and not 0.0 < value <= 1.0:
            errors.append((field, gettext("A cap is a share above 0 and at most 1.")))
    if errors:
        raise ServiceValidationError([FieldError(field, ErrorCode.OUT_OF_RANGE, message) for field, message in errors])
    current = RecommenderSettings.objects.filter(brand=brand).first() or RecommenderSettings(brand=brand)
    for field, value in (("rerank_enabled", rerank_enabled), ("rerank_strength", rerank_strength),
                         ("video_cap", video_cap), ("category_cap", category_cap)):
        if value is not None:
            setattr(current, field, value)
    current.full_clean()
    current.save()
    return current


def promote_experiment(*, principal: Principal, experiment_id, source: str = AuditSource.API) -> RecommenderExperiment:
    """Activate the candidate (through ``activate_recommender``) once the verdict says it is better."""
    experiment = get_for_role(RecommenderExperiment.objects, principal=principal, pk=experiment_id, field="id",
                              min_role=Role.EDITOR)
    if experiment.status == ExperimentStatus.PROMOTED:
        raise ServiceValidationError.single("id", ErrorCode.FORBIDDEN_TRANSITION,
                                            gettext("This experiment was already promoted."))
    result = experiments.evaluate(experiment=experiment)
    if result["verdict"] != st.CANDIDATE_BETTER:
        raise ServiceValidationError.single("id", ErrorCode.FORBIDDEN_TRANSITION,
                                            gettext("Only a candidate found better can be promoted."))
    with transaction.atomic():
        activate_recommender(principal=principal, model_id=experiment.candidate_id)
        experiment.status = ExperimentStatus.PROMOTED
        experiment.stopped_at = experiment.stopped_at or timezone.now()
        experiment.stop_reason = experiment.stop_reason or "promoted"
        experiment.save(update_fields=["status", "stopped_at", "stop_reason"])
        audit_record(principal=principal, source=source, action="promoteExperiment", brand_id=experiment.brand_id,
                     object_type="recommenderexperiment", object_id=experiment.pk,
                     details={"activated": experiment.candidate_id})
    return experiment
