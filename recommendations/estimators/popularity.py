"""Popularity with recency decay: what many viewers engaged with lately."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from .base import REASON_POPULAR, BaseRecommender, Reason

SECONDS_PER_DAY = 86_400.0


class PopularityRecommender(BaseRecommender):
    """Item score = sum over interactions of weight x 0.5 ** (age / half-life).

    Parameters
    ----------
    half_life_days:
        Age (days) at which an interaction counts half. ``None`` disables decay (plain sum of weights).
    binary:
        Count each (viewer, item) once instead of summing its weight.

    ``fit(X, interaction_times=None, now=None)``: ``interaction_times`` is a csr matrix with the same
    sparsity pattern as ``X`` holding the (latest) interaction time of each pair in Unix seconds;
    ``now`` (Unix seconds) defaults to the latest time seen. Without times there is no decay
    (pass a matrix already decayed if you prefer to decay upstream).

    Learned: ``item_scores_`` (float32, n_items), scaled so the best item scores 1.
    Every viewer gets the same ranking (minus what they have seen); the reason is always "popular".
    """

    kind = "popularity"
    fit_inputs = ("interaction_times",)

    def __init__(self, half_life_days: float | None = 14.0, binary: bool = False):
        self.half_life_days = half_life_days
        self.binary = binary

    def fit(self, X: sp.csr_matrix, interaction_times: sp.csr_matrix | None = None,
            now: float | None = None) -> PopularityRecommender:
        X = sp.csr_matrix(X, dtype=np.float64)
        weights = np.ones_like(X.data) if self.binary else X.data.copy()
        if interaction_times is not None and self.half_life_days:
            times = sp.csr_matrix(interaction_times, dtype=np.float64)
            if times.shape != X.shape or times.nnz != X.nnz or not np.array_equal(times.indices, X.indices):
                raise ValueError("interaction_times must have exactly the sparsity pattern of X.")
            now = float(times.data.max()) if now is None and times.nnz else float(now or 0.0)
            age_days = np.maximum(now - times.data, 0.0) / SECONDS_PER_DAY
            weights *= 0.5 ** (age_days / float(self.half_life_days))
        scores = np.bincount(X.indices, weights=weights, minlength=X.shape[1])
        top = scores.max() if scores.size else 0.0
        self.item_scores_ = (scores / top if top > 0 else scores).astype(np.float32)
        self.n_items_ = X.shape[1]
        return self

    def _score(self, user_items: sp.csr_matrix) -> np.ndarray:
        return np.tile(self.item_scores_, (user_items.shape[0], 1))

    def _item_similarities(self, item: int) -> np.ndarray:
        # No notion of similarity: "viewers of this also watch" falls back to what is popular.
        return self.item_scores_.copy()

    def explain(self, user_items, item: int) -> Reason:
        return Reason(kind=REASON_POPULAR, component=self.kind)

    def explain_many(self, user_items, items) -> list[Reason]:
        return [Reason(kind=REASON_POPULAR, component=self.kind) for _ in items]

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"item_scores": self.item_scores_}, {}

    def _load_state(self, arrays, meta) -> None:
        self.item_scores_ = arrays["item_scores"].astype(np.float32)
