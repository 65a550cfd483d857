"""Clustering viewers into personas (pure: numpy / scikit-learn, no Django).

k is either given or chosen automatically: for every k in ``k_range`` a MiniBatchKMeans is fitted
on a fixed random sample of at most ``search_sample`` rows and scored by the silhouette coefficient
on a fixed random sample of at most ``silhouette_sample`` rows; the k with the highest silhouette
wins (ties -> the smaller k). The chosen k is then refitted on all rows. Every random choice comes
from ``random_state``, so a run is reproducible.

Small clusters are then merged (``merge_small_clusters``): while a cluster has fewer than
``min_size`` members, the smallest one is merged into the cluster whose centroid is nearest, and
the merged centroid is the size-weighted mean. Merging (rather than suppressing) keeps every
viewer assigned, so persona KPIs still add up to the brand's totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.cluster import MiniBatchKMeans
from sklearn.metrics import silhouette_score

ProgressCallback = Callable[[float, str], None]


@dataclass
class ClusteringResult:
    labels: np.ndarray  # (n,) persona index per row, 0..k-1 after merging
    centroids: np.ndarray  # (k, d) float64
    k: int  # personas after merging
    k_fitted: int  # clusters fitted before merging
    inertia: float  # sum of squared distances to the final centroids
    silhouette: float | None  # on a sample, with the final labels (None if k < 2)
    k_scores: dict[int, float] = field(default_factory=dict)  # silhouette per candidate k
    merged: int = 0  # clusters merged away for being smaller than min_size


def _kmeans(k: int, random_state: int, n: int) -> MiniBatchKMeans:
    return MiniBatchKMeans(
        n_clusters=k, random_state=random_state, n_init=3, batch_size=min(4096, max(256, n // 10)),
        max_iter=100, reassignment_ratio=0.01,
    )


def _sample(n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    return np.arange(n) if n <= size else np.sort(rng.choice(n, size=size, replace=False))


def _silhouette(X, labels: np.ndarray, rows: np.ndarray) -> float | None:
    sample_labels = labels[rows]
    if len(np.unique(sample_labels)) < 2:
        return None
    return float(silhouette_score(X[rows], sample_labels))


def choose_k(
    X, *, k_range: tuple[int, int], random_state: int = 0, search_sample: int = 50_000,
    silhouette_sample: int = 5_000, progress: ProgressCallback | None = None,
) -> tuple[int, dict[int, float]]:
    """The k in [k_range[0], k_range[1]] with the best silhouette on a sample; scores per k."""
    n = X.shape[0]
    rng = np.random.default_rng(random_state)
    fit_rows = _sample(n, search_sample, rng)
    X_fit = X[fit_rows]
    score_rows = _sample(len(fit_rows), silhouette_sample, rng)
    low, high = max(2, k_range[0]), min(k_range[1], len(fit_rows) - 1)
    scores: dict[int, float] = {}
    for i, k in enumerate(range(low, high + 1)):
        labels = _kmeans(k, random_state, len(fit_rows)).fit_predict(X_fit)
        score = _silhouette(X_fit, labels, score_rows)
        scores[k] = -1.0 if score is None else round(score, 6)
        if progress:
            progress((i + 1) / (high - low + 1), f"k={k}: silhouette {scores[k]:.3f}")
    if not scores:
        return max(1, min(k_range[0], n)), scores
    best = max(scores.values())
    return min(k for k, s in scores.items() if s == best), scores


def merge_small_clusters(labels: np.ndarray, centroids: np.ndarray, min_size: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Merge clusters below min_size into the nearest centroid; relabel 0..k'-1 by decreasing size.

    Returns (labels, centroids, number of clusters merged away).
    """
    centroids = np.asarray(centroids, dtype=np.float64).copy()
    sizes = np.bincount(labels, minlength=len(centroids)).astype(np.int64)
    alive = sizes > 0
    target = np.arange(len(centroids))
    merged = 0
    while alive.sum() > 1:
        candidates = np.where(alive & (sizes < min_size))[0]
        if len(candidates) == 0:
            break
        small = candidates[np.argmin(sizes[candidates])]
        others = np.where(alive)[0]
        others = others[others != small]
        distances = ((centroids[others] - centroids[small]) ** 2).sum(axis=1)
        into = others[np.argmin(distances)]
        total = sizes[small] + sizes[into]
        centroids[into] = (centroids[into] * sizes[into] + centroids[small] * sizes[small]) / total
        sizes[into], sizes[small], alive[small] = total, 0, False
        target[target == small] = into
        merged += 1
    final = target[labels]
    kept = np.where(alive)[0]
    kept = kept[np.argsort(-sizes[kept], kind="stable")]
    remap = np.full(len(centroids), -1, dtype=np.int64)
    remap[kept] = np.arange(len(kept))
    return remap[final], centroids[kept], merged


def fit_personas(
    X, *, k: int | None = None, k_range: tuple[int, int] = (2, 10), min_size: int = 20, random_state: int = 0,
    search_sample: int = 50_000, silhouette_sample: int = 5_000, progress: ProgressCallback | None = None,
) -> ClusteringResult:
    """Cluster rows of X (dense or CSR) into personas. progress(fraction 0..1, message) is optional."""
    n = X.shape[0]
    if n == 0:
        raise ValueError("no viewers to cluster")
    report = progress or (lambda fraction, message: None)
    scores: dict[int, float] = {}
    if k is None:
        k, scores = choose_k(
            X, k_range=k_range, random_state=random_state, search_sample=search_sample,
            silhouette_sample=silhouette_sample,
            progress=lambda f, m: report(0.7 * f, m),
        )
    k = max(1, min(k, n))
    model = _kmeans(k, random_state, n).fit(X)
    report(0.85, f"fitted k={k} on {n} viewers")
    labels, centroids, merged = merge_small_clusters(model.labels_, model.cluster_centers_, min_size)
    inertia = _inertia(X, labels, centroids)
    rng = np.random.default_rng(random_state + 1)
    silhouette = _silhouette(X, labels, _sample(n, silhouette_sample, rng))
    report(0.9, "scored")
    return ClusteringResult(labels=labels, centroids=centroids, k=len(centroids), k_fitted=k, inertia=inertia,
                            silhouette=silhouette, k_scores=scores, merged=merged)


def _inertia(X, labels: np.ndarray, centroids: np.ndarray, chunk: int = 100_000) -> float:
    total = 0.0
    for start in range(0, X.shape[0], chunk):
        block = X[start:start + chunk]
        block = block.toarray() if sp.issparse(block) else np.asarray(block, dtype=np.float64)
        total += float(((block - centroids[labels[start:start + chunk]]) ** 2).sum())
    return total


def assign(X, centroids: np.ndarray, chunk: int = 100_000) -> np.ndarray:
    """Index of the nearest centroid (squared Euclidean) for each row: serving with a stored model."""
    centroids = np.asarray(centroids, dtype=np.float64)
    c_norms = (centroids ** 2).sum(axis=1)
    out = np.empty(X.shape[0], dtype=np.int64)
    for start in range(0, X.shape[0], chunk):
        block = X[start:start + chunk]
        cross = block @ centroids.T
        cross = np.asarray(cross.toarray() if sp.issparse(cross) else cross)
        out[start:start + chunk] = np.argmin(c_norms[None, :] - 2 * cross, axis=1)
    return out
