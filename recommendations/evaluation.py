"""Offline evaluation of recommenders: splits, metrics and the train/validate/test harness.

Splits (boolean masks over the events of an :class:`~analytics.interaction_data.InteractionData`):

* :func:`stratified_split` — Microsoft Recommenders' ``python_stratified_split(ratio=0.75, seed=42)``
  as it was when its MovieLens benchmark table was produced (``reco_utils``): the events are grouped
  by user (or item); each group, in its original order, is shuffled with
  ``DataFrame.sample(frac=1, random_state=seed)`` — i.e. ``RandomState(seed).permutation(len(group))``,
  the same seed for every group — and its first ``round(ratio * len(group))`` rows (Python's
  round-half-to-even) go to training. Reproduced with numpy, no pandas. Note: the published
  benchmark notebook calls it with ``filter_by="item"`` (stratified per item) although the README
  says per user; both are available (``by``).
* :func:`chronological_split` — per user, the latest ``1 - ratio`` of the events are held out.
* The validation split is the same procedure applied to the training events only, so
  hyper-parameters and hybrid weights never see the test events.

Ranking metrics follow the same reference (``python_evaluation`` of that era): all held-out events
are relevant, training items are excluded from recommendations, users are those with events in
both train and test; precision@k = hits / k; recall@k = hits / n_relevant; nDCG@k with binary gains,
1/log(1 + rank) discounts and the ideal DCG over min(n_relevant, k) items; MAP ("map@k", the
published "MAP" column) = sum over hits of (hits so far / rank) divided by n_relevant (all relevant
items, not min(n_relevant, k): that is "map_min@k", the later library's ``map_at_k``).

Beyond accuracy: catalogue coverage (distinct items recommended / catalogue size), intra-list
diversity (mean pairwise 1 - cosine of the items' tag vectors), mean popularity percentile of the
recommended items (1 = the most popular training item; novelty = 1 - it: the popularity bias) and
exposure share per brand.

Fairness and exposure: precision/recall/nDCG per viewer group (gender, age band, activity tercile of the
training events) with the gap between the best and the worst group (:func:`group_metrics`), and the Gini
coefficient of exposure over videos and over categories (:func:`exposure_metrics`). :func:`rerank_tradeoff`
measures those against nDCG at several strengths of the re-ranking step (``recommendations.reranking``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from analytics.interaction_data import InteractionData

from .estimators import (
    BaseRecommender,
    ContentRecommender,
    EASERecommender,
    HybridRecommender,
    ImplicitALSRecommender,
    ItemKNNRecommender,
    PopularityRecommender,
)
from .estimators.hybrid import standardise_rows
from .reranking import ExposureWindow, RerankPolicy, content_vectors_of, rerank

USER_BATCH = 1000

# --- splits -----------------------------------------------------------------------------------


def _groups_in_order(groups: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event positions grouped by key (original order within a group), group starts and sizes."""
    order = np.argsort(groups, kind="stable")
    _, starts, sizes = np.unique(groups[order], return_index=True, return_counts=True)
    return order, starts, sizes


def stratified_split(groups: np.ndarray, *, ratio: float = 0.75, seed: int = 42) -> np.ndarray:
    """Training mask of a per-group random split (see the module docstring for the exact procedure).

    ``groups`` holds the user (or item) of each event, events in their original order.
    """
    if not 0.0 < ratio < 1.0:
        raise ValueError("ratio must be strictly between 0 and 1.")
    order, starts, sizes = _groups_in_order(np.asarray(groups))
    train = np.zeros(len(order), dtype=bool)
    permutations: dict[int, np.ndarray] = {}
    for start, size in zip(starts, sizes, strict=True):
        size = int(size)
        if size not in permutations:  # every group uses the same seed: same permutation per size
            permutations[size] = np.random.RandomState(seed).permutation(size)
        n_train = round(ratio * size)
        train[order[start + permutations[size][:n_train]]] = True
    return train


def chronological_split(groups: np.ndarray, timestamps: np.ndarray, *, ratio: float = 0.8) -> np.ndarray:
    """Training mask keeping each group's earliest ``round(ratio * n)`` events (ties: original order)."""
    groups, timestamps = np.asarray(groups), np.asarray(timestamps)
    order = np.lexsort((np.arange(len(groups)), timestamps, groups))
    _, starts, sizes = np.unique(groups[order], return_index=True, return_counts=True)
    train = np.zeros(len(groups), dtype=bool)
    for start, size in zip(starts, sizes, strict=True):
        train[order[start:start + round(ratio * int(size))]] = True
    return train


