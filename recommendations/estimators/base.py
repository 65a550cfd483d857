"""Shared plumbing of the recommenders: the estimator contract, top-n selection, reasons, storage.

Every recommender is a pure scikit-learn-style estimator (no Django, no I/O):

* hyper-parameters are set in ``__init__`` and never changed by ``fit``;
* ``fit(X, ...)`` takes ``X``, a ``scipy.sparse.csr_matrix`` of shape (n_viewers, n_videos) whose
  entries are non-negative implicit-feedback weights (0 = no interaction), and returns ``self``;
  learned state lives in attributes ending in ``_``;
* ``recommend(user_items, n, exclude_seen=True)`` scores the rows of ``user_items`` (the histories of
  the viewers to serve, same item columns as ``X``; a viewer unseen at fit time is simply a new row,
  so serving never needs the training matrix) and returns :class:`Recommendations`;
* ``similar_items(item, n)`` returns the items most like one item;
* ``explain(user_items, item)`` says why ``item`` is recommended to the viewer of the one-row
  ``user_items``: a :class:`Reason` (component name and, for item-based models, the seen item that
  contributes most), which the serving layer renders as "similar to <title> you watched";
* ``to_arrays()`` exports an :class:`EstimatorState` (numpy arrays + JSON-able params) and
  ``estimator_from_state`` rebuilds the estimator from it: no pickles anywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp

#: Reason kinds, the vocabulary the serving layer turns into sentences.
REASON_SIMILAR_TO_SEEN = "similar_to_seen"  # "similar to <item> you watched"
REASON_POPULAR = "popular"  # "popular now"
REASON_MATCHES_TASTE = "matches_taste"  # content profile match without a single dominant item


@dataclass(frozen=True)
class Reason:
    """Why one item is recommended: which component and, when there is one, which seen item.

    ``because_item`` is a column index of the training matrix (``-1`` when the reason is not an
    item, e.g. popularity).
    """

    kind: str
    component: str
    because_item: int = -1

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "component": self.component, "because_item": self.because_item}


@dataclass
class Recommendations:
    """Top-n items per served viewer, best first.

    ``items`` (int32) and ``scores`` (float32) have shape (n_viewers, n). When a viewer has fewer than
    ``n`` candidates the row is padded with item ``-1`` and score ``-inf``.
    """

    items: np.ndarray
    scores: np.ndarray


@dataclass
class EstimatorState:
    """Everything needed to rebuild a fitted estimator: safe to store (``np.savez`` + JSON)."""

    kind: str
    params: dict[str, Any]
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def params_json(self) -> str:
        return json.dumps({"kind": self.kind, "params": self.params, "meta": self.meta}, sort_keys=True)


REGISTRY: dict[str, type[BaseRecommender]] = {}


def estimator_from_state(state: EstimatorState) -> BaseRecommender:
    """Rebuild any fitted estimator from :meth:`BaseRecommender.to_arrays` output."""
    return REGISTRY[state.kind].from_arrays(state)


class BaseRecommender:
    """Base class: subclasses implement ``fit``, ``_score``, ``_state`` and ``_load_state``.

    ``_score(user_items)`` returns dense float32 scores of shape (n_rows, n_items); items that
    cannot be scored get ``-inf``. Keep user batches modest (the evaluation harness scores 1,000
    viewers at a time) since the score block is dense.
    """

    kind: ClassVar[str] = ""
    #: Extra keyword inputs ``fit`` needs besides ``X`` (the evaluation harness passes them).
    fit_inputs: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind:
            REGISTRY[cls.kind] = cls

    # --- hyper-parameters (scikit-learn convention: the __init__ arguments) -------------------

    def get_params(self) -> dict[str, Any]:
        import inspect

        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # --- scoring ------------------------------------------------------------------------------

    @property
    def n_items(self) -> int:
        return int(self.n_items_)

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_items_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit() first.")

    def _check_user_items(self, user_items) -> sp.csr_matrix:
        self._check_fitted()
        user_items = sp.csr_matrix(user_items, dtype=np.float32)
        if user_items.shape[1] != self.n_items:
            raise ValueError(f"user_items has {user_items.shape[1]} item columns, the model {self.n_items}.")
        return user_items

    def _score(self, user_items: sp.csr_matrix) -> np.ndarray:
        raise NotImplementedError

    def score(self, user_items) -> np.ndarray:
        """Dense (n_rows, n_items) float32 scores for the viewers whose histories are the rows."""
        return self._score(self._check_user_items(user_items))

    def recommend(self, user_items, n: int = 10, *, exclude_seen: bool = True,
                  candidates: np.ndarray | None = None) -> Recommendations:
        """Top-``n`` items for each row of ``user_items`` (csr, n_rows x n_items).

        ``exclude_seen`` drops the items the viewer already has in ``user_items``;
        ``candidates`` (optional int array) restricts the result to those items (e.g. one brand's).
        """
        user_items = self._check_user_items(user_items)
        scores = self._score(user_items)
        if candidates is not None:
            allowed = np.zeros(self.n_items, dtype=bool)
            allowed[np.asarray(candidates, dtype=np.int64)] = True
            scores[:, ~allowed] = -np.inf
        if exclude_seen:
            mask_seen(scores, user_items)
        return top_n(scores, n)

    def similar_items(self, item: int, n: int = 10) -> Recommendations:
        """The ``n`` items most similar to ``item`` (itself excluded), as a one-row result."""
        return top_n(self.similarity_row(item), n)

    def similarity_row(self, item: int) -> np.ndarray:
        """(1, n_items) float32 similarities of every item to ``item``; ``item`` itself is -inf."""
        self._check_fitted()
        sims = self._item_similarities(int(item)).astype(np.float32, copy=True)
        sims[int(item)] = -np.inf
        return sims[None, :]

    def _item_similarities(self, item: int) -> np.ndarray:
        raise NotImplementedError

    def explain(self, user_items, item: int) -> Reason:
        """Why ``item`` is recommended to the viewer whose history is the one row ``user_items``."""
        user_items = self._check_user_items(user_items)
        contributions = self._contributions(user_items, int(item))
        return reason_from_contributions(user_items, contributions, component=self.kind)

    def explain_many(self, user_items, items) -> list[Reason]:
        """:meth:`explain` for several items of the same one-row viewer (what a served list needs)."""
        user_items = self._check_user_items(user_items)
        items = [int(item) for item in items]
        contributions = self._contributions_many(user_items, items)
        return [reason_from_contributions(user_items, None if contributions is None else contributions[:, n],
                                          component=self.kind) for n in range(len(items))]

    def _contributions_many(self, user_items: sp.csr_matrix, items: list[int]) -> np.ndarray | None:
        """(n_seen, len(items)) matrix of :meth:`_contributions` columns, or None."""
        columns = [self._contributions(user_items, item) for item in items]
        if not columns or any(column is None for column in columns):
            return None
        return np.column_stack(columns)

    def _contributions(self, user_items: sp.csr_matrix, item: int) -> np.ndarray | None:
        """Per seen item (aligned with ``user_items.indices``) share of ``item``'s score, or None."""
        return None

    # --- storage ------------------------------------------------------------------------------

    def to_arrays(self) -> EstimatorState:
        """Fitted state as numpy arrays + JSON-able params (see :class:`EstimatorState`)."""
        self._check_fitted()
        arrays, meta = self._state()
        arrays = {key: np.ascontiguousarray(value) for key, value in arrays.items()}
        return EstimatorState(kind=self.kind, params=self.get_params(), arrays=arrays,
                              meta={"n_items": self.n_items, **meta})

    @classmethod
    def from_arrays(cls, state: EstimatorState) -> BaseRecommender:
        if state.kind != cls.kind:
            raise ValueError(f"State of a {state.kind!r} estimator given to {cls.__name__}.")
        estimator = cls(**state.params)
        estimator.n_items_ = int(state.meta["n_items"])
        estimator._load_state(state.arrays, state.meta)
        return estimator

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        raise NotImplementedError

    def _load_state(self, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        raise NotImplementedError


# --- helpers shared by the estimators ---------------------------------------------------------


def mask_seen(scores: np.ndarray, user_items: sp.csr_matrix) -> None:
    """Set the scores of the items in each row's history to -inf, in place."""
    rows = np.repeat(np.arange(user_items.shape[0]), np.diff(user_items.indptr))
    scores[rows, user_items.indices] = -np.inf


def top_n(scores: np.ndarray, n: int) -> Recommendations:
    """Best ``n`` columns per row (argpartition, then a sort of the n); -inf never counts."""
    n_rows, n_cols = scores.shape
    n_take = min(n, n_cols)
    if n_take < n_cols:
        part = np.argpartition(-scores, n_take - 1, axis=1)[:, :n_take]
    else:
        part = np.tile(np.arange(n_cols), (n_rows, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    # argpartition picks arbitrarily among items tied at the cut-off; redo those rows with a stable
    # sort so that ties always go to the lower item index (reproducible lists).
    kth = part_scores.min(axis=1)
    tied = np.flatnonzero((scores >= kth[:, None]).sum(axis=1) > n_take)
    for row in tied:
        part[row] = np.lexsort((np.arange(n_cols), -scores[row]))[:n_take]
        part_scores[row] = scores[row, part[row]]
    # Stable sort on (score desc, item asc) so ties come out in a reproducible order.
    order = np.lexsort((part, -part_scores), axis=1)
    items = np.take_along_axis(part, order, axis=1).astype(np.int32)
    best = np.take_along_axis(part_scores, order, axis=1).astype(np.float32)
    items[~np.isfinite(best)] = -1
    best[~np.isfinite(best)] = -np.inf
    if n_take < n:
        items = np.pad(items, ((0, 0), (0, n - n_take)), constant_values=-1)
        best = np.pad(best, ((0, 0), (0, n - n_take)), constant_values=-np.inf)
    return Recommendations(items=items, scores=best)


def reason_from_contributions(user_items: sp.csr_matrix, contributions: np.ndarray | None,
                              *, component: str) -> Reason:
    if contributions is None or contributions.size == 0 or not np.any(contributions > 0):
        return Reason(kind=REASON_MATCHES_TASTE, component=component)
    seen = user_items.indices[: len(contributions)]
    return Reason(kind=REASON_SIMILAR_TO_SEEN, component=component,
                  because_item=int(seen[int(np.argmax(contributions))]))


def sparse_to_arrays(prefix: str, matrix: sp.spmatrix) -> dict[str, np.ndarray]:
    matrix = sp.csr_matrix(matrix)
    return {f"{prefix}.data": matrix.data, f"{prefix}.indices": matrix.indices.astype(np.int32),
            f"{prefix}.indptr": matrix.indptr.astype(np.int64), f"{prefix}.shape": np.array(matrix.shape)}


def sparse_from_arrays(prefix: str, arrays: dict[str, np.ndarray]) -> sp.csr_matrix:
    shape = tuple(int(x) for x in arrays[f"{prefix}.shape"])
    return sp.csr_matrix((arrays[f"{prefix}.data"], arrays[f"{prefix}.indices"], arrays[f"{prefix}.indptr"]),
                         shape=shape)


def row_normalise(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """L2-normalised rows (zero rows stay zero)."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sp.csr_matrix(sp.diags(inv.astype(np.float32)) @ matrix)


def keep_top_k_per_column(similarity: sp.csc_matrix, k: int) -> sp.csr_matrix:
    """Keep the ``k`` largest entries of each column (neighbours of each target item)."""
    similarity = sp.csc_matrix(similarity)
    data, indices, indptr = similarity.data, similarity.indices, similarity.indptr
    keep = np.zeros(len(data), dtype=bool)
    for col in range(similarity.shape[1]):
        start, end = indptr[col], indptr[col + 1]
        if end - start <= k:
            keep[start:end] = True
        else:
            local = np.argpartition(-data[start:end], k - 1)[:k]
            keep[start + local] = True
    pruned = sp.csc_matrix((np.where(keep, data, 0), indices, indptr), shape=similarity.shape)
    pruned.eliminate_zeros()
    return pruned.tocsr()
