"""Interaction events as plain arrays (:class:`InteractionData`), the shape every interaction loader
returns: Reelboard's own (``analytics.interactions.load_interaction_matrix``) and the public datasets
(``recommendations.datasets``). Pure numpy/scipy, no Django.

One row per interaction event (viewer row, item column, weight, Unix time) plus item side
information (text for the content model, tags for diversity, brand for exposure). Event order is
kept as read: the random split reproduces a reference procedure that depends on it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class InteractionData:
    """Interaction events and item side information.

    ``rows``/``cols`` index ``user_ids``/``item_ids``; ``values`` are implicit weights (> 0);
    ``timestamps`` are Unix seconds. ``item_tags`` is a binary csr (n_items x n_tags) over
    ``tag_names``; ``item_brands`` indexes ``brand_names``.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    values: np.ndarray
    timestamps: np.ndarray
    item_titles: list[str]
    item_texts: list[str]
    item_tags: sp.csr_matrix
    tag_names: list[str]
    item_brands: np.ndarray
    brand_names: list[str] = field(default_factory=lambda: ["all"])
    name: str = ""
    #: viewer-group labels per user row (e.g. ``{"gender": array(["F", "M", ...])}``; "" = unknown)
    user_groups: dict[str, np.ndarray] = field(default_factory=dict)
    #: category index per item (``-1`` = none) over ``category_names``
    item_categories: np.ndarray | None = None
    category_names: list[str] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.user_ids), len(self.item_ids)

    @property
    def n_events(self) -> int:
        return len(self.rows)

    def _pairs(self, mask: np.ndarray | None):
        rows, cols, values, times = self.rows, self.cols, self.values, self.timestamps
        if mask is not None:
            rows, cols, values, times = rows[mask], cols[mask], values[mask], times[mask]
        n_items = self.shape[1]
        keys = rows.astype(np.int64) * n_items + cols
        unique, inverse = np.unique(keys, return_inverse=True)
        summed = np.bincount(inverse, weights=values, minlength=len(unique))
        latest = np.full(len(unique), -np.inf)
        np.maximum.at(latest, inverse, times.astype(np.float64))
        keep = summed > 0
        unique, summed, latest = unique[keep], summed[keep], latest[keep]
        return unique // n_items, unique % n_items, summed, latest

    def matrix(self, mask: np.ndarray | None = None, *, binary: bool = False) -> sp.csr_matrix:
        """Viewer x item csr (float32) of the events selected by ``mask``; repeated pairs are summed."""
        rows, cols, values, _ = self._pairs(mask)
        data = np.ones_like(values) if binary else values
        return sp.csr_matrix((data.astype(np.float32), (rows, cols)), shape=self.shape)

    def times_matrix(self, mask: np.ndarray | None = None) -> sp.csr_matrix:
        """Latest interaction time per pair, with exactly the sparsity pattern of :meth:`matrix`."""
        rows, cols, _, latest = self._pairs(mask)
        return sp.csr_matrix((latest, (rows, cols)), shape=self.shape)


def text_token(prefix: str, label: str) -> str:
    return f"{prefix}_{re.sub(r'[^0-9a-z]+', '_', label.lower()).strip('_')}"


def tag_matrix(item_tag_lists: list[list[str]]) -> tuple[sp.csr_matrix, list[str]]:
    names = sorted({tag for tags in item_tag_lists for tag in tags})
    index = {name: i for i, name in enumerate(names)}
    rows = [i for i, tags in enumerate(item_tag_lists) for _ in tags]
    cols = [index[tag] for tags in item_tag_lists for tag in tags]
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                           shape=(len(item_tag_lists), len(names)))
    return matrix, names


def index_of(ids: np.ndarray, known: np.ndarray) -> np.ndarray:
    positions = np.searchsorted(known, ids)
    if np.any(positions >= len(known)) or np.any(known[np.minimum(positions, len(known) - 1)] != ids):
        raise ValueError("Interactions reference ids missing from the item/user list.")
    return positions


def category_codes(labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Category index per item (``-1`` for an empty label) and the sorted category names."""
    names = sorted({label for label in labels if label})
    index = {name: i for i, name in enumerate(names)}
    return np.array([index.get(label, -1) for label in labels], dtype=np.int64), names
