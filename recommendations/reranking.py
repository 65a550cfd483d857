"""Re-ranking after scoring: exposure-aware and diversity-aware (MMR), pure numpy, no Django.

A recommender ranks by relevance only, so the same few popular videos fill most lists. This step
re-orders the head of one ranking (a pool of ``pool_factor x n`` best-scored items) greedily, as
maximal marginal relevance (Carbonell & Goldstein 1998) with exposure penalties::

    value(i) = rel(i) - strength * (diversity_weight * max_{j in list} cos(i, j)
                                    + exposure_weight * (video_penalty(i) + category_penalty(i)))

* ``rel`` is the pool's score min-max scaled to [0, 1] (1 = the best-scored item);
* ``cos`` is the cosine of the items' content vectors (the TF-IDF vectors of the content
  recommender, which the hybrid carries); without vectors the diversity term is 0;
* ``video_penalty = clip(share / video_cap - 1, 0, 1)`` where ``share`` is the video's share of the
  recent exposure (``exposure``: how often each item was served lately): 0 up to the cap, 1 at twice it;
* ``category_penalty`` is the same on the category's share of recent exposure, plus 1 when the list
  being built already holds ``ceil(category_cap * n)`` items of that category.

``strength`` in [0, 1] scales the penalties; 0 returns exactly the relevance order (identity). The
chosen values never increase along the list (penalties only grow as the list fills), so they can be
served as scores.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class RerankPolicy:
    """How strongly and against what to re-rank (all shares are fractions in (0, 1])."""

    strength: float = 0.0
    video_cap: float = 0.005
    category_cap: float = 0.3
    diversity_weight: float = 1.0
    exposure_weight: float = 1.0
    pool_factor: int = 5

    def __post_init__(self):
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError("strength must be within [0, 1].")
        if not (0.0 < self.video_cap <= 1.0 and 0.0 < self.category_cap <= 1.0):
            raise ValueError("caps must be within (0, 1].")
        if self.pool_factor < 1:
            raise ValueError("pool_factor must be at least 1.")


def content_vectors_of(estimator) -> sp.csr_matrix | None:
    """The item content vectors an estimator carries (content recommender or a hybrid holding one)."""
    vectors = getattr(estimator, "item_vectors_", None)
    if vectors is not None:
        return vectors
    for component in getattr(estimator, "components", {}).values():
        vectors = getattr(component, "item_vectors_", None)
        if vectors is not None:
            return vectors
    return None


def ranked_items(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` best finite scores, best first (ties: lower index first)."""
    finite = np.flatnonzero(np.isfinite(scores))
    if len(finite) > n:
        # the n-th best value, then everything at least as good (stable ordering below breaks ties)
        threshold = np.partition(scores[finite], len(finite) - n)[len(finite) - n]
        finite = finite[scores[finite] >= threshold]
    order = np.lexsort((finite, -scores[finite]))
    return finite[order][:n]


def _cap_penalty(share: np.ndarray, cap: float) -> np.ndarray:
    return np.clip(share / cap - 1.0, 0.0, 1.0)


