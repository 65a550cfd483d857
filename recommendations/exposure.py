"""Re-ranking at serving time: which strength applies, what was exposed lately, and the one call serving makes.

``serving`` calls :func:`rerank_served` once, after scoring and before the database confirms the best
candidates. The strength is the request's ``rerankStrength`` when given, else the brand's
``RecommenderSettings`` (when re-ranking is on), else 0 — and 0 leaves the scores untouched.

Recent exposure (:func:`recent_exposure`) is what every API process served lately: the last
``RECOMMENDER_EXPOSURE_WINDOW_LISTS`` lists of the brand's model version in the served-list log
(``ServedList``, all surfaces), re-read at most every ``RECOMMENDER_EXPOSURE_REFRESH_SECONDS``, plus the
lists this process served since the newest logged one (still in its write buffer). Between two reads a
process adds its own lists at once, so the caps hold within a process immediately and across processes
after one refresh. No history means no exposure penalty (all counts 0).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

import numpy as np
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from marketing.services.errors import ErrorCode, ServiceValidationError
from recommendations.models import RecommenderSettings, ServedList
from recommendations.reranking import ExposureWindow, RerankPolicy, content_vectors_of, ranked_items, rerank


class _SharedWindow:
    """One brand version's window: the log's recent lists, then the lists this process noted after them."""

    def __init__(self, n_items: int) -> None:
        self.window = ExposureWindow(n_items, settings.RECOMMENDER_EXPOSURE_WINDOW_LISTS)
        self.read_at = 0.0  # time.monotonic() of the last read of the log; 0: never read
        self.local: list[tuple[datetime, np.ndarray]] = []  # this process's lists since that read


_windows: dict[tuple[int, int], _SharedWindow] = {}
_categories: dict[int, np.ndarray] = {}  # model id -> category index per column
_lock = threading.Lock()


def validate_strength(strength: float | None, *, field: str = "rerank_strength") -> None:
    """A request's re-ranking strength must lie within [0, 1] (None: the brand's setting)."""
    if strength is not None and not 0.0 <= strength <= 1.0:
        raise ServiceValidationError.single(field, ErrorCode.OUT_OF_RANGE,
                                            gettext("The re-ranking strength is between 0 and 1."))


def _shared(brand_id: int, model_id: int, n_items: int) -> _SharedWindow:
    key = (brand_id, model_id)
    shared = _windows.get(key)
    if shared is None or len(shared.window.counts) != n_items:
        with _lock:
            shared = _windows.get(key)
            if shared is None or len(shared.window.counts) != n_items:
                for stale in [k for k in _windows if k[0] == brand_id]:  # an older version's columns
                    del _windows[stale]
                shared = _windows[key] = _SharedWindow(n_items)
    return shared


def _read_log(shared: _SharedWindow, *, loaded, brand_id: int) -> None:
    """Rebuild the window from the log's newest lists of this version, then this process's newer ones."""
    size = settings.RECOMMENDER_EXPOSURE_WINDOW_LISTS
    rows = list(ServedList.objects.filter(brand_id=brand_id, model_version=loaded.version)
                .order_by("-served_at", "-pk").values_list("served_at", "video_ids")[:size])
    newest = rows[0][0] if rows else None
    window = ExposureWindow(len(shared.window.counts), size)
    column_of = loaded.column_of
    for _, video_ids in reversed(rows):
        window.add(np.array([column_of[v] for v in video_ids if v in column_of], dtype=np.int64))
    with _lock:
        local = [(at, columns) for at, columns in shared.local if newest is None or at > newest]
        for _, columns in local:
            window.add(columns)
        shared.window, shared.local, shared.read_at = window, local, time.monotonic()


def recent_exposure(*, brand_id: int, loaded) -> np.ndarray:
    """Serve counts per model column over the brand's recent lists, all processes (zeros without history)."""
    shared = _shared(brand_id, loaded.model_id, len(loaded.video_ids))
    if not shared.read_at or time.monotonic() - shared.read_at >= settings.RECOMMENDER_EXPOSURE_REFRESH_SECONDS:
        _read_log(shared, loaded=loaded, brand_id=brand_id)
    return shared.window.counts


def note_served(*, brand_id: int, model_id: int, n_items: int, columns: np.ndarray) -> None:
    """Count one list this process served (model columns, best first) in the brand's recent exposure."""
    shared = _shared(brand_id, model_id, n_items)
    columns = np.asarray(columns, dtype=np.int64)
    with _lock:
        shared.window.add(columns)
        shared.local.append((timezone.now(), columns))
        del shared.local[:-settings.RECOMMENDER_EXPOSURE_WINDOW_LISTS]


def forget_exposure() -> None:
    """Drop every recent-exposure window (tests; a process starting afresh)."""
    with _lock:
        _windows.clear()
        _categories.clear()


def _column_categories(loaded) -> np.ndarray:
    """Category index per model column (-1 = none), read once per loaded version."""
    cached = _categories.get(loaded.model_id)
    if cached is None:
        from marketing.models import Video

        category_of = dict(Video.objects.filter(pk__in=loaded.video_ids.tolist()).values_list("pk", "category"))
        labels = [category_of.get(int(pk), "") for pk in loaded.video_ids]
        names = {name: i for i, name in enumerate(sorted({label for label in labels if label}))}
        cached = np.array([names.get(label, -1) for label in labels], dtype=np.int64)
        _categories[loaded.model_id] = cached
    return cached


def policy_for(*, brand_id: int, strength: float | None) -> RerankPolicy:
    """The re-ranking that applies to one request (strength 0: none)."""
    row = RecommenderSettings.objects.filter(brand_id=brand_id).values_list(
        "rerank_enabled", "rerank_strength", "video_cap", "category_cap").first()
    if row is None:
        return RerankPolicy(strength=strength or 0.0)
    enabled, brand_strength, video_cap, category_cap = row
    if strength is None:
        strength = brand_strength if enabled else 0.0
    return RerankPolicy(strength=strength, video_cap=video_cap, category_cap=category_cap)


def rerank_served(scores: np.ndarray, *, loaded, brand_id: int, n: int, strength: float | None) -> np.ndarray:
    """Scores (1 x n_items) re-ordered by the request's re-ranking, and the list counted as exposure.

    The re-ranked head (``n`` plus the confirmation margin) gets its re-ranking values, which never
    increase down the list; every other rankable column keeps its relevance order below them, so the
    database confirmation can still widen its window. Strength 0 returns ``scores`` unchanged.
    """
    policy = policy_for(brand_id=brand_id, strength=strength)
    n_items = scores.shape[1]
    window = n + max(10, n // 4)
    if policy.strength == 0.0:
        reranked = scores
        head = ranked_items(scores[0], n)
    else:
        items, values = rerank(scores[0], n=window, policy=policy, item_vectors=content_vectors_of(loaded.estimator),
                               exposure=recent_exposure(brand_id=brand_id, loaded=loaded),
                               item_categories=_column_categories(loaded))
        reranked = np.full_like(scores, -np.inf, dtype=np.float64)
        rest = np.isfinite(scores[0])
        rest[items] = False
        if rest.any():  # below the head, in relevance order
            low, high = float(scores[0, rest].min()), float(scores[0, rest].max())
            scaled = (scores[0, rest] - low) / (high - low) if high > low else np.zeros(int(rest.sum()))
            reranked[0, rest] = (values.min() if len(values) else 0.0) - 2.0 + scaled
        reranked[0, items] = values
        head = items[:n]
    note_served(brand_id=brand_id, model_id=loaded.model_id, n_items=n_items, columns=head)
    return reranked
