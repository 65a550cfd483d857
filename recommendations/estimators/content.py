"""Content-based recommendations: TF-IDF over item text, cosine similarity, viewer taste profiles."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .base import BaseRecommender, row_normalise, sparse_from_arrays, sparse_to_arrays


class ContentRecommender(BaseRecommender):
    """Items described by text (title, description, tags/genres) as L2-normalised TF-IDF vectors.

    A viewer's profile is the weighted mean of the vectors of the items they engaged with (weights
    from ``user_items``); an item's score is the cosine between the profile and the item vector.
    Items need no interactions at all to be scored, so this model serves brand-new (cold) videos.

    Parameters
    ----------
    max_features, min_df, ngram_range, sublinear_tf:
        Passed to ``sklearn.feature_extraction.text.TfidfVectorizer``.

    ``fit(X, item_texts)``: ``item_texts`` has one string per item column of ``X`` (tags are best
    joined as single tokens, e.g. ``"tag_sci_fi"``). ``X`` is only used for its item count.

    Learned: ``item_vectors_`` (csr float32, n_items x n_terms, unit rows), ``vocabulary_`` (terms in
    column order) and ``idf_`` so that :meth:`transform_texts` can place new item texts.
    """

    kind = "content"
    fit_inputs = ("item_texts",)

    def __init__(self, max_features: int | None = 20_000, min_df: int = 1,
                 ngram_range: tuple[int, int] = (1, 1), sublinear_tf: bool = True):
        self.max_features = max_features
        self.min_df = min_df
        self.ngram_range = tuple(ngram_range)
        self.sublinear_tf = sublinear_tf

    def _vectorizer(self, vocabulary=None) -> TfidfVectorizer:
        return TfidfVectorizer(max_features=self.max_features, min_df=self.min_df if vocabulary is None else 1,
                               ngram_range=self.ngram_range, sublinear_tf=self.sublinear_tf,
                               vocabulary=vocabulary, dtype=np.float32)

    def fit(self, X: sp.csr_matrix, item_texts: Sequence[str]) -> ContentRecommender:
        if len(item_texts) != X.shape[1]:
            raise ValueError(f"{len(item_texts)} item texts for {X.shape[1]} item columns.")
        vectorizer = self._vectorizer()
        self.item_vectors_ = sp.csr_matrix(vectorizer.fit_transform(item_texts), dtype=np.float32)
        self.vocabulary_ = vectorizer.get_feature_names_out().tolist()
        self.idf_ = vectorizer.idf_.astype(np.float32)
        self.n_items_ = X.shape[1]
        return self

    def transform_texts(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF vectors of new item texts in the fitted vocabulary (unit rows)."""
        vectorizer = self._vectorizer(vocabulary=self.vocabulary_)
        vectorizer.fit([" ".join(self.vocabulary_)])  # sets up the analyzer; idf replaced below
        vectorizer.idf_ = self.idf_.astype(np.float64)
        return sp.csr_matrix(vectorizer.transform(texts), dtype=np.float32)

    def _profiles(self, user_items: sp.csr_matrix) -> sp.csr_matrix:
        # The weighted mean and the weighted sum have the same direction; cosine only needs that.
        return row_normalise(sp.csr_matrix(user_items @ self.item_vectors_))

    def _score(self, user_items: sp.csr_matrix) -> np.ndarray:
        # sparse items x terms times dense terms x viewers: one pass over the item vectors, no
        # sparse x sparse product with a dense-sized result
        profiles = self._profiles(user_items).toarray().T
        return np.ascontiguousarray((self.item_vectors_ @ profiles).T, dtype=np.float32)

    def _item_similarities(self, item: int) -> np.ndarray:
        return (self.item_vectors_ @ self.item_vectors_[item].T).toarray().ravel()

    def _contributions(self, user_items: sp.csr_matrix, item: int) -> np.ndarray:
        seen = user_items.indices
        sims = (self.item_vectors_[seen] @ self.item_vectors_[item].T).toarray().ravel()
        return user_items.data * sims

    def _state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = sparse_to_arrays("item_vectors", self.item_vectors_)
        arrays["idf"] = self.idf_
        return arrays, {"vocabulary": self.vocabulary_}

    def _load_state(self, arrays, meta) -> None:
        self.item_vectors_ = sparse_from_arrays("item_vectors", arrays).astype(np.float32)
        self.idf_ = arrays["idf"].astype(np.float32)
        self.vocabulary_ = list(meta["vocabulary"])

    def get_params(self) -> dict[str, Any]:
        params = super().get_params()
        params["ngram_range"] = list(params["ngram_range"])  # JSON has no tuples
        return params
