"""EASE: closed-form linear item-item model (Steck, "Embarrassingly Shallow Autoencoders", 2019)."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from .base import BaseRecommender


class EASERecommender(BaseRecommender):
    """Score(u, .) = x_u B, with B the ridge regression of every item on all the others.

        G = X'X + l2 I,  P = G^-1,  B_ij = -P_ij / P_jj,  B_jj = 0

    Parameters
    ----------
    l2:
        Ridge strength (in interaction counts); tune it on a validation split (a few hundred on
        MovieLens-100K with binarised ratings).
    binary:
        Fit and score on 0/1 interactions (recommended for ratings and watch events).

    Learned: ``B_`` (dense float32, n_items x n_items; row j = how seen item j votes for each item).
    Memory is O(n_items^2): fine to ~20k items (1.6 GB in float32 at 20k); beyond that prune B or
    use :class:`ItemKNNRecommender`.
    """

    kind = "ease"

    def __init__(self, l2: float = 300.0, binary: bool = True):
        self.l2 = l2
        self.binary = binary

    def fit(self, X: sp.csr_matrix) -> EASERecommender:
        X = sp.csr_matrix(X, dtype=np.float64)
        if self.binary:
            X = X.copy()
            X.data[:] = 1.0
        gram = (X.T @ X).toarray()
        gram[np.diag_indices_from(gram)] += self.l2
        # G is symmetric positive definite: invert it from its Cholesky factor (LAPACK potrf + potri,
        # about a third of the flops of solving against the identity), then mirror the lower triangle.
        factor, info = scipy.linalg.lapack.dpotrf(gram, lower=True, overwrite_a=True)
        if info != 0:
            raise np.linalg.LinAlgError(f"X'X + l2 I is not positive definite (potrf info {info}).")
        precision, info = scipy.linalg.lapack.dpotri(factor, lower=True, overwrite_c=True)
        if info != 0:
            raise np.linalg.LinAlgError(f"Inverting X'X + l2 I failed (potri info {info}).")
        precision = np.tril(precision)
        precision += np.tril(precision, -1).T
        B = precision / (-np.diag(precision))[None, :]
        np.fill_diagonal(B, 0.0)
        self.B_ = B.astype(np.float32)
        self.n_items_ = X.shape[1]
        return self

    def _binary(self, user_items: sp.csr_matrix) -> sp.csr_matrix:
        if not self.binary:
            return user_items
        user_items = user_items.copy()
        user_items.data[:] = 1.0
        return user_items

    def _score(self, user_items: sp.csr_matrix) -> np.ndarray:
        return np.asarray(self._binary(user_items) @ self.B_, dtype=np.float32)

    def _item_similarities(self, item: int) -> np.ndarray:
        return self.B_[item].copy()

    def _contributions(self, user_items: sp.csr_matrix, item: int) -> np.ndarray:
        weights = self._binary(user_items).data
        return weights * self.B_[user_items.indices, item]

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"B": self.B_}, {}

    def _load_state(self, arrays, meta) -> None:
        self.B_ = arrays["B"].astype(np.float32)
