"""Pure recommenders (numpy / scipy.sparse / scikit-learn; no Django, no I/O, no pickles).

See :mod:`recommendations.estimators.base` for the contract every estimator follows. Storage::

    state = estimator.to_arrays()          # EstimatorState: kind, params, arrays, meta
    np.savez(path, **state.arrays)         # + state.params_json() in a JSON column
    estimator = estimator_from_state(state)
"""

from .als import ImplicitALSRecommender
from .base import (
    REASON_MATCHES_TASTE,
    REASON_POPULAR,
    REASON_SIMILAR_TO_SEEN,
    REGISTRY,
    BaseRecommender,
    EstimatorState,
    Reason,
    Recommendations,
    estimator_from_state,
)
from .content import ContentRecommender
from .ease import EASERecommender
from .hybrid import HybridRecommender
from .item_knn import ItemKNNRecommender
from .popularity import PopularityRecommender

__all__ = [
    "REASON_MATCHES_TASTE",
    "REASON_POPULAR",
    "REASON_SIMILAR_TO_SEEN",
    "REGISTRY",
    "BaseRecommender",
    "ContentRecommender",
    "EASERecommender",
    "EstimatorState",
    "HybridRecommender",
    "ImplicitALSRecommender",
    "ItemKNNRecommender",
    "PopularityRecommender",
    "Reason",
    "Recommendations",
    "estimator_from_state",
]