def split_mask(data: InteractionData, *, method: str, by: str = "user", seed: int = 42,
               within: np.ndarray | None = None) -> np.ndarray:
    """Training mask over all events; with ``within`` (a mask) only those events are split."""
    positions = np.flatnonzero(within) if within is not None else np.arange(data.n_events)
    keys = (data.rows if by == "user" else data.cols)[positions]
    if method == "random":
        local = stratified_split(keys, ratio=0.75, seed=seed)
    elif method == "temporal":
        local = chronological_split(keys, data.timestamps[positions], ratio=0.8)
    else:
        raise ValueError(f"Unknown split method {method!r}: use 'random' or 'temporal'.")
    mask = np.zeros(data.n_events, dtype=bool)
    mask[positions[local]] = True
    return mask


# --- metrics ----------------------------------------------------------------------------------


def per_user_ranking(recommended: np.ndarray, relevant: sp.csr_matrix, k: int) -> dict[str, np.ndarray]:
    """Per row (evaluated user): precision/recall/nDCG/MAP at ``k`` (see :func:`ranking_metrics`)."""
    recommended = np.asarray(recommended)[:, :k]
    relevant = sp.csr_matrix(relevant)
    n_relevant = np.diff(relevant.indptr).astype(np.float64)
    if np.any(n_relevant == 0):
        raise ValueError("Every evaluated user needs at least one relevant item.")
    hits = np.zeros(recommended.shape, dtype=bool)
    for start in range(0, recommended.shape[0], USER_BATCH):
        block = relevant[start:start + USER_BATCH].toarray() > 0
        items = recommended[start:start + USER_BATCH]
        hits[start:start + USER_BATCH] = np.take_along_axis(block, np.maximum(items, 0), axis=1) & (items >= 0)
    ranks = np.arange(1, hits.shape[1] + 1, dtype=np.float64)
    discounts = 1.0 / np.log(ranks + 1.0)
    n_hits = hits.sum(axis=1)
    dcg = (hits * discounts).sum(axis=1)
    ideal_cumulative = np.concatenate([[0.0], np.cumsum(1.0 / np.log(np.arange(1, k + 1) + 1.0))])
    idcg = ideal_cumulative[np.minimum(n_relevant, k).astype(int)]
    precision_at_hits = (np.cumsum(hits, axis=1) / ranks) * hits
    return {
        "precision": n_hits / k,
        "recall": n_hits / n_relevant,
        "ndcg": dcg / idcg,
        "map": precision_at_hits.sum(axis=1) / n_relevant,
        "map_min": precision_at_hits.sum(axis=1) / np.minimum(n_relevant, k),
    }


def ranking_metrics(recommended: np.ndarray, relevant: sp.csr_matrix, k: int) -> dict[str, float]:
    """Mean precision/recall/nDCG/MAP at ``k`` over the rows (one row per evaluated user).

    ``recommended`` is (n_users, >= k) item indices, best first, ``-1`` for empty slots;
    ``relevant`` is (n_users, n_items) with non-zeros on relevant items; rows with no relevant item
    must be removed beforehand.
    """
    return {f"{name}@{k}": float(np.mean(values)) for name, values in per_user_ranking(recommended, relevant, k).items()}


#: The viewer groupings of the fairness report; "activity" is computed from the training matrix.
GROUP_METRICS = ("precision", "recall", "ndcg")


def activity_terciles(n_events: np.ndarray) -> np.ndarray:
    """"low" / "mid" / "high" per user: the users sorted by training events (ties: row order) cut in
    three parts as equal as possible (``np.array_split``; the first parts take the remainder)."""
    labels = np.empty(len(n_events), dtype=object)
    order = np.argsort(np.asarray(n_events), kind="stable")
    for label, part in zip(("low", "mid", "high"), np.array_split(order, 3), strict=True):
        labels[part] = label
    return labels


