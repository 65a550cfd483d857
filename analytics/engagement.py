"""Engagement weights: how much one interaction says about a viewer's taste for a video.

The one definition read by persona features (tag affinities, profiles), recommender training (the
interaction matrix) and recommender serving (a viewer's history), so a viewer weighs the same
everywhere. Impressions are what the feed showed, not what the viewer chose: weight 0. A view counts
by its watch ratio (0..1), so skipping after a second says almost nothing.
"""

from __future__ import annotations

import numpy as np

VIEW = "view"

KIND_WEIGHTS: dict[str, float] = {
    "impression": 0.0,
    VIEW: 1.0,
    "like": 2.0,
    "comment": 3.0,
    "share": 3.0,
    "follow": 3.0,
    "click": 2.0,
    "conversion": 4.0,
    "purchase": 5.0,
}


def engagement_weight(kind: str, watch_ratio: float = 1.0) -> float:
    """Weight of one interaction; a view's weight is scaled by its watch ratio (0..1)."""
    weight = KIND_WEIGHTS.get(kind, 0.0)
    return weight * watch_ratio if kind == VIEW else weight


def engagement_weights(kinds: np.ndarray, *, counts: np.ndarray, watched: np.ndarray) -> np.ndarray:
    """Weights of interactions grouped by kind (float64, one per group).

    ``kinds``: interaction kinds (object array); ``counts``: interactions in each group;
    ``watched``: summed watch ratios of each group of views (ignored for other kinds). One event
    per group is ``counts=1, watched=its watch ratio``.
    """
    kinds = np.asarray(kinds, dtype=object)
    per_kind = np.array([KIND_WEIGHTS.get(kind, 0.0) for kind in kinds], dtype=np.float64)
    return np.where(kinds == VIEW, np.asarray(watched, dtype=np.float64) * KIND_WEIGHTS[VIEW],
                    np.asarray(counts, dtype=np.float64) * per_kind)
