"""Training a brand's recommender version: load its interactions, choose on validation, evaluate
on a temporal hold-out, refit on everything, store the artefact. Estimators stay pure; this module
is the only place where the database meets them."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
from django.utils import timezone

from analytics.interactions import load_interaction_matrix
from analytics.personas.models import PersonaAssignment
from analytics.trained import services as lifecycle
from analytics.trained.models import TrainingStatus
from recommendations.estimators import HybridRecommender
from recommendations.evaluation import EvaluationSet, default_candidates, run_benchmark
from recommendations.models import RecommenderModel
from recommendations.serving import save_estimator

logger = logging.getLogger(__name__)

MIN_INTERACTIONS = 50


def train_recommender(*, model_id: int, progress: Callable[[float, str], None] = lambda p, m: None
                      ) -> RecommenderModel:
    """Fit and store one queued version (``analytics.trained.services.create_version``). Idempotent: a
    version already READY is returned unchanged. The brand's first ready version goes live by itself;
    later ones are switched explicitly."""
    model = RecommenderModel.objects.get(pk=model_id)
    if model.status == TrainingStatus.READY:
        return model
    started = lifecycle.begin_training(model)
    progress(0.05, "loading interactions")
    data = load_interaction_matrix(brand_id=model.brand_id)
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
    save_estimator(model, estimator=hybrid, video_ids=data.item_ids, persona_ids=persona_ids,
                  persona_scores=persona_scores)
    model.metrics = {
        "split": "temporal (latest 20% of each viewer held out)", "k": k,
        "recommenders": {row.recommender: {key: value for key, value in row.metrics.items()} for row in rows},
        "chosen": {row.recommender: row.params for row in rows},
    }
    model.n_viewers, model.n_videos = data.shape
    model.n_interactions = data.n_events
    model.window_end = timezone.now()
    lifecycle.finish_training(model, started=started)
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
