"""Training a brand's recommender version: load its interactions, choose on validation, evaluate
on a temporal hold-out, refit on everything, store the artefact. Estimators stay pure; this module
is the only place where the database meets them."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import numpy as np
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from analytics.personas.models import PersonaAssignment
from recommendations.datasets import load_demo_matrix
from recommendations.estimators import HybridRecommender
from recommendations.evaluation import EvaluationSet, default_candidates, run_benchmark
from recommendations.models import RecommenderModel, RecommenderStatus
from recommendations.serving import save_artefact

logger = logging.getLogger(__name__)

MIN_INTERACTIONS = 50


def next_version(brand_id: int) -> int:
    return (RecommenderModel.objects.filter(brand_id=brand_id).aggregate(v=Max("version"))["v"] or 0) + 1


def create_model_version(*, brand_id: int, params: dict | None = None, created_by=None) -> RecommenderModel:
    """A queued version row; the unique (brand, version) constraint settles concurrent creation."""
    with transaction.atomic():
        return RecommenderModel.objects.create(
            brand_id=brand_id, version=next_version(brand_id), algorithm="hybrid", params=params or {},
            created_by=created_by,
        )


def train_model(*, model_id: int, progress: Callable[[float, str], None] = lambda p, m: None) -> RecommenderModel:
    """Fit and store one version. Idempotent: a version already READY is returned unchanged."""
    model = RecommenderModel.objects.get(pk=model_id)
    if model.status == RecommenderStatus.READY:
        return model
    RecommenderModel.objects.filter(pk=model_id).update(status=RecommenderStatus.TRAINING, error="")
    started = time.perf_counter()
    progress(0.05, "loading interactions")
    data = load_demo_matrix(brand_id=model.brand_id)
    if data.n_events < MIN_INTERACTIONS or data.shape[1] < 2:
        raise ValueError(f"Not enough data to train: {data.n_events} interactions over {data.shape[1]} videos "
                         f"(need at least {MIN_INTERACTIONS}).")
    k = int(model.params.get("k", 10))
    quick = model.params.get("grid", "quick") == "quick"
    progress(0.15, "choosing hyper-parameters on validation, evaluating on the temporal hold-out")
    candidates = default_candidates(quick=quick, n_items=data.shape[1])
    rows = run_benchmark(data, split="temporal", k=k, candidates=candidates, binary=False)
    chosen = {row.recommender: row for row in rows}
    weights = chosen["hybrid"].params["weights"]

    progress(0.7, "refitting on all interactions")
    everything = EvaluationSet.from_masks(data, data.rows >= 0, data.rows < 0, binary=False)
    builders = {candidate.name: candidate.build for candidate in candidates}
    components = {}
    for name, weight in weights.items():
        if weight or name == "popularity":  # popularity always serves cold viewers
            estimator = builders[name](**chosen[name].params)
            inputs = everything.fit_inputs()
            estimator.fit(everything.train, **{key: inputs[key] for key in estimator.fit_inputs})
            components[name] = estimator
    hybrid = HybridRecommender(components=components, weights={n: w for n, w in weights.items() if n in components})
    hybrid.fit(everything.train)

    progress(0.9, "storing the model")
    model.refresh_from_db()
    persona_ids, persona_scores = persona_popularity(data, brand_id=model.brand_id)
    save_artefact(model, estimator=hybrid, video_ids=data.item_ids, persona_ids=persona_ids,
                  persona_scores=persona_scores)
    model.metrics = {
        "split": "temporal (latest 20% of each viewer held out)", "k": k,
        "recommenders": {row.recommender: {key: value for key, value in row.metrics.items()} for row in rows},
        "chosen": {row.recommender: row.params for row in rows},
    }
    model.n_viewers, model.n_videos = data.shape
    model.n_interactions = data.n_events
    model.window_end = timezone.now()
    model.training_seconds = round(time.perf_counter() - started, 3)
    model.trained_at = timezone.now()
    model.status = RecommenderStatus.READY
    with transaction.atomic():
        model.save()
        # The first ready version of a brand goes live by itself; later ones are switched explicitly.
        if not RecommenderModel.objects.filter(brand_id=model.brand_id, is_active=True).exists():
            activate_model(model_id=model.pk)
    logger.info("recommender v%s of brand %s trained in %.1fs", model.version, model.brand_id,
                model.training_seconds)
    return RecommenderModel.objects.get(pk=model.pk)


def persona_popularity(data, *, brand_id: int) -> tuple[np.ndarray, np.ndarray]:
    """What each persona of the brand's active persona model engages with: persona ids (int64) and
    a (n_personas x n_videos) float32 matrix of summed interaction weights of its viewers, each row
    scaled to a maximum of 1. Serves cold viewers who already have a persona ("popular with ...").
    Empty arrays when the brand has no active persona model."""
    assigned = dict(PersonaAssignment.objects.filter(model__brand_id=brand_id, model__is_active=True)
                    .values_list("viewer_id", "persona_id"))
    n_items = data.shape[1]
    if not assigned:
        return np.zeros(0, dtype=np.int64), np.zeros((0, n_items), dtype=np.float32)
    persona_ids = np.array(sorted(set(assigned.values())), dtype=np.int64)
    persona_of_row = np.array([assigned.get(int(u), -1) for u in data.user_ids], dtype=np.int64)
    event_persona = persona_of_row[data.rows]
    known = event_persona >= 0
    scores = np.zeros((len(persona_ids), n_items), dtype=np.float64)
    np.add.at(scores, (np.searchsorted(persona_ids, event_persona[known]), data.cols[known]), data.values[known])
    top = scores.max(axis=1, keepdims=True)
    return persona_ids, np.divide(scores, top, out=np.zeros_like(scores), where=top > 0).astype(np.float32)


def activate_model(*, model_id: int) -> RecommenderModel:
    """Make one READY version the brand's active one (the previous one is switched off)."""
    with transaction.atomic():
        model = RecommenderModel.objects.select_for_update().get(pk=model_id)
        if model.status != RecommenderStatus.READY:
            raise ValueError(f"Only a ready model can be activated (this one is {model.status}).")
        RecommenderModel.objects.filter(brand_id=model.brand_id, is_active=True).exclude(pk=model.pk).update(
            is_active=False)
        model.is_active = True
        model.activated_at = timezone.now()
        model.save(update_fields=["is_active", "activated_at"])
    return model