def rerank(scores: np.ndarray, *, n: int, policy: RerankPolicy, item_vectors: sp.spmatrix | None = None,
           exposure: np.ndarray | None = None, item_categories: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Re-rank one row of scores; returns (item indices, values), best first, at most ``n`` items.

    ``scores``: (n_items,) relevance, ``-inf`` for items that may not be shown. ``item_vectors``:
    (n_items x d) content vectors. ``exposure``: (n_items,) recent serve counts (None or all zeros: no
    history). ``item_categories``: (n_items,) category index per item, ``-1`` for none.
    """
    scores = np.asarray(scores, dtype=np.float64).ravel()
    if policy.strength == 0.0:
        items = ranked_items(scores, n)
        return items, scores[items]
    pool = ranked_items(scores, max(n * policy.pool_factor, n))
    if len(pool) == 0:
        return pool, np.zeros(0)
    pool_scores = scores[pool]
    low, high = pool_scores.min(), pool_scores.max()
    rel = (pool_scores - low) / (high - low) if high > low else np.ones(len(pool))

    fixed_penalty, categories = _exposure_penalty(pool, exposure, item_categories, policy)
    similarity = None
    if item_vectors is not None and policy.diversity_weight > 0:
        similarity = _cosine_similarity(item_vectors, pool)

    # value = base - diversity * max similarity to the list - category-full penalty; chosen items -> -inf
    base = rel - policy.strength * fixed_penalty
    diversity = policy.strength * policy.diversity_weight
    category_full = policy.strength * policy.exposure_weight
    full_penalty = np.zeros(len(pool))
    per_category_limit = max(1, math.ceil(policy.category_cap * n))
    if categories is not None:
        in_list: dict[int, int] = {}
    max_similarity = np.zeros(len(pool))
    chosen, values = [], []
    for _ in range(min(n, len(pool))):
        value = base - diversity * max_similarity - full_penalty
        best = int(np.argmax(value))  # first maximum: ties keep the relevance order
        chosen.append(best)
        values.append(float(value[best]))
        base[best] = -np.inf
        if similarity is not None:
            np.maximum(max_similarity, similarity[best], out=max_similarity)
        if categories is not None and categories[best] >= 0:
            category = int(categories[best])
            in_list[category] = in_list.get(category, 0) + 1
            if in_list[category] == per_category_limit:  # the category is full from now on
                full_penalty[categories == category] = category_full
    return pool[np.array(chosen, dtype=np.int64)], np.array(values)


def _exposure_penalty(pool: np.ndarray, exposure: np.ndarray | None, item_categories: np.ndarray | None,
                      policy: RerankPolicy) -> tuple[np.ndarray, np.ndarray | None]:
    """The pool's fixed penalty for recent over-exposure (of each video, and of its category), weighted by the
    policy, and the pool's categories (None when the catalogue has none)."""
    penalty = np.zeros(len(pool))
    total = float(exposure.sum()) if exposure is not None else 0.0
    if total > 0:
        penalty += _cap_penalty(exposure[pool] / total, policy.video_cap)
    categories = None
    if item_categories is not None:
        categories = np.asarray(item_categories)[pool]
        if total > 0:
            known = np.asarray(item_categories) >= 0
            # at least one bin: a catalogue without categories has no category share (all -1 map to 0.0)
            by_category = np.bincount(np.asarray(item_categories)[known], weights=exposure[known],
                                      minlength=max(int(categories.max()) + 1, 1))
            share = np.where(categories >= 0, by_category[np.maximum(categories, 0)] / total, 0.0)
            penalty += _cap_penalty(share, policy.category_cap)
    return penalty * policy.exposure_weight, categories


def _cosine_similarity(item_vectors: sp.spmatrix, pool: np.ndarray) -> np.ndarray:
    """Cosine between the pool's items, from the Gram matrix of their rows (one sparse product)."""
    gram = sp.csr_matrix(item_vectors[pool])
    gram = np.asarray((gram @ gram.T).toarray(), dtype=np.float64)
    norms = np.sqrt(np.diag(gram))
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return gram * inverse[:, None] * inverse[None, :]


class ExposureWindow:
    """Serve counts per item over the last ``size`` lists (a rolling window, counts kept incrementally)."""

    def __init__(self, n_items: int, size: int):
        self.counts = np.zeros(n_items, dtype=np.float64)
        self.size = size
        self._lists: deque[np.ndarray] = deque()

    def add(self, items: np.ndarray) -> None:
        items = np.asarray(items, dtype=np.int64)
        items = items[items >= 0]
        np.add.at(self.counts, items, 1.0)
        self._lists.append(items)
        if len(self._lists) > self.size:
            np.subtract.at(self.counts, self._lists.popleft(), 1.0)
