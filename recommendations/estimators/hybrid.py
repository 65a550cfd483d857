"""Hybrid: a weighted blend of the per-viewer standardised scores of fitted component estimators."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import scipy.sparse as sp

from .base import BaseRecommender, EstimatorState, Reason, estimator_from_state

COLD_USER_COMPONENT = "popularity"


def standardise_rows(scores: np.ndarray) -> np.ndarray:
    """Per-row z-scores over the finite entries (constant rows become 0), float32.

    Components live on different scales (cosines, regression weights, decayed counts); a z-score per
    viewer puts "how much this model prefers this item for this viewer" on one scale.
    """
    finite = np.isfinite(scores)
    values = np.where(finite, scores, 0.0)
    count = np.maximum(finite.sum(axis=1, keepdims=True), 1)
    mean = values.sum(axis=1, keepdims=True) / count
    var = (np.where(finite, values - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / count
    std = np.sqrt(var)
    out = np.divide(values - mean, std, out=np.zeros_like(values, dtype=np.float64), where=std > 1e-12)
    return np.where(finite, out, -np.inf).astype(np.float32)


class HybridRecommender(BaseRecommender):
    """score(u, i) = sum_c weight_c * zscore_u(score_c(u, i)), over already fitted components.

    Parameters
    ----------
    components:
        Name -> fitted estimator (e.g. ``{"ease": ..., "content": ..., "popularity": ...}``), all
        over the same item columns. ``fit`` fits any that are not fitted yet.
    weights:
        Name -> blend weight (missing names weigh 0). Tune them on a validation split
        (``recommendations.evaluation.tune_hybrid_weights``), never on the test split.

    Cold viewers (empty history) are served by the ``popularity`` component alone when there is one.
    Cold items (no interactions) score 0 in the collaborative components and are lifted by the
    content component, which scores them from their text.
    """

    kind = "hybrid"

    def __init__(self, components: Mapping[str, BaseRecommender] | None = None,
                 weights: Mapping[str, float] | None = None):
        self.components = dict(components or {})
        self.weights = dict(weights or {})

    @property
    def fit_inputs(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(sorted({name for c in self.components.values() for name in c.fit_inputs}))

    def fit(self, X: sp.csr_matrix, **fit_inputs) -> HybridRecommender:
        for component in self.components.values():
            if not hasattr(component, "n_items_"):
                component.fit(X, **{name: fit_inputs.get(name) for name in component.fit_inputs})
        sizes = {c.n_items for c in self.components.values()}
        if len(sizes) != 1:
            raise ValueError(f"Components disagree on the number of items: {sorted(sizes)}.")
        self.n_items_ = sizes.pop()
        self._last_scored = None
        return self

    def component_scores(self, user_items) -> dict[str, np.ndarray]:
        """Standardised scores of each component with a non-zero weight (or all if none weighs).

        The last one-row result is remembered (keyed by the row's content), so serving a viewer,
        which scores and then explains the same history, computes the components once."""
        user_items = self._check_user_items(user_items)
        key = None
        if user_items.shape[0] == 1:
            key = (user_items.indices.tobytes(), user_items.data.tobytes())
            last = getattr(self, "_last_scored", None)
            if last is not None and last[0] == key:
                return {name: scores.copy() for name, scores in last[1].items()}
        names = [name for name in self.components if self.weights.get(name, 0.0) != 0.0] or list(self.components)
        standardised = {name: standardise_rows(self.components[name].score(user_items)) for name in names}
        if key is not None:
            self._last_scored = (key, {name: scores.copy() for name, scores in standardised.items()})
        return standardised

    @staticmethod
    def blend(standardised: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
        shape = next(iter(standardised.values())).shape
        total = np.zeros(shape, dtype=np.float32)
        for name, scores in standardised.items():
            weight = float(weights.get(name, 0.0))
            if weight:
                total += weight * np.where(np.isfinite(scores), scores, 0.0)
        return total

    def _score(self, user_items: sp.csr_matrix) -> np.ndarray:
        cold = np.diff(user_items.indptr) == 0
        if cold.all() and COLD_USER_COMPONENT in self.components:  # nothing for the others to go on
            return self.components[COLD_USER_COMPONENT].score(user_items)
        scores = self.blend(self.component_scores(user_items), self.weights)
        if cold.any() and COLD_USER_COMPONENT in self.components:
            scores[cold] = self.components[COLD_USER_COMPONENT].score(user_items[cold])
        return scores

    def _item_similarities(self, item: int) -> np.ndarray:
        total = np.zeros(self.n_items, dtype=np.float32)
        for name, component in self.components.items():
            weight = self.weights.get(name, 0.0)
            if weight and name != COLD_USER_COMPONENT:
                total += weight * standardise_rows(component._item_similarities(item)[None, :].astype(np.float64))[0]
        return total

    def explain(self, user_items, item: int) -> Reason:
        """The reason of the component that contributes most to ``item`` for this viewer."""
        return self.explain_many(user_items, [item])[0]

    def explain_many(self, user_items, items) -> list[Reason]:
        """Reasons for several items of one viewer; the component scores are computed once."""
        user_items = self._check_user_items(user_items)
        if user_items.nnz == 0 and COLD_USER_COMPONENT in self.components:
            return self.components[COLD_USER_COMPONENT].explain_many(user_items, items)
        standardised = self.component_scores(user_items)
        items = [int(item) for item in items]
        best_of = []
        for item in items:
            contribution = {name: self.weights.get(name, 0.0) * float(scores[0, item])
                            for name, scores in standardised.items()}
            best_of.append(max(contribution, key=contribution.get))
        reasons: list[Reason | None] = [None] * len(items)
        for name in set(best_of):  # one explain_many call per component
            positions = [n for n, best in enumerate(best_of) if best == name]
            for n, reason in zip(positions, self.components[name].explain_many(user_items, [items[p] for p in positions]),
                                 strict=True):
                reasons[n] = Reason(kind=reason.kind, component=name, because_item=reason.because_item)
        return reasons  # type: ignore[return-value]

    # --- storage: each component's state under "<name>/" --------------------------------------

    def get_params(self) -> dict[str, Any]:
        return {"weights": dict(self.weights)}

    def to_arrays(self) -> EstimatorState:
        self._check_fitted()
        arrays: dict[str, np.ndarray] = {}
        components_meta = {}
        for name, component in self.components.items():
            state = component.to_arrays()
            arrays.update({f"{name}/{key}": value for key, value in state.arrays.items()})
            components_meta[name] = {"kind": state.kind, "params": state.params, "meta": state.meta}
        return EstimatorState(kind=self.kind, params=self.get_params(), arrays=arrays,
                              meta={"n_items": self.n_items, "components": components_meta})

    @classmethod
    def from_arrays(cls, state: EstimatorState) -> HybridRecommender:
        components = {}
        for name, info in state.meta["components"].items():
            prefix = f"{name}/"
            arrays = {key[len(prefix):]: value for key, value in state.arrays.items() if key.startswith(prefix)}
            components[name] = estimator_from_state(
                EstimatorState(kind=info["kind"], params=info["params"], arrays=arrays, meta=info["meta"]))
        hybrid = cls(components=components, weights=state.params["weights"])
        hybrid.n_items_ = int(state.meta["n_items"])
        return hybrid