def group_metrics(recommended: np.ndarray, relevant: sp.csr_matrix, k: int,
                  groups: Mapping[str, np.ndarray]) -> dict[str, dict[str, Any]]:
    """Per grouping (e.g. gender) and group: mean precision/recall/nDCG at ``k`` and the user count, and
    per metric the gap between the best and the worst group. Users with an unknown label ("") are left
    out of that grouping; a grouping with fewer than two known groups reports no gap (None)."""
    per_user = per_user_ranking(recommended, relevant, k)
    report: dict[str, dict[str, Any]] = {}
    for grouping, labels in groups.items():
        labels = np.asarray(labels, dtype=object)
        names = sorted({str(label) for label in labels if label})
        by_group = {}
        for name in names:
            members = labels == name
            by_group[name] = {"users": int(members.sum()),
                              **{f"{m}@{k}": float(np.mean(per_user[m][members])) for m in GROUP_METRICS}}
        gap = {f"{m}@{k}": (max(g[f"{m}@{k}"] for g in by_group.values()) - min(g[f"{m}@{k}"] for g in by_group.values())
                            if len(by_group) >= 2 else None) for m in GROUP_METRICS}
        report[grouping] = {"groups": by_group, "gap": gap}
    return report


def gini(counts: np.ndarray) -> float:
    """Gini coefficient of non-negative counts over all entities (zeros included): 0 = every entity
    equally exposed, (n - 1) / n = one entity has all of it. sum_i (2i - n - 1) x_(i) / (n sum x), x
    sorted ascending, i from 1."""
    x = np.sort(np.asarray(counts, dtype=np.float64))
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return 0.0
    return float(np.sum((2 * np.arange(1, n + 1) - n - 1) * x) / (n * total))


def exposure_metrics(recommended: np.ndarray, *, n_items: int, item_categories: np.ndarray | None,
                     n_categories: int) -> dict[str, float | None]:
    """Exposure Gini over the catalogue's videos and over its categories (items without a category are
    left out of the latter; None when there are no categories): every slot of every list counts once."""
    valid = np.asarray(recommended)[np.asarray(recommended) >= 0]
    result: dict[str, float | None] = {"gini_videos": gini(np.bincount(valid, minlength=n_items))}
    if item_categories is None or n_categories == 0:
        result["gini_categories"] = None
    else:
        categories = np.asarray(item_categories)[valid]
        result["gini_categories"] = gini(np.bincount(categories[categories >= 0], minlength=n_categories))
    return result


