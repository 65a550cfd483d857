"""Recommender experiments: start, split viewers, evaluate, stop on a guardrail breach (promoting the
candidate is ``services.promote_experiment``: it activates a model).

The split is an HMAC-SHA256 of ``"<experiment id>:<viewer id>"`` under ``RECOMMENDATION_SPLIT_KEY``
(a key derived from ``SECRET_KEY`` by default): the same viewer gets the same arm in every process
and on every request, and nobody without the key can predict or steer it. The first 8 bytes, read as
an integer over 2**64, below the traffic share send the viewer to the candidate.

Statistics live in ``recommendations.experiment_stats`` (fixed horizon, guardrail threshold).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging

import numpy as np
from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from analytics import webhooks
from analytics.trained.models import TrainingStatus
from marketing.auth import Principal
from marketing.models import AuditSource, Brand, Role
from marketing.services.access import get_for_role
from marketing.services.audit import audit_record
from marketing.services.errors import ErrorCode, FieldError, ServiceValidationError
from recommendations import experiment_stats as st
from recommendations.models import (
    Arm,
    ExperimentMetric,
    ExperimentStatus,
    RecommenderExperiment,
    RecommenderModel,
    ServedAttribution,
    ServedList,
    Surface,
)

logger = logging.getLogger(__name__)


def _split_key() -> bytes:
    key = settings.RECOMMENDATION_SPLIT_KEY or "reelboard-experiment-split:" + settings.SECRET_KEY
    return key.encode()


def arm_for(*, experiment_id: int, viewer_id: int, traffic_share: float) -> str:
    """The arm of one viewer in one experiment (deterministic, keyed)."""
    digest = hmac.new(_split_key(), f"{experiment_id}:{viewer_id}".encode(), hashlib.sha256).digest()
    return Arm.CANDIDATE if int.from_bytes(digest[:8], "big") / 2 ** 64 < traffic_share else Arm.CONTROL


def running_experiment(*, brand_id: int, surface: str) -> RecommenderExperiment | None:
    return (RecommenderExperiment.objects.filter(brand_id=brand_id, surface=surface, status=ExperimentStatus.RUNNING)
            .only("pk", "traffic_share", "control_id", "candidate_id").first())


def start_experiment(*, principal: Principal, brand_id, control_id, candidate_id, traffic_share: float,
                     primary_metric: str, mde: float, baseline: float, guardrail_metrics: list[str] | None = None,
                     surface: str = Surface.FEED, alert_webhook_url: str = "", alert_emails: str = "",
                     source: str = AuditSource.API) -> RecommenderExperiment:
    """Start an A/B test of ``candidate_id`` against ``control_id``; validation errors change nothing."""
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand", min_role=Role.EDITOR)
    errors: list[FieldError] = []
    versions = {}
    for field, pk in (("control", control_id), ("candidate", candidate_id)):
        model = RecommenderModel.objects.filter(brand=brand, pk=pk).first() if str(pk).isdigit() else None
        if model is None:  # another brand's version is answered as not found
            errors.append(FieldError(field, ErrorCode.NOT_FOUND, gettext("No such recommender version.")))
        elif model.status != TrainingStatus.READY:
            errors.append(FieldError(field, ErrorCode.INVALID, gettext("This version is not ready.")))
        versions[field] = model
    if versions.get("control") is not None and versions["control"] == versions.get("candidate"):
        errors.append(FieldError("candidate", ErrorCode.DUPLICATE,
                                 gettext("The candidate must be another version than the control.")))
    if not 0 < traffic_share < 1:
        errors.append(FieldError("traffic_share", ErrorCode.OUT_OF_RANGE,
                                 gettext("The traffic share is between 0 and 1, both excluded.")))
    guardrail_metrics = list(guardrail_metrics or [])
    if primary_metric not in ExperimentMetric.values:
        errors.append(FieldError("primary_metric", ErrorCode.INVALID_CHOICE, gettext("Unknown metric.")))
    if any(m not in ExperimentMetric.values for m in guardrail_metrics):
        errors.append(FieldError("guardrail_metrics", ErrorCode.INVALID_CHOICE, gettext("Unknown metric.")))
    if surface not in Surface.values:
        errors.append(FieldError("surface", ErrorCode.INVALID_CHOICE, gettext("Unknown surface.")))
    kind = st.METRIC_KINDS.get(primary_metric)
    if not mde > 0 or (kind == st.RATE and not mde < 1):
        errors.append(FieldError("mde", ErrorCode.OUT_OF_RANGE, gettext("The minimum detectable effect is positive "
                                                                      "(below 1 for rates).")))
    if not baseline > 0 or (kind == st.RATE and not baseline < 1):
        errors.append(FieldError("baseline", ErrorCode.OUT_OF_RANGE, gettext("The baseline is positive (a rate "
                                                                           "below 1 for rates).")))
    if not errors and running_experiment(brand_id=brand.pk, surface=surface) is not None:
        errors.append(FieldError("surface", ErrorCode.LIMIT_EXCEEDED,
                                 gettext("Another experiment is running on this surface.")))
    if errors:
        raise ServiceValidationError(errors)
    experiment = RecommenderExperiment(
        brand=brand, surface=surface, control=versions["control"], candidate=versions["candidate"],
        traffic_share=traffic_share, primary_metric=primary_metric, guardrail_metrics=guardrail_metrics, mde=mde,
        baseline=baseline, alpha=0.05, power=0.8,
        required_sample_size=st.required_sample_size(kind=kind, baseline=baseline, mde=mde, alpha=0.05, power=0.8),
        alert_webhook_url=alert_webhook_url, alert_emails=alert_emails, started_at=timezone.now(),
        created_by=principal.actor)
    try:
        with transaction.atomic():
            experiment.save()
            audit_record(principal=principal, source=source, action="startExperiment", brand_id=brand.pk,
                         object_type="recommenderexperiment", object_id=experiment.pk,
                         details={"control": experiment.control_id, "candidate": experiment.candidate_id})
    except IntegrityError:  # another start won the race for this surface
        raise ServiceValidationError.single("surface", ErrorCode.LIMIT_EXCEEDED,
                                            gettext("Another experiment is running on this surface.")) from None
    return experiment


def stop_experiment(*, principal: Principal, experiment_id, reason: str = "",
                    source: str = AuditSource.API) -> RecommenderExperiment:
    experiment = get_for_role(RecommenderExperiment.objects, principal=principal, pk=experiment_id, field="id",
                              min_role=Role.EDITOR)
    if experiment.status != ExperimentStatus.RUNNING:
        raise ServiceValidationError.single("id", ErrorCode.FORBIDDEN_TRANSITION,
                                            gettext("This experiment is not running."))
    with transaction.atomic():
        _stop(experiment, reason=reason or "stopped by hand")
        audit_record(principal=principal, source=source, action="stopExperiment", brand_id=experiment.brand_id,
                     object_type="recommenderexperiment", object_id=experiment.pk)
    return experiment


def _stop(experiment: RecommenderExperiment, *, reason: str) -> None:
    experiment.status = ExperimentStatus.STOPPED
    experiment.stopped_at = timezone.now()
    experiment.stop_reason = reason[:200]
    experiment.save(update_fields=["status", "stopped_at", "stop_reason"])


def viewer_outcomes(*, experiment_id: int) -> dict[str, dict[str, np.ndarray]]:
    """Per arm, one value per viewer of each metric (viewers served at least one list of the experiment)."""
    served = (ServedList.objects.filter(experiment_id=experiment_id, viewer__isnull=False)
              .values("viewer_id", "arm").annotate(items=Sum("n_items")).order_by("viewer_id", "arm"))
    hits = (ServedAttribution.objects.filter(served_list__experiment_id=experiment_id)
            .values("served_list__viewer_id").annotate(
                events=Count("pk"),
                clicked=Count("pk", filter=Q(kind__in=("click", "view"))),
                watch_ms=Sum("watch_ms"),
                conversions=Count("pk", filter=Q(kind__in=("conversion", "purchase")))))
    by_viewer = {row["served_list__viewer_id"]: row for row in hits}
    outcomes: dict[str, dict[str, list]] = {arm: {m: [] for m in ExperimentMetric.values} for arm in Arm.values}
    for row in served:
        hit = by_viewer.get(row["viewer_id"], {})
        values = outcomes[row["arm"]]
        values["engaged_viewers"].append(1.0 if hit.get("events") else 0.0)
        values["converted_viewers"].append(1.0 if hit.get("conversions") else 0.0)
        values["ctr_per_viewer"].append(min(hit.get("clicked", 0) / row["items"], 1.0) if row["items"] else 0.0)
        values["watch_seconds_per_viewer"].append((hit.get("watch_ms") or 0) / 1000)
    return {arm: {m: np.asarray(v, dtype=float) for m, v in metrics.items()} for arm, metrics in outcomes.items()}


def evaluate(*, experiment: RecommenderExperiment) -> dict:
    """The verdict on the primary metric and the state of each guardrail; saved on the experiment."""
    outcomes = viewer_outcomes(experiment_id=experiment.pk)
    primary = st.compare(kind=st.METRIC_KINDS[experiment.primary_metric],
                         control=outcomes[Arm.CONTROL][experiment.primary_metric],
                         candidate=outcomes[Arm.CANDIDATE][experiment.primary_metric], alpha=experiment.alpha)
    guardrails = {}
    for metric in experiment.guardrail_metrics:
        comparison = st.compare(kind=st.METRIC_KINDS[metric], control=outcomes[Arm.CONTROL][metric],
                                candidate=outcomes[Arm.CANDIDATE][metric], alpha=experiment.alpha)
        guardrails[metric] = {**comparison.as_dict(), "breached": st.guardrail_breached(comparison)}
    result = {"verdict": st.verdict(primary, required=experiment.required_sample_size, alpha=experiment.alpha),
              "primary": primary.as_dict(), "guardrails": guardrails, "evaluated_at": timezone.now().isoformat()}
    experiment.result = result
    experiment.save(update_fields=["result"])
    return result


def evaluate_running(*, experiment_id: int) -> dict:
    """Beat: evaluate one running experiment; a breached guardrail stops it and sends the alerts."""
    experiment = RecommenderExperiment.objects.select_related("brand", "control", "candidate").get(pk=experiment_id)
    if experiment.status != ExperimentStatus.RUNNING:
        return experiment.result
    result = evaluate(experiment=experiment)
    breached = [metric for metric, g in result["guardrails"].items() if g["breached"]]
    if breached:
        _stop(experiment, reason="guardrail breached: " + ", ".join(breached))
        logger.warning("experiment %s stopped: guardrail %s breached", experiment.pk, breached)
        send_alerts(experiment=experiment, breached=breached)
    return result


def send_alerts(*, experiment: RecommenderExperiment, breached: list[str]) -> None:
    """Tell the experiment's webhook and e-mail addresses that a guardrail stopped it (failures are logged)."""
    body = {"event": "experiment.stopped", "experiment": experiment.pk, "brand": experiment.brand.slug,
            "surface": experiment.surface, "breached": breached, "result": experiment.result}
    if experiment.alert_webhook_url:
        try:
            webhooks.post_json(experiment.alert_webhook_url, json.dumps(body).encode())
        except Exception:
            logger.exception("experiment %s: the alert webhook failed", experiment.pk)
    if experiment.alert_email_list:
        try:
            send_mail(subject=gettext("[Reelboard] Experiment stopped: guardrail breached"),
                      message=gettext("The recommender experiment %(id)s of %(brand)s was stopped because these "
                                      "guardrail metrics got worse: %(metrics)s.") % {
                          "id": experiment.pk, "brand": experiment.brand.name, "metrics": ", ".join(breached)},
                      from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=experiment.alert_email_list)
        except Exception:
            logger.exception("experiment %s: the alert e-mail failed", experiment.pk)
