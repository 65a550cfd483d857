"""The lifecycle of a trained model, one set of services for personas and recommenders.

``start_training`` (a queued version, its Job, the task after commit) → the task calls
``begin_training`` → fits → ``finish_training`` (ready; the brand's first ready version, or one
asked to, goes live) or ``fail_training``. ``activate`` switches the brand's active version.
Every function takes the concrete model class first: ``activate(RecommenderModel, model_id=...)``.
"""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from analytics.trained.models import TrainedModel, TrainingStatus
from marketing.jobs import services as jobs
from marketing.jobs.models import Job
from marketing.models import Brand
from marketing.services.errors import ErrorCode, ServiceValidationError

ERROR_MAX_CHARS = 5000


def next_version(model_class: type[TrainedModel], *, brand_id: int) -> int:
    """The version number the brand's next run of ``model_class`` gets (1 for the first)."""
    return (model_class.objects.filter(brand_id=brand_id).aggregate(v=Max("version"))["v"] or 0) + 1


def create_version(model_class: type[TrainedModel], *, brand_id: int, params: dict, created_by=None,
                   **fields) -> TrainedModel:
    """A queued row with the brand's next version (the brand row is locked so two starts do not collide)."""
    with transaction.atomic():
        Brand.objects.select_for_update().filter(pk=brand_id).first()
        return model_class.objects.create(brand_id=brand_id, version=next_version(model_class, brand_id=brand_id),
                                          params=params, created_by=created_by, **fields)


def start_training(model_class: type[TrainedModel], *, brand_id: int, params: dict, task, job_kind: str,
                   created_by=None) -> Job:
    """Queue a new version, the Job that reports on it and ``task(job_id=..., <job_id_param>=...)``
    (sent after commit). Returns the Job to poll."""
    with transaction.atomic():
        model = create_version(model_class, brand_id=brand_id, params=params, created_by=created_by)
        job = jobs.job_create(brand_id=brand_id, kind=job_kind, params={model_class.job_id_param: model.pk, **params},
                              created_by=created_by)
        jobs.job_enqueue(job=job, task=task, **{model_class.job_id_param: model.pk})
    return job


def begin_training(model: TrainedModel) -> float:
    """Mark the version as training (clearing an earlier error); returns the start time for ``finish_training``."""
    type(model).objects.filter(pk=model.pk).update(status=TrainingStatus.TRAINING, error="")
    model.status, model.error = TrainingStatus.TRAINING, ""
    return time.monotonic()


def finish_training(model: TrainedModel, *, started: float, activate: bool = False) -> TrainedModel:
    """Save the fitted version as ready; it goes live when ``activate`` or when the brand has no active one."""
    model_class = type(model)
    model.status = TrainingStatus.READY
    model.trained_at = timezone.now()
    model.training_seconds = round(time.monotonic() - started, 3)
    with transaction.atomic():
        model.save()
        if activate or not model_class.objects.filter(brand_id=model.brand_id, is_active=True).exists():
            _switch_active(model)
    return model


def fail_training(model_class: type[TrainedModel], *, model_id: int, error: str) -> None:
    """Record a failed run (a version already ready stays ready: a late redelivery cannot undo it)."""
    model_class.objects.filter(pk=model_id).exclude(status=TrainingStatus.READY).update(
        status=TrainingStatus.FAILED, error=error[:ERROR_MAX_CHARS])


def activate(model_class: type[TrainedModel], *, model_id: int, field: str = "id") -> TrainedModel:
    """Make a ready version its brand's active one (the previous one is switched off).

    Raises ServiceValidationError on ``field`` when the version is not ready or a concurrent
    activation won (the one-active constraint kept a single active version).
    """
    model = model_class.objects.get(pk=model_id)
    if model.status != TrainingStatus.READY:
        raise ServiceValidationError.single(field, ErrorCode.INVALID,
                                            f"Only a ready model can be activated (this one is {model.status}).")
    try:
        with transaction.atomic():
            Brand.objects.select_for_update().filter(pk=model.brand_id).first()
            _switch_active(model)
    except IntegrityError:
        raise ServiceValidationError.single(field, ErrorCode.DUPLICATE,
                                            "Another model was activated at the same time; retry.") from None
    model.refresh_from_db()
    return model


def _switch_active(model: TrainedModel) -> None:
    model_class = type(model)
    model_class.objects.filter(brand_id=model.brand_id, is_active=True).exclude(pk=model.pk).update(is_active=False)
    model.activated_at = timezone.now()
    model_class.objects.filter(pk=model.pk).update(is_active=True, activated_at=model.activated_at)
    model.is_active = True
