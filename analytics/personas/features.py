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

* ``load_viewer_arrays`` (Django): a handful of set-based queries (viewers, one aggregate over
  interactions grouped by viewer/video/kind, video tags, videos) turned into ``ViewerArrays``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import Normalizer, OneHotEncoder, StandardScaler

from analytics.engagement import engagement_weights
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


# --- Loading from the database (set-based) ----------------------------------------------------


def _codes(values, vocab: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """Integer codes for string values; '' is missing (-1); unseen values in a fixed vocab are -1."""
    values = np.asarray(values, dtype=object)
    if vocab is None:
        vocab = sorted({v for v in values if v})
    index = {v: i for i, v in enumerate(vocab)}
    return np.fromiter((index.get(v, -1) if v else -1 for v in values), dtype=np.int64, count=len(values)), vocab


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return np.searchsorted(sorted_ids, ids)


def load_viewer_arrays(
    *,
    brand_id: int,
    window_start: datetime | None,
    window_end: datetime,
    viewer_ids: list[int] | np.ndarray | None = None,
    vocab: dict | None = None,
) -> ViewerArrays:
    """Arrays for the brand's viewers with at least one interaction in [window_start, window_end).

    viewer_ids restricts to those viewers (serving new viewers in chunks). vocab (a model's
    feature_spec) fixes the demographic, tag and platform vocabularies so columns line up with a
    trained model; without it vocabularies are built from the data.
    Five queries whatever the number of viewers.
    """
    from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Q, Sum

    from marketing.models import Interaction, InteractionKind, Video, Viewer

    interactions = Interaction.objects.filter(brand_id=brand_id, occurred_at__lt=window_end)
    if window_start is not None:
        interactions = interactions.filter(occurred_at__gte=window_start)
    if viewer_ids is not None:
        interactions = interactions.filter(viewer_id__in=list(map(int, viewer_ids)))
    completed = Q(kind=InteractionKind.VIEW, watch_ms__gte=ExpressionWrapper(
        F("video__duration_ms") * COMPLETION_THRESHOLD, output_field=FloatField()))
    # order_by() drops the model's default ordering, which would otherwise join the GROUP BY.
    rows = list(
        interactions.order_by()
        .values_list("viewer_id", "video_id", "kind")
        .annotate(n=Count("id"), watch=Sum("watch_ms"), completed=Count("id", filter=completed),
                  value=Sum("value"), last=Max("occurred_at"))
    )
    ids = np.unique(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
    viewer_rows = []
    # Chunked IN lists keep SQLite under its variable limit and PostgreSQL plans simple.
    for start in range(0, len(ids), 10_000):
        viewer_rows += list(
            Viewer.objects.filter(brand_id=brand_id, id__in=ids[start:start + 10_000].tolist())
            .order_by("id").values_list("id", "gender", "age_band", "region", "platform__code")
        )
    n = len(viewer_rows)
    vids = np.fromiter((r[0] for r in viewer_rows), dtype=np.int64, count=n)
    vocab = vocab or {}
    demographic_vocab, demographics = [], np.empty((n, len(DEMOGRAPHIC_COLUMNS)), dtype=np.int64)
    fixed = vocab.get("demographic_vocab")
    for j in range(len(DEMOGRAPHIC_COLUMNS)):
        codes, col_vocab = _codes([r[j + 1] for r in viewer_rows], fixed[j] if fixed else None)
        demographics[:, j] = codes
        demographic_vocab.append(col_vocab)

    videos = list(Video.objects.filter(brand_id=brand_id).order_by("id").values_list("id", "duration_ms", "platform__code"))
    video_ids = np.fromiter((v[0] for v in videos), dtype=np.int64, count=len(videos))
    durations = np.fromiter((v[1] for v in videos), dtype=np.float64, count=len(videos))
    platform_codes, platform_vocab = _codes([v[2] for v in videos], vocab.get("platform_vocab"))
    tag_links = list(Video.tags.through.objects.filter(video__brand_id=brand_id).values_list("video_id", "tag__name"))
    tag_codes, tag_vocab = _codes([t for _, t in tag_links], vocab.get("tag_vocab"))

    m = len(rows)
    row_viewer = np.fromiter((r[0] for r in rows), dtype=np.int64, count=m)
    row = _positions(vids, row_viewer)
    # Interactions of viewers that are not rows (another brand's id cannot appear; defensive) drop out.
    keep = (row < n) & (vids[np.minimum(row, max(n - 1, 0))] == row_viewer) if n else np.zeros(m, bool)
    col = _positions(video_ids, np.fromiter((r[1] for r in rows), dtype=np.int64, count=m))
    kind = np.array([r[2] for r in rows], dtype=object)
    count = np.fromiter((r[3] for r in rows), dtype=np.float64, count=m)
    watch = np.fromiter((r[4] or 0 for r in rows), dtype=np.float64, count=m)
    completed_n = np.fromiter((r[5] for r in rows), dtype=np.float64, count=m)
    value = np.fromiter((float(r[6] or 0) for r in rows), dtype=np.float64, count=m)
    last = np.fromiter(((window_end - r[7]).total_seconds() / 86400 for r in rows), dtype=np.float64, count=m)
    row, col, kind, count, watch, completed_n, value, last = (
        a[keep] for a in (row, col, kind, count, watch, completed_n, value, last))

    def per_viewer(weights: np.ndarray) -> np.ndarray:
        return np.bincount(row, weights=weights, minlength=n)

    is_view = kind == InteractionKind.VIEW
    # Watched share per (viewer, video) group: each view counts at most once the video's length.
    ratio_sum = np.where(is_view, np.minimum(watch / durations[col], count), 0.0)
    counts = {k: per_viewer(np.where(kind == k, count, 0.0)) for k in InteractionKind.values}
    views = counts[InteractionKind.VIEW]
    exposures = np.maximum(counts[InteractionKind.IMPRESSION], views)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_view = lambda x: np.where(views > 0, x / views, np.nan)  # noqa: E731
        per_exposure = lambda x: np.where(exposures > 0, x / exposures, np.nan)  # noqa: E731
        recency_min = np.full(n, np.inf)
        np.minimum.at(recency_min, row, last)
        recency = np.where(np.isfinite(recency_min), np.maximum(recency_min, 0.0), np.nan)
        behaviour = np.column_stack([
            per_view(per_viewer(ratio_sum)),
            per_view(per_viewer(completed_n)),
            per_view(counts[InteractionKind.LIKE]),
            per_view(counts[InteractionKind.COMMENT]),
            per_view(counts[InteractionKind.SHARE]),
            per_view(counts[InteractionKind.FOLLOW]),
            per_exposure(counts[InteractionKind.CLICK]),
            per_exposure(counts[InteractionKind.CONVERSION] + counts[InteractionKind.PURCHASE]),
            per_viewer(np.where(kind == InteractionKind.PURCHASE, value, 0.0)),
            per_viewer(count),
            recency,
        ])

    weight = engagement_weights(kind, counts=count, watched=ratio_sum)
    engagement = sp.csr_matrix((weight, (row, col)), shape=(n, len(video_ids)))
    engagement.eliminate_zeros()
    link_video = _positions(video_ids, np.fromiter((v for v, _ in tag_links), dtype=np.int64, count=len(tag_links)))
    known = tag_codes >= 0
    video_tags = sp.csr_matrix((np.ones(known.sum()), (link_video[known], tag_codes[known])),
                               shape=(len(video_ids), len(tag_vocab)))
    tag_weights = (engagement @ video_tags).tocsr()

    known_platform = platform_codes[col] >= 0
    platform_counts = sp.csr_matrix(
        (count[known_platform], (row[known_platform], platform_codes[col][known_platform])),
        shape=(n, len(platform_vocab))).toarray()
    totals = platform_counts.sum(axis=1, keepdims=True)
    platform_mix = np.divide(platform_counts, totals, out=np.zeros_like(platform_counts), where=totals > 0)

    return ViewerArrays(
        viewer_ids=vids, demographics=demographics, demographic_vocab=demographic_vocab, behaviour=behaviour,
        tag_weights=tag_weights, tag_vocab=tag_vocab, platform_mix=platform_mix, platform_vocab=platform_vocab,
        engagement=engagement, video_ids=video_ids,
    )
