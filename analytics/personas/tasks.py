"""Persona Celery tasks: small, take ids, delegate to services, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from analytics.personas import services
from marketing.jobs import services as jobs
from marketing.jobs.failures import failure_of
from marketing.services.errors import ServiceValidationError

logger = logging.getLogger(__name__)


@shared_task(name="personas.train_persona_model", acks_late=True)
def train_persona_model(job_id: int, persona_model_id: int) -> dict:
    """Train one PersonaModel, reporting progress on the Job. A redelivery of a finished job is a no-op."""
    job = jobs.job_start(job_id=job_id)
    if job.is_finished:
        return job.result or {}
    try:
        model = services.persona_model_train(persona_model_id=persona_model_id, job_id=job_id)
    except ServiceValidationError as exc:  # expected: too little data; recorded, not raised
        failure = failure_of(exc)
        services.persona_model_fail(persona_model_id=persona_model_id, error=failure.message)
        jobs.job_fail(job_id=job_id, failure=failure)
        return {"persona_model_id": persona_model_id, "error": failure.message}
    except Exception as exc:
        logger.exception("persona training %s failed", persona_model_id)
        # The model's error is shown to brand viewers: the classified message; the detail is on the job row.
        failure = failure_of(exc)
        services.persona_model_fail(persona_model_id=persona_model_id, error=failure.message)
        jobs.job_fail(job_id=job_id, failure=failure)
        raise
    result = {"persona_model_id": model.pk, "version": model.version, "k": model.k,
              "silhouette": model.metrics.get("silhouette"), "is_active": model.is_active}
    jobs.job_succeed(job_id=job_id, result=result)
    return result


@shared_task(name="personas.assign_new_viewers", acks_late=True)
def assign_new_viewers(brand_id: int) -> int:
    return services.assign_new_viewers(brand_id=brand_id)


@shared_task(name="personas.retrain_personas_all_brands", acks_late=True)
def retrain_personas_all_brands() -> list[int]:
    """Beat entry point (see migration 0002): queue one training job per brand with enough viewers."""
    return services.retrain_personas_all_brands()


@shared_task(name="personas.assign_new_viewers_all_brands", acks_late=True)
def assign_new_viewers_all_brands() -> int:
    """Beat entry point (see migration 0003): one assign_new_viewers task per brand with an active model."""
    brand_ids = services.brands_with_active_model()
    for brand_id in brand_ids:
        assign_new_viewers.delay(brand_id)
    return len(brand_ids)
