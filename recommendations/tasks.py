"""Celery tasks for recommenders: small, idempotent, taking ids."""

from __future__ import annotations

from celery import shared_task

from analytics.trained import services as lifecycle
from marketing.jobs import services as jobs
from marketing.jobs.failures import failure_of
from recommendations import training
from recommendations.models import RecommenderModel


@shared_task(name="recommendations.train", acks_late=True, reject_on_worker_lost=True)
def train_recommender(job_id: int, model_id: int) -> dict:
    """Train one queued RecommenderModel, reporting progress on the Job."""
    jobs.job_start(job_id=job_id)
    try:
        model = training.train_recommender(
            model_id=model_id, progress=lambda p, m: jobs.job_progress(job_id=job_id, progress=p, message=m))
    except Exception as exc:
        failure = failure_of(exc)
        lifecycle.fail_training(RecommenderModel, model_id=model_id, error=failure.detail)
        jobs.job_fail(job_id=job_id, failure=failure)
        raise
    result = {"model_id": model.pk, "version": model.version, "is_active": model.is_active}
    jobs.job_succeed(job_id=job_id, result=result)
    return result


@shared_task(name="recommendations.retrain_all_brands", acks_late=True)
def retrain_all_brands() -> list[int]:
    """Beat entry point: queue a new version for every brand with interactions."""
    from recommendations.services import recommender_retrain_all_brands

    return recommender_retrain_all_brands()


@shared_task(name="recommendations.attribute_all_brands", acks_late=True)
def attribute_all_brands() -> int:
    """Beat: credit new interactions to served lists, brand by brand (safe to run twice: a watermark)."""
    from recommendations.attribution import attribute_new
    from recommendations.models import ServedList

    return sum(attribute_new(brand_id=brand_id)
               for brand_id in ServedList.objects.values_list("brand_id", flat=True).distinct().order_by())


@shared_task(name="recommendations.evaluate_experiments", acks_late=True)
def evaluate_experiments() -> list[int]:
    """Beat: attribute, then evaluate every running experiment (stopping any whose guardrail is breached)."""
    from recommendations.experiments import evaluate_running
    from recommendations.models import ExperimentStatus, RecommenderExperiment

    attribute_all_brands()
    ids = list(RecommenderExperiment.objects.filter(status=ExperimentStatus.RUNNING).values_list("pk", flat=True))
    for experiment_id in ids:
        evaluate_running(experiment_id=experiment_id)
    return ids