def catalogue_coverage(recommended: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in at least one list."""
    items = np.unique(recommended[recommended >= 0])
    return float(len(items) / n_items) if n_items else 0.0


def intra_list_diversity(recommended: np.ndarray, item_tags: sp.csr_matrix) -> float:
    """Mean over lists of the mean pairwise (1 - cosine) between the items' tag vectors.

    Items without tags are dissimilar to everything. Uses sum_{i != j} cos_ij = |sum t|^2 - sum |t|^2
    over unit tag vectors t, so it stays sparse.
    """
    recommended = np.asarray(recommended)
    n_users, k = recommended.shape
    if k < 2:
        return 0.0
    norms = np.sqrt(np.asarray(item_tags.multiply(item_tags).sum(axis=1)).ravel())
    unit = sp.csr_matrix(sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ item_tags)
    valid = recommended >= 0
    rows = np.repeat(np.arange(n_users), k)[valid.ravel()]
    indicator = sp.csr_matrix((np.ones(len(rows)), (rows, recommended.ravel()[valid.ravel()])),
                              shape=(n_users, item_tags.shape[0]))
    summed = indicator @ unit
    squared_sum = np.asarray(summed.multiply(summed).sum(axis=1)).ravel()
    self_terms = indicator @ (norms > 0).astype(np.float64)
    lengths = valid.sum(axis=1)
    pairs = lengths * (lengths - 1)
    mean_similarity = np.divide(squared_sum - self_terms, pairs, out=np.zeros(n_users), where=pairs > 0)
    return float(np.mean(1.0 - mean_similarity[pairs > 0])) if np.any(pairs > 0) else 0.0


def popularity_percentiles(train: sp.csr_matrix) -> np.ndarray:
    """Per item, the share of items strictly less popular in ``train`` (ties share a value), in [0, 1]."""
    counts = np.diff(sp.csc_matrix(train).indptr)
    order = np.sort(counts)
    below = np.searchsorted(order, counts, side="left")
    return below / max(len(counts) - 1, 1)


def beyond_accuracy(recommended: np.ndarray, *, train: sp.csr_matrix, item_tags: sp.csr_matrix,
                    item_brands: np.ndarray, brand_names: Sequence[str]) -> dict[str, Any]:
    valid = recommended[recommended >= 0]
    percentile = float(np.mean(popularity_percentiles(train)[valid])) if len(valid) else 0.0
    brand_counts = np.bincount(np.asarray(item_brands)[valid], minlength=len(brand_names))
    shares = brand_counts / max(brand_counts.sum(), 1)
    return {
        "coverage": catalogue_coverage(recommended, train.shape[1]),
        "diversity": intra_list_diversity(recommended, item_tags),
        "popularity_percentile": percentile,
        "novelty": 1.0 - percentile,
        "brand_exposure": {name: float(share) for name, share in zip(brand_names, shares, strict=True)},
    }


# --- harness ----------------------------------------------------------------------------------


@dataclass
class EvaluationSet:
    """Training matrix plus the relevant (held-out) items of the evaluated users."""

    train: sp.csr_matrix
    users: np.ndarray  # rows of ``train`` to evaluate
    relevant: sp.csr_matrix  # (len(users), n_items)
    interaction_times: sp.csr_matrix
    item_texts: list[str]
    #: viewer-group labels of the evaluated users, per grouping (gender, age_band, activity)
    groups: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_masks(cls, data: InteractionData, train_mask: np.ndarray, test_mask: np.ndarray, *,
                   binary: bool) -> EvaluationSet:
        train = data.matrix(train_mask, binary=binary)
        test = data.matrix(test_mask, binary=True)
        # The reference evaluates users present in both the predictions (train) and the test set.
        users = np.flatnonzero((np.diff(train.indptr) > 0) & (np.diff(test.indptr) > 0))
        groups = {name: np.asarray(labels, dtype=object)[users] for name, labels in data.user_groups.items()}
        groups["activity"] = activity_terciles(np.diff(train.indptr)[users])
        return cls(train=train, users=users, relevant=test[users], interaction_times=data.times_matrix(train_mask),
                   item_texts=data.item_texts, groups=groups)

    def fit_inputs(self) -> dict[str, Any]:
        return {"interaction_times": self.interaction_times, "item_texts": self.item_texts}


def fit_recommender(estimator: BaseRecommender, evaluation_set: EvaluationSet) -> float:
    """Fit on the training matrix (with the side inputs the estimator asks for); returns seconds."""
    inputs = evaluation_set.fit_inputs()
    started = time.perf_counter()
    estimator.fit(evaluation_set.train, **{name: inputs[name] for name in estimator.fit_inputs})
    return time.perf_counter() - started


def recommend_for(estimator: BaseRecommender, evaluation_set: EvaluationSet, k: int) -> np.ndarray:
    """Top-k (training items excluded) for the evaluated users, in batches."""
    blocks = []
    for start in range(0, len(evaluation_set.users), USER_BATCH):
        user_items = evaluation_set.train[evaluation_set.users[start:start + USER_BATCH]]
        blocks.append(estimator.recommend(user_items, n=k, exclude_seen=True).items)
    return np.vstack(blocks) if blocks else np.zeros((0, k), dtype=np.int32)


def score_recommender(estimator: BaseRecommender, evaluation_set: EvaluationSet, k: int) -> dict[str, float]:
    recommended = recommend_for(estimator, evaluation_set, k)
    return ranking_metrics(recommended, evaluation_set.relevant, k)


@dataclass
class Candidate:
    """A recommender family: how to build it and which hyper-parameters to try on validation."""

    name: str
    build: Callable[..., BaseRecommender]
    grid: list[dict[str, Any]] = field(default_factory=lambda: [{}])


#: EASE keeps a dense n_items x n_items matrix (float64 while fitting): 20,000 items is ~3 GB.
EASE_MAX_ITEMS = 20_000


def default_candidates(*, quick: bool = False, n_items: int | None = None) -> list[Candidate]:
    """The recommenders Reelboard evaluates, with small validation grids (``quick`` for tests).

    With ``n_items`` above ``EASE_MAX_ITEMS`` EASE is left out (its memory grows with n_items^2)."""
    candidates = _quick_candidates() if quick else _full_candidates()
    if n_items is not None and n_items > EASE_MAX_ITEMS:
        candidates = [c for c in candidates if c.name != "ease"]
    return candidates


def _quick_candidates() -> list[Candidate]:
    return [
        Candidate("popularity", PopularityRecommender, [{"half_life_days": None}]),
        Candidate("content", ContentRecommender, [{}]),
        Candidate("item_knn", ItemKNNRecommender, [{"k": 50, "shrinkage": 10.0, "alpha": 0.5}]),
        Candidate("ease", EASERecommender, [{"l2": 100.0}]),
    ]


def _full_candidates() -> list[Candidate]:
    return [
        Candidate("popularity", PopularityRecommender,
                  [{"half_life_days": h} for h in (None, 7.0, 30.0, 180.0)]),
        Candidate("content", ContentRecommender, [{"sublinear_tf": True}, {"sublinear_tf": False}]),
        Candidate("item_knn", ItemKNNRecommender,
                  [{"k": k, "shrinkage": 10.0, "alpha": a} for k in (100, 200) for a in (0.5, 1.0, 1.5, 2.0)]),
        Candidate("ease", EASERecommender,
                  [{"l2": l2} for l2 in (50.0, 100.0, 200.0, 300.0, 500.0, 800.0, 1000.0, 1200.0, 1500.0, 2500.0)]),
        Candidate("als", ImplicitALSRecommender,
                  [{"factors": f, "regularization": r, "alpha": 10.0, "iterations": 15, "random_state": 42}
                   for f in (64, 128) for r in (10.0, 30.0)]),
    ]


def select_hyperparameters(candidate: Candidate, validation: EvaluationSet, k: int,
                           metric: str = "ndcg") -> tuple[dict[str, Any], BaseRecommender, float]:
    """Best grid point by ``metric@k`` on the validation set; returns params, fitted model, score."""
    best: tuple[dict[str, Any], BaseRecommender, float] | None = None
    for params in candidate.grid:
        estimator = candidate.build(**params)
        fit_recommender(estimator, validation)
        value = score_recommender(estimator, validation, k)[f"{metric}@{k}"]
        if best is None or value > best[2]:
            best = (params, estimator, value)
    assert best is not None
    return best


def tune_hybrid_weights(components: Mapping[str, BaseRecommender], validation: EvaluationSet, k: int,
                        metric: str = "ndcg", steps: Iterable[float] = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0),
                        passes: int = 2) -> tuple[dict[str, float], float]:
    """Blend weights by coordinate ascent on validation ``metric@k``, starting from the best single
    component (weight 1), so the chosen blend is never worse than it on validation."""
    users = validation.train[validation.users]
    standardised: dict[str, np.ndarray] = {}
    for name, component in components.items():
        blocks = [standardise_rows(component.score(users[s:s + USER_BATCH])) for s in range(0, users.shape[0], USER_BATCH)]
        standardised[name] = np.vstack(blocks)

    def evaluate(weights: Mapping[str, float]) -> float:
        scores = HybridRecommender.blend(standardised, weights)
        rows = np.repeat(np.arange(users.shape[0]), np.diff(users.indptr))
        scores[rows, users.indices] = -np.inf
        from .estimators.base import top_n

        return ranking_metrics(top_n(scores, k).items, validation.relevant, k)[f"{metric}@{k}"]

    singles = {name: evaluate({name: 1.0}) for name in components}
    best_name = max(singles, key=singles.get)
    weights = {name: (1.0 if name == best_name else 0.0) for name in components}
    best_value = singles[best_name]
    for _ in range(passes):
        improved = False
        for name in components:
            if name == best_name:
                continue
            for step in (0.0, *steps):
                trial = {**weights, name: step}
                value = evaluate(trial)
                if value > best_value + 1e-9:
                    weights, best_value, improved = trial, value, True
        if not improved:
            break
    return weights, best_value


@dataclass
class BenchmarkRow:
    recommender: str
    params: dict[str, Any]
    metrics: dict[str, Any]
    validation_score: float
    fit_seconds: float
    #: the re-ranking trade-off (see :func:`rerank_tradeoff`), measured for the served recommender
    tradeoff: list[dict[str, Any]] | None = None

    def as_json(self, k: int) -> dict[str, Any]:
        extra = {"rerank_tradeoff": self.tradeoff} if self.tradeoff is not None else {}
        return {"recommender": self.recommender, **{key: self.metrics[key] for key in self.metrics},
                "fit_seconds": round(self.fit_seconds, 4), f"validation_ndcg@{k}": self.validation_score,
                "params": self.params, **extra}


def run_benchmark(data: InteractionData, *, split: str = "random", by: str = "user", k: int = 10, seed: int = 42,
                  binary: bool = True, candidates: Sequence[Candidate] | None = None,
                  hybrid: bool = True, log: Callable[[str], None] = lambda _: None,
                  tradeoff_strengths: Sequence[float] | None = None) -> list[BenchmarkRow]:
    """Split, choose hyper-parameters on validation, refit on the full training part, test.

    ``binary`` binarises the training weights (ratings -> 1). The hybrid blends every candidate with
    its chosen hyper-parameters; its weights are tuned on validation with components fitted on the
    validation-training part, then applied to the components refitted on the full training part.
    """
    candidates = list(candidates if candidates is not None else default_candidates())
    train_mask = split_mask(data, method=split, by=by, seed=seed)
    inner_mask = split_mask(data, method=split, by=by, seed=seed, within=train_mask)
    test_set = EvaluationSet.from_masks(data, train_mask, ~train_mask, binary=binary)
    validation_set = EvaluationSet.from_masks(data, inner_mask, train_mask & ~inner_mask, binary=binary)
    log(f"{data.name}: {data.n_events} events, {len(test_set.users)} test users, "
        f"{len(validation_set.users)} validation users")

    rows: list[BenchmarkRow] = []
    chosen_on_validation: dict[str, BaseRecommender] = {}
    refitted: dict[str, BaseRecommender] = {}
    for candidate in candidates:
        params, validated, value = select_hyperparameters(candidate, validation_set, k)
        chosen_on_validation[candidate.name] = validated
        estimator = candidate.build(**params)
        seconds = fit_recommender(estimator, test_set)
        refitted[candidate.name] = estimator
        metrics = evaluate_fitted(estimator, test_set, data, k)
        rows.append(BenchmarkRow(candidate.name, params, metrics, value, seconds))
        log(f"  {candidate.name} {params}: validation ndcg@{k}={value:.4f} test ndcg@{k}={metrics[f'ndcg@{k}']:.4f}")

    if hybrid and len(candidates) > 1:
        weights, value = tune_hybrid_weights(chosen_on_validation, validation_set, k)
        blend = HybridRecommender(components=refitted, weights=weights).fit(test_set.train)
        seconds = sum(row.fit_seconds for row in rows if weights.get(row.recommender, 0.0))
        metrics = evaluate_fitted(blend, test_set, data, k)
        rows.append(BenchmarkRow("hybrid", {"weights": weights}, metrics, value, seconds))
        log(f"  hybrid {weights}: validation ndcg@{k}={value:.4f} test ndcg@{k}={metrics[f'ndcg@{k}']:.4f}")
    if tradeoff_strengths and rows:
        served = blend if hybrid and len(candidates) > 1 else refitted[rows[-1].recommender]
        rows[-1].tradeoff = rerank_tradeoff(served, test_set, data, k, tradeoff_strengths)
    return rows


def evaluate_fitted(estimator: BaseRecommender, test_set: EvaluationSet, data: InteractionData, k: int) -> dict:
    recommended = recommend_for(estimator, test_set, k)
    return list_metrics(recommended, test_set, data, k)


def list_metrics(recommended: np.ndarray, test_set: EvaluationSet, data: InteractionData, k: int) -> dict[str, Any]:
    """Accuracy, beyond-accuracy, exposure and per-group figures of one set of top-k lists."""
    metrics: dict[str, Any] = ranking_metrics(recommended, test_set.relevant, k)
    metrics.update(beyond_accuracy(recommended, train=test_set.train, item_tags=data.item_tags,
                                   item_brands=data.item_brands, brand_names=data.brand_names))
    metrics.update(exposure_metrics(recommended, n_items=test_set.train.shape[1], item_categories=data.item_categories,
                                    n_categories=len(data.category_names)))
    metrics["groups"] = group_metrics(recommended, test_set.relevant, k, test_set.groups)
    return metrics


#: The re-ranking strengths of the offline trade-off table.
TRADEOFF_STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)


def rerank_for(estimator: BaseRecommender, test_set: EvaluationSet, data: InteractionData, k: int,
               policy: RerankPolicy) -> np.ndarray:
    """Top-k lists re-ranked as served: users in row order, each list re-ranked against the exposure of
    the lists served before it (an :class:`ExposureWindow` over all of them), MMR on the content vectors."""
    vectors = content_vectors_of(estimator)
    window = ExposureWindow(test_set.train.shape[1], size=max(len(test_set.users), 1))
    lists = np.full((len(test_set.users), k), -1, dtype=np.int64)
    for start in range(0, len(test_set.users), USER_BATCH):
        user_items = test_set.train[test_set.users[start:start + USER_BATCH]]
        scores = np.asarray(estimator.score(user_items), dtype=np.float64)
        rows = np.repeat(np.arange(user_items.shape[0]), np.diff(user_items.indptr))
        scores[rows, user_items.indices] = -np.inf
        for offset, row in enumerate(scores):
            items, _ = rerank(row, n=k, policy=policy, item_vectors=vectors, exposure=window.counts,
                              item_categories=data.item_categories)
            lists[start + offset, :len(items)] = items
            window.add(items)
    return lists


def rerank_tradeoff(estimator: BaseRecommender, test_set: EvaluationSet, data: InteractionData, k: int,
                    strengths: Sequence[float] = TRADEOFF_STRENGTHS, **policy: Any) -> list[dict[str, Any]]:
    """nDCG@k against exposure Gini (videos, categories), coverage and popularity at each strength."""
    rows = []
    for strength in strengths:
        recommended = rerank_for(estimator, test_set, data, k, RerankPolicy(strength=strength, **policy))
        metrics = list_metrics(recommended, test_set, data, k)
        rows.append({"strength": strength, f"ndcg@{k}": metrics[f"ndcg@{k}"], "gini_videos": metrics["gini_videos"],
                     "gini_categories": metrics["gini_categories"], "coverage": metrics["coverage"],
                     "diversity": metrics["diversity"], "popularity_percentile": metrics["popularity_percentile"]})
    return rows


# --- reports (markdown tables, printed by the command and the benchmark) ----------------------


def _cell(value: Any) -> str:
    return "–" if value is None else f"{value:.4f}"


def fairness_table(rows: Sequence[BenchmarkRow], k: int) -> list[str]:
    """Per recommender: exposure Gini (videos, categories), catalogue share exposed, popularity bias and the
    best − worst group gap of nDCG@k per grouping."""
    groupings = sorted({g for row in rows for g in row.metrics.get("groups", {})})
    lines = ["| recommender | Gini videos | Gini categories | catalogue exposed | popularity percentile | "
             + " | ".join(f"nDCG@{k} gap {g}" for g in groupings) + " |",
             "|---" * (5 + len(groupings)) + "|"]
    for row in rows:
        m = row.metrics
        gaps = [m["groups"][g]["gap"][f"ndcg@{k}"] if g in m.get("groups", {}) else None for g in groupings]
        lines.append(f"| {row.recommender} | {_cell(m['gini_videos'])} | {_cell(m['gini_categories'])} | "
                     f"{_cell(m['coverage'])} | {_cell(m['popularity_percentile'])} | "
                     + " | ".join(_cell(g) for g in gaps) + " |")
    return lines


def group_table(row: BenchmarkRow, k: int) -> list[str]:
    """One recommender's precision/recall/nDCG@k per viewer group, and the gap per grouping."""
    lines = [f"| grouping | group | users | precision@{k} | recall@{k} | nDCG@{k} |", "|---" * 6 + "|"]
    for grouping, report in row.metrics.get("groups", {}).items():
        for name, figures in report["groups"].items():
            lines.append(f"| {grouping} | {name} | {figures['users']} | "
                         + " | ".join(_cell(figures[f"{m}@{k}"]) for m in GROUP_METRICS) + " |")
        lines.append(f"| {grouping} | gap (best − worst) | | "
                     + " | ".join(_cell(report["gap"][f"{m}@{k}"]) for m in GROUP_METRICS) + " |")
    return lines


def tradeoff_table(tradeoff: Sequence[Mapping[str, Any]], k: int) -> list[str]:
    """nDCG@k against exposure Gini, coverage, diversity and popularity per re-ranking strength."""
    lines = [f"| strength | nDCG@{k} | Gini videos | Gini categories | coverage | diversity | popularity percentile |",
             "|---" * 7 + "|"]
    for t in tradeoff:
        lines.append(f"| {t['strength']:.2f} | {_cell(t[f'ndcg@{k}'])} | {_cell(t['gini_videos'])} | "
                     f"{_cell(t['gini_categories'])} | {_cell(t['coverage'])} | {_cell(t['diversity'])} | "
                     f"{_cell(t['popularity_percentile'])} |")
    return lines
