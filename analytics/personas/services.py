"""Persona services (writes): start and run training, activate a version, assign new viewers,
set a campaign's target personas, schedule retraining for every brand.

Training runs in a Celery task (``analytics.personas.tasks.train_persona_model``) that calls
``persona_model_train``; progress goes to the Job through marketing.jobs.services.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import numpy as np
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from analytics.personas.clustering import assign, fit_personas
from analytics.personas.features import PersonaFeaturizer
from analytics.personas.loading import load_viewer_arrays
from analytics.personas.models import (
    CampaignTargetPersona,
    Persona,
    PersonaAssignment,
    PersonaModel,
)
from analytics.personas.profiles import build_profiles
from analytics.privacy import privacy_min_group_size
from analytics.trained import services as lifecycle
from analytics.trained.artefacts import load_artefact, save_artefact
from analytics.trained.models import TrainingStatus
from marketing.auth import Principal
from marketing.jobs import services as jobs
from marketing.jobs.models import Job
from marketing.models import Brand, Campaign, Interaction, Role, Video
from marketing.services.access import get_for_role
from marketing.services.errors import Collector, ErrorCode, ServiceValidationError

logger = logging.getLogger(__name__)

JOB_KIND_TRAIN = "personas.train"
DEFAULT_WINDOW_DAYS = 90
K_LIMIT = 50
ASSIGN_CHUNK = 20_000


def _validate_params(*, k, k_min, k_max, window_days, svd_components, random_state) -> dict:
    errors = Collector()
    if k is not None and not (isinstance(k, int) and 1 <= k <= K_LIMIT):
        errors.add("k", ErrorCode.OUT_OF_RANGE, f"k must be an integer from 1 to {K_LIMIT}.")
    if not (isinstance(k_min, int) and isinstance(k_max, int) and 2 <= k_min <= k_max <= K_LIMIT):
        errors.add("k_range", ErrorCode.OUT_OF_RANGE, f"Need 2 <= k_min <= k_max <= {K_LIMIT}.")
    if window_days is not None and not (isinstance(window_days, int) and 1 <= window_days <= 3650):
        errors.add("window_days", ErrorCode.OUT_OF_RANGE, "window_days must be 1 to 3650 (or empty for all).")
    if svd_components is not None and not (isinstance(svd_components, int) and 2 <= svd_components <= 256):
        errors.add("svd_components", ErrorCode.OUT_OF_RANGE, "svd_components must be 2 to 256 (or empty).")
    if not isinstance(random_state, int):
        errors.add("random_state", ErrorCode.INVALID, "random_state must be an integer.")
    errors.raise_if_any()
    return {"k": k, "k_min": k_min, "k_max": k_max, "window_days": window_days,
            "svd_components": svd_components, "random_state": random_state}


DEFAULT_PARAMS: dict = {"k": None, "k_min": 2, "k_max": 10, "window_days": DEFAULT_WINDOW_DAYS,
                        "svd_components": 32, "random_state": 0, "activate": False}


def persona_model_create(*, brand_id: int, params: dict, created_by=None) -> PersonaModel:
    """A queued PersonaModel with the brand's next version number.

    params missing from ``params`` take DEFAULT_PARAMS (``{}`` is a valid, fully default run).
    Internal: callers from the API go through persona_training_start, which validates.
    """
    return lifecycle.create_version(PersonaModel, brand_id=brand_id, params={**DEFAULT_PARAMS, **params},
                                    created_by=created_by)


def persona_training_start(
    *, principal: Principal, brand_id: int, k: int | None = None, k_min: int = 2, k_max: int = 10,
    window_days: int | None = DEFAULT_WINDOW_DAYS, svd_components: int | None = 32, random_state: int = 0,
    activate: bool = False,
) -> Job:
    """Queue a training run for a brand (editor role). Returns the Job to poll.

    k: fixed number of personas, or None to choose it in [k_min, k_max] by silhouette.
    window_days: interactions of the last N days (None: all). activate: make the result the active
    model when it is ready (the brand's first model is always activated).
    """
    brand = get_for_role(Brand.objects, principal=principal, pk=brand_id, field="brand_id", min_role=Role.EDITOR)
    params = _validate_params(k=k, k_min=k_min, k_max=k_max, window_days=window_days,
                              svd_components=svd_components, random_state=random_state)
    return _start(brand_id=brand.pk, params={**params, "activate": activate}, created_by=principal.actor)


def _start(*, brand_id: int, params: dict, created_by=None) -> Job:
    return lifecycle.start_training(PersonaModel, brand_id=brand_id, params={**DEFAULT_PARAMS, **params},
                                    task="personas.train_persona_model", job_kind=JOB_KIND_TRAIN,
                                    created_by=created_by)


def persona_model_train(*, persona_model_id: int, job_id: int | None = None) -> PersonaModel:
    """Fit features, cluster, profile and store a PersonaModel. Idempotent: a READY model is left alone,
    a half-written one is cleaned and retrained. Raises ServiceValidationError when there is too little data.
    """
    model = PersonaModel.objects.get(pk=persona_model_id)
    if model.status == TrainingStatus.READY:
        return model

    def progress(fraction: float, message: str) -> None:
        if job_id is not None:
            jobs.job_progress(job_id=job_id, progress=fraction, message=message)

    started = lifecycle.begin_training(model)
    Persona.objects.filter(model=model).delete()  # a redelivered task starts from a clean slate
    params, min_size = model.params, privacy_min_group_size()
    window_end = timezone.now()
    window_start = window_end - timedelta(days=params["window_days"]) if params.get("window_days") else None

    progress(0.02, "loading viewers")
    data = _load_enough_viewers(brand_id=model.brand_id, window_start=window_start, window_end=window_end,
                                min_size=min_size)
    progress(0.1, f"building features for {data.n} viewers")
    featurizer = PersonaFeaturizer(svd_components=params.get("svd_components"),
                                   random_state=params.get("random_state", 0)).fit(data)
    X = featurizer.transform(data)
    progress(0.2, "clustering")
    result = fit_personas(
        X, k=params.get("k"), k_range=(params.get("k_min", 2), params.get("k_max", 10)), min_size=min_size,
        random_state=params.get("random_state", 0),
        progress=lambda f, m: progress(0.2 + 0.6 * f, m),
    )
    progress(0.85, "profiling personas")
    profiles = build_profiles(data=data, labels=result.labels, k=result.k, tag_tfidf=featurizer.tag_tfidf(data),
                              min_size=min_size)
    _attach_video_titles(profiles)
    with transaction.atomic():
        _store_personas(model, data=data, result=result, profiles=profiles, featurizer=featurizer,
                        feature_width=int(X.shape[1]), min_size=min_size)
        model.window_start, model.window_end = window_start, window_end
        lifecycle.finish_training(model, started=started, activate=bool(params.get("activate")))
    return model


def _load_enough_viewers(*, brand_id: int, window_start, window_end, min_size: int):
    """The window's viewer arrays; too few viewers to form one persona of the privacy size is bad input."""
    data = load_viewer_arrays(brand_id=brand_id, window_start=window_start, window_end=window_end)
    if data.n < max(min_size, 2):
        raise ServiceValidationError.single(
            "brand_id", ErrorCode.LIMIT_EXCEEDED,
            f"{data.n} viewers with interactions in the window; at least {max(min_size, 2)} are needed.")
    return data


def _store_personas(model: PersonaModel, *, data, result, profiles, featurizer: PersonaFeaturizer,
                    feature_width: int, min_size: int) -> None:
    """Write the personas, every viewer's assignment, the featurizer's arrays and the fit's metrics."""
    personas = Persona.objects.bulk_create([
        Persona(model=model, index=p.index, label=p.label[:300], size=p.size, share=p.share,
                profile=p.profile, tag_affinity=p.tag_affinity)
        for p in profiles
    ])
    persona_of = np.array([p.pk for p in sorted(personas, key=lambda p: p.index)], dtype=np.int64)
    _bulk_assign(model=model, viewer_ids=data.viewer_ids, persona_ids=persona_of[result.labels])
    arrays, spec = featurizer.get_state()
    save_artefact(model, {**arrays, "centroids": result.centroids})
    sizes = np.bincount(result.labels, minlength=result.k)
    model.feature_spec = spec
    model.k, model.n_viewers = result.k, data.n
    model.metrics = {
        "silhouette": result.silhouette, "inertia": result.inertia, "k_fitted": result.k_fitted,
        "k_scores": {str(k): s for k, s in result.k_scores.items()}, "merged_small": result.merged,
        "sizes": sorted((int(s) for s in sizes), reverse=True), "min_size": min_size,
        "feature_width": feature_width,
    }


def _bulk_assign(*, model: PersonaModel, viewer_ids: np.ndarray, persona_ids: np.ndarray,
                 ignore_conflicts: bool = False, batch: int = 5000) -> int:
    """Insert assignments in batches so a million viewers never sit in memory as model instances."""
    created = 0
    for start in range(0, len(viewer_ids), batch):
        rows = [PersonaAssignment(model=model, viewer_id=int(v), persona_id=int(p))
                for v, p in zip(viewer_ids[start:start + batch], persona_ids[start:start + batch], strict=True)]
        created += len(PersonaAssignment.objects.bulk_create(rows, ignore_conflicts=ignore_conflicts))
    return created


def persona_model_fail(*, persona_model_id: int, error: str) -> None:
    lifecycle.fail_training(PersonaModel, model_id=persona_model_id, error=error)


def _attach_video_titles(profiles) -> None:
    ids = {v["video_id"] for p in profiles for v in p.profile["sample_videos"]}
    titles = dict(Video.objects.filter(pk__in=ids).values_list("id", "title"))
    for p in profiles:
        for v in p.profile["sample_videos"]:
            v["title"] = titles.get(v["video_id"], "")


def persona_model_activate(*, persona_model_id: int, principal: Principal | None = None) -> PersonaModel:
    """Make a READY model its brand's active one (the previous active one is deactivated).

    With a principal, the caller needs the editor role; without, it is a trusted internal call.
    """
    if principal is not None:
        persona_model_id = get_for_role(PersonaModel.objects, principal=principal, pk=persona_model_id,
                                        field="persona_model_id", min_role=Role.EDITOR).pk
    return lifecycle.activate(PersonaModel, model_id=persona_model_id, field="persona_model_id")


def assign_new_viewers(*, brand_id: int) -> int:
    """Assign viewers with interactions but no assignment in the active model, without retraining.

    Features are built with the model's stored vocabularies and scalers and each viewer goes to the
    nearest stored centroid. Returns the number of viewers assigned (0 without an active model).
    """
    model = PersonaModel.objects.filter(brand_id=brand_id, is_active=True).first()
    if model is None:
        return 0
    arrays = load_artefact(model)
    featurizer = PersonaFeaturizer.from_state(arrays, model.feature_spec)
    centroids = arrays["centroids"]
    persona_of = np.array(list(Persona.objects.filter(model=model).order_by("index").values_list("id", flat=True)),
                          dtype=np.int64)
    candidates = np.array(sorted(
        set(Interaction.objects.filter(brand_id=brand_id).order_by().values_list("viewer_id", flat=True).distinct())
        - set(PersonaAssignment.objects.filter(model=model).values_list("viewer_id", flat=True))
    ), dtype=np.int64)
    window = (model.window_end - model.window_start) if model.window_start and model.window_end else None
    now = timezone.now()
    assigned = 0
    for start in range(0, len(candidates), ASSIGN_CHUNK):
        data = load_viewer_arrays(brand_id=brand_id, window_start=now - window if window else None, window_end=now,
                                  viewer_ids=candidates[start:start + ASSIGN_CHUNK], vocab=model.feature_spec)
        if data.n == 0:
            continue
        labels = assign(featurizer.transform(data), centroids)
        # ignore_conflicts: a concurrent run may have assigned some of these viewers already.
        assigned += _bulk_assign(model=model, viewer_ids=data.viewer_ids, persona_ids=persona_of[labels],
                                 ignore_conflicts=True)
    return assigned


def brands_with_active_model() -> list[int]:
    return list(PersonaModel.objects.filter(is_active=True).order_by("brand_id").values_list("brand_id", flat=True))


def campaign_target_personas_set(
    *, principal: Principal, campaign_id: int, persona_ids: list[int]
) -> list[CampaignTargetPersona]:
    """Replace a campaign's target personas (editor role). Personas must be the campaign brand's."""
    campaign = get_for_role(Campaign.objects, principal=principal, pk=campaign_id, field="campaign_id",
                            min_role=Role.EDITOR)
    try:
        wanted = sorted({int(p) for p in persona_ids})
    except (TypeError, ValueError):
        raise ServiceValidationError.single("persona_ids", ErrorCode.INVALID, "Persona ids must be integers.") from None
    # Another brand's persona is reported like a missing one: no existence oracle.
    found = set(Persona.objects.filter(pk__in=wanted, model__brand_id=campaign.brand_id).values_list("id", flat=True))
    missing = [p for p in wanted if p not in found]
    if missing:
        raise ServiceValidationError.single("persona_ids", ErrorCode.NOT_FOUND,
                                            f"No such persona: {', '.join(map(str, missing))}.")
    with transaction.atomic():
        CampaignTargetPersona.objects.filter(campaign=campaign).exclude(persona_id__in=wanted).delete()
        CampaignTargetPersona.objects.bulk_create(
            [CampaignTargetPersona(campaign=campaign, persona_id=p, created_by=principal.actor) for p in wanted],
            ignore_conflicts=True,
        )
    return list(CampaignTargetPersona.objects.filter(campaign=campaign).select_related("persona__model"))


def retrain_personas_all_brands() -> list[int]:
    """Queue a retraining (automatic k, default window) for every brand with enough active viewers.

    New versions are not activated automatically unless the brand has none: switching is explicit.
    Returns the queued job ids.
    """
    since = timezone.now() - timedelta(days=DEFAULT_WINDOW_DAYS)
    brand_ids = list(
        Interaction.objects.filter(occurred_at__gte=since).order_by().values("brand_id")
        .annotate(viewers=Count("viewer_id", distinct=True)).filter(viewers__gte=max(privacy_min_group_size(), 2))
        .values_list("brand_id", flat=True)
    )
    params = _validate_params(k=None, k_min=2, k_max=10, window_days=DEFAULT_WINDOW_DAYS, svd_components=32,
                              random_state=0)
    return [_start(brand_id=b, params={**params, "activate": False}).pk for b in brand_ids]
