"""Persona features: what a viewer is like, as one row of numbers.

Two halves, kept apart so the maths can be benchmarked on synthetic data:

* ``PersonaFeaturizer`` (pure, scikit-learn, no Django): ``ViewerArrays`` -> feature matrix.
  Blocks, each scaled to unit expected squared norm then multiplied by ``block_weights``:

  - demographics: ``OneHotEncoder`` over integer codes of gender, age band, region and the viewer's
    platform; a missing value (code -1) is encoded as all zeros for that column;
  - behaviour: log1p of heavy-tailed counts, ``SimpleImputer`` (median) for rates that are
    undefined (no views yet), ``StandardScaler``;
  - tags: ``TfidfTransformer`` over the viewer x tag engagement weights (``analytics.engagement``),
    optionally ``TruncatedSVD`` when there are more tags than ``svd_components``, then L2 rows;
  - platform mix: share of the viewer's interactions per video platform.

  The fitted state exports to numpy arrays + JSON (``get_state``) and is restored with
  ``from_state``: no pickles anywhere.

* ``analytics.personas.loading.load_viewer_arrays`` (Django): a handful of set-based queries turned
  into ``ViewerArrays``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Normalizer, OneHotEncoder, StandardScaler

from analytics.kpis import COMPLETION_SHARE

DEMOGRAPHIC_COLUMNS: tuple[str, ...] = ("gender", "age_band", "region", "platform")

# Per-viewer engagement behaviour; rates are NaN when their denominator is zero.
BEHAVIOUR_COLUMNS: tuple[str, ...] = (
    "avg_watch_ratio",  # mean watched share of a video per view, each view capped at 1
    "completion_rate",  # views watched to >= 95 % (analytics.kpis) / views
    "like_rate",  # likes / views
    "comment_rate",  # comments / views
    "share_rate",  # shares / views
    "follow_rate",  # follows / views
    "click_rate",  # clicks / exposures (exposures = max(impressions, views))
    "conversion_rate",  # (conversions + purchases) / exposures
    "purchase_value",  # sum of purchase values, brand currency
    "activity",  # interactions in the window
    "recency_days",  # days from the last interaction to the end of the window
)
# Heavy-tailed columns are log1p-transformed before scaling so a few whales do not dominate.
LOG_COLUMNS: frozenset[str] = frozenset({"purchase_value", "activity", "recency_days"})

# A complete view, as the KPI dictionary defines it (analytics.kpis.COMPLETION_SHARE).
COMPLETION_THRESHOLD = float(COMPLETION_SHARE)

DEFAULT_BLOCK_WEIGHTS: dict[str, float] = {"demographics": 1.0, "behaviour": 1.0, "tags": 1.0, "platforms": 0.5}
DENSE_MAX_WIDTH = 512


@dataclass
class ViewerArrays:
    """Everything the featurizer needs about n viewers, as arrays (no ORM objects).

    demographics: (n, 4) int codes into ``demographic_vocab[j]``, -1 when unknown.
    behaviour: (n, len(BEHAVIOUR_COLUMNS)) float, NaN when undefined.
    tag_weights: (n, len(tag_vocab)) CSR engagement weights (kind weight x watch ratio, summed).
    platform_mix: (n, len(platform_vocab)) float shares of interactions per video platform.
    engagement: optional (n, len(video_ids)) CSR engagement weights per video (for profiles).
    """

    viewer_ids: np.ndarray
    demographics: np.ndarray
    demographic_vocab: list[list[str]]
    behaviour: np.ndarray
    tag_weights: sp.csr_matrix
    tag_vocab: list[str]
    platform_mix: np.ndarray
    platform_vocab: list[str]
    engagement: sp.csr_matrix | None = None
    video_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        return len(self.viewer_ids)

    def take(self, rows: np.ndarray) -> ViewerArrays:
        """The same arrays restricted to ``rows`` (an index array)."""
        return ViewerArrays(
            viewer_ids=self.viewer_ids[rows],
            demographics=self.demographics[rows],
            demographic_vocab=self.demographic_vocab,
            behaviour=self.behaviour[rows],
            tag_weights=self.tag_weights[rows],
            tag_vocab=self.tag_vocab,
            platform_mix=self.platform_mix[rows],
            platform_vocab=self.platform_vocab,
            engagement=None if self.engagement is None else self.engagement[rows],
            video_ids=self.video_ids,
        )


def prepare_behaviour(behaviour: np.ndarray) -> np.ndarray:
    """log1p on the heavy-tailed columns (NaN stays NaN for the imputer)."""
    out = np.array(behaviour, dtype=np.float64, copy=True)
    for j, name in enumerate(BEHAVIOUR_COLUMNS):
        if name in LOG_COLUMNS:
            out[:, j] = np.log1p(np.clip(out[:, j], 0, None))
    return out


class PersonaFeaturizer(TransformerMixin, BaseEstimator):
    """ViewerArrays -> float32 feature matrix (dense up to DENSE_MAX_WIDTH columns, else CSR).

    svd_components: reduce the TF-IDF tag block to this many dimensions when the brand has more
        tags than that (None: never).
    block_weights: relative weight of each block after it is scaled to unit expected squared norm.
    """

    def __init__(self, svd_components: int | None = 32, block_weights: dict | None = None, random_state: int = 0):
        self.svd_components = svd_components
        self.block_weights = block_weights
        self.random_state = random_state

    # --- fitting ---------------------------------------------------------------------------
    def fit(self, data: ViewerArrays, y=None) -> PersonaFeaturizer:
        self.demographic_vocab_ = [list(v) for v in data.demographic_vocab]
        self.tag_vocab_ = list(data.tag_vocab)
        self.platform_vocab_ = list(data.platform_vocab)
        self.demographics_ = self._one_hot().fit(np.zeros((1, len(DEMOGRAPHIC_COLUMNS)), dtype=np.int64))
        self.behaviour_ = Pipeline(
            [("impute", SimpleImputer(strategy="median", keep_empty_features=True)), ("scale", StandardScaler())]
        ).fit(prepare_behaviour(data.behaviour))
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(self._tag_counts(data))
        self.svd_ = None
        if self.svd_components and len(self.tag_vocab_) > self.svd_components:
            tfidf = self.tfidf_.transform(self._tag_counts(data))
            self.svd_ = TruncatedSVD(self.svd_components, algorithm="randomized", n_iter=4,
                                     random_state=self.random_state).fit(tfidf)
        return self

    def _one_hot(self) -> OneHotEncoder:
        return OneHotEncoder(
            categories=[np.arange(max(len(v), 1)) for v in self.demographic_vocab_],
            handle_unknown="ignore",
            dtype=np.float32,
        )

    def _tag_counts(self, data: ViewerArrays) -> sp.csr_matrix:
        if list(data.tag_vocab) != self.tag_vocab_:
            raise ValueError("tag vocabulary differs from the fitted one: load arrays with the model's vocab")
        return sp.csr_matrix(data.tag_weights, dtype=np.float64)

    # --- transforming ----------------------------------------------------------------------
    def tag_tfidf(self, data: ViewerArrays) -> sp.csr_matrix:
        """L2-normalised TF-IDF tag profile per viewer (before SVD): used for persona affinities."""
        return Normalizer().transform(self.tfidf_.transform(self._tag_counts(data))).tocsr()

    def transform(self, data: ViewerArrays):
        weights = {**DEFAULT_BLOCK_WEIGHTS, **(self.block_weights or {})}
        demo = self.demographics_.transform(data.demographics)
        demo = demo * np.float32(weights["demographics"] / np.sqrt(len(DEMOGRAPHIC_COLUMNS)))
        behaviour = self.behaviour_.transform(prepare_behaviour(data.behaviour)).astype(np.float32)
        behaviour *= np.float32(weights["behaviour"] / np.sqrt(len(BEHAVIOUR_COLUMNS)))
        tags = self.tag_tfidf(data)
        if self.svd_ is not None:
            tags = Normalizer().transform(self.svd_.transform(tags)).astype(np.float32)
        tags = tags * np.float32(weights["tags"])
        platforms = np.asarray(data.platform_mix, dtype=np.float32) * np.float32(weights["platforms"])
        width = demo.shape[1] + behaviour.shape[1] + tags.shape[1] + platforms.shape[1]
        if width <= DENSE_MAX_WIDTH:
            blocks = [b.toarray() if sp.issparse(b) else b for b in (demo, behaviour, tags, platforms)]
            return np.hstack(blocks).astype(np.float32, copy=False)
        return sp.hstack([demo, sp.csr_matrix(behaviour), sp.csr_matrix(tags), sp.csr_matrix(platforms)],
                         format="csr", dtype=np.float32)

    def feature_names(self) -> list[str]:
        names = [f"{col}={value}" for col, vocab in zip(DEMOGRAPHIC_COLUMNS, self.demographic_vocab_, strict=True)
                 for value in (vocab or ["(none)"])]
        names += list(BEHAVIOUR_COLUMNS)
        names += [f"svd{i}" for i in range(self.svd_.n_components)] if self.svd_ is not None else [
            f"tag={t}" for t in self.tag_vocab_]
        names += [f"platform={p}" for p in self.platform_vocab_]
        return names

    # --- persistence without pickle ------------------------------------------------------------
    def get_state(self) -> tuple[dict[str, np.ndarray], dict]:
        """Fitted state as (numpy arrays, JSON-able dict); ``from_state`` rebuilds an equal featurizer."""
        imputer, scaler = self.behaviour_.named_steps["impute"], self.behaviour_.named_steps["scale"]
        arrays = {
            "behaviour_median": imputer.statistics_,
            "behaviour_mean": scaler.mean_,
            "behaviour_scale": scaler.scale_,
            "behaviour_var": scaler.var_,
            "tag_idf": self.tfidf_.idf_,
        }
        if self.svd_ is not None:
            arrays["svd_components"] = self.svd_.components_
        spec = {
            "demographic_columns": list(DEMOGRAPHIC_COLUMNS),
            "demographic_vocab": self.demographic_vocab_,
            "behaviour_columns": list(BEHAVIOUR_COLUMNS),
            "tag_vocab": self.tag_vocab_,
            "platform_vocab": self.platform_vocab_,
            "svd_components": self.svd_components,
            "block_weights": self.block_weights or {},
            "random_state": self.random_state,
        }
        return arrays, spec

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], spec: dict) -> PersonaFeaturizer:
        if list(spec["behaviour_columns"]) != list(BEHAVIOUR_COLUMNS):
            raise ValueError("stored behaviour columns differ from this code version: retrain the model")
        self = cls(svd_components=spec["svd_components"], block_weights=spec["block_weights"] or None,
                   random_state=spec["random_state"])
        self.demographic_vocab_ = [list(v) for v in spec["demographic_vocab"]]
        self.tag_vocab_ = list(spec["tag_vocab"])
        self.platform_vocab_ = list(spec["platform_vocab"])
        self.demographics_ = self._one_hot().fit(np.zeros((1, len(DEMOGRAPHIC_COLUMNS)), dtype=np.int64))
        # Fitting the imputer on one row of the medians reproduces its statistics exactly.
        imputer = SimpleImputer(strategy="median", keep_empty_features=True).fit(arrays["behaviour_median"][None, :])
        scaler = StandardScaler()
        scaler.mean_, scaler.scale_, scaler.var_ = (
            arrays["behaviour_mean"], arrays["behaviour_scale"], arrays["behaviour_var"])
        scaler.n_features_in_, scaler.n_samples_seen_ = len(BEHAVIOUR_COLUMNS), 1
        self.behaviour_ = Pipeline([("impute", imputer), ("scale", scaler)])
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(sp.csr_matrix((1, len(self.tag_vocab_))))
        self.tfidf_.idf_ = arrays["tag_idf"]
        self.svd_ = None
        if "svd_components" in arrays:
            self.svd_ = TruncatedSVD(arrays["svd_components"].shape[0])
            self.svd_.components_ = arrays["svd_components"]
            self.svd_.n_features_in_ = arrays["svd_components"].shape[1]
        return self
