"""Serving recommendations from the active model of a brand.

The API process loads a brand's active ``RecommenderModel`` once and keeps it in memory; each
request asks the database only which version is active (one indexed lookup) and reloads when that
changes. No request trains or reloads an unchanged model.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import scipy.sparse as sp
from django.db.models import Count, Q
from django.utils import timezone

from analytics.personas.features import KIND_WEIGHTS
from marketing.auth import Principal
from marketing.models import Campaign, Interaction, ModerationStatus, Video, Viewer
from marketing.services.errors import ErrorCode, ServiceValidationError
from recommendations.estimators import (
    REASON_POPULAR,
    REASON_SIMILAR_TO_SEEN,
    BaseRecommender,
    EstimatorState,
    estimator_from_state,
)
from recommendations.models import RecommenderModel

MAX_RESULTS = 100
FALLBACK_WINDOW_DAYS = 14


@dataclass
class LoadedModel:
    model_id: int
    estimator: BaseRecommender
    video_ids: np.ndarray  # column -> Video.pk
    column_of: dict[int, int] = field(default_factory=dict)


@dataclass
class Recommendation:
    video: Video
    score: float
    reasons: list[str]


_loaded: dict[int, LoadedModel] = {}
_lock = threading.Lock()


def save_artefact(model: RecommenderModel, *, estimator: BaseRecommender, video_ids: np.ndarray) -> None:
    """Store the fitted estimator as ``.npz`` arrays + JSON state on the model row (not saved yet)."""
    from django.core.files.base import ContentFile

    state = estimator.to_arrays()
    buffer = io.BytesIO()
    np.savez_compressed(buffer, __video_ids__=video_ids.astype(np.int64), **state.arrays)
    model.state = {"kind": state.kind, "params": state.params, "meta": state.meta}
    model.artefact.save(f"brand-{model.brand_id}/v{model.version}.npz", ContentFile(buffer.getvalue()), save=False)


def load_artefact(model: RecommenderModel) -> LoadedModel:
    with model.artefact.open("rb") as handle:
        with np.load(io.BytesIO(handle.read()), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    video_ids = arrays.pop("__video_ids__")
    state = EstimatorState(kind=model.state["kind"], params=model.state["params"], arrays=arrays,
                           meta=model.state["meta"])
    estimator = estimator_from_state(state)
    return LoadedModel(model_id=model.pk, estimator=estimator, video_ids=video_ids,
                       column_of={int(v): i for i, v in enumerate(video_ids)})


def active_model(brand_id: int) -> LoadedModel | None:
    """The brand's active model, loaded once per version and kept in this process."""
    active = RecommenderModel.objects.filter(brand_id=brand_id, is_active=True).only(
        "pk", "brand_id", "state", "artefact").first()
    if active is None:
        _loaded.pop(brand_id, None)
        return None
    cached = _loaded.get(brand_id)
    if cached is not None and cached.model_id == active.pk:
        return cached
    with _lock:
        cached = _loaded.get(brand_id)
        if cached is None or cached.model_id != active.pk:
            cached = load_artefact(active)
            _loaded[brand_id] = cached
    return cached


def viewer_history(*, viewer_id: int, column_of: dict[int, int], n_items: int) -> tuple[sp.csr_matrix, set[int]]:
    """One viewer's weighted history over the model's columns, and every video id they touched."""
    weights = np.zeros(n_items, dtype=np.float32)
    seen: set[int] = set()
    events = Interaction.objects.filter(viewer_id=viewer_id).exclude(kind="impression").values_list(
        "video_id", "kind", "watch_ms", "video__duration_ms")
    for video_id, kind, watch_ms, duration_ms in events:
        seen.add(video_id)
        column = column_of.get(video_id)
        if column is None:
            continue
        weight = KIND_WEIGHTS.get(kind, 0.0)
        if kind == "view":
            weight *= min(watch_ms / duration_ms, 1.0) if watch_ms is not None and duration_ms else 1.0
        weights[column] += weight
    return sp.csr_matrix(weights[None, :]), seen


def _candidates(*, brand_id: int, campaign: Campaign | None, platform: str | None):
    videos = Video.objects.filter(brand_id=brand_id, moderation_status=ModerationStatus.APPROVED)
    if campaign is not None:
        videos = videos.filter(campaigns=campaign)
    if platform:
        videos = videos.filter(platform__code=platform)
    return videos


def recommend_for_viewer(
    *, principal: Principal, viewer_id: int, n: int = 20, campaign_id: int | None = None,
    platform: str | None = None, exclude_seen: bool = True,
) -> list[Recommendation]:
    """Top ``n`` approved videos of the viewer's brand for one viewer, each with readable reasons.

    Unknown or cold viewers get what is popular lately; without an active model the same
    popularity is computed from the database.
    """
    viewer = Viewer.objects.for_principal(principal).filter(pk=viewer_id).first()
    if viewer is None:
        raise ServiceValidationError.single("viewer", ErrorCode.NOT_FOUND, "No such viewer.")
    if not 1 <= n <= MAX_RESULTS:
        raise ServiceValidationError.single("first", ErrorCode.OUT_OF_RANGE, f"Ask for 1 to {MAX_RESULTS} videos.")
    campaign = None
    if campaign_id is not None:
        campaign = Campaign.objects.filter(pk=campaign_id, brand_id=viewer.brand_id).first()
        if campaign is None:
            raise ServiceValidationError.single("campaign", ErrorCode.NOT_FOUND, "No such campaign.")
    candidates = _candidates(brand_id=viewer.brand_id, campaign=campaign, platform=platform)
    loaded = active_model(viewer.brand_id)
    if loaded is None:
        return _popular_fallback(candidates=candidates, viewer_id=viewer.pk, n=n, exclude_seen=exclude_seen)

    history, seen = viewer_history(viewer_id=viewer.pk, column_of=loaded.column_of, n_items=len(loaded.video_ids))
    candidate_ids = list(candidates.values_list("pk", flat=True))
    if exclude_seen:
        candidate_ids = [pk for pk in candidate_ids if pk not in seen]
    columns = np.array([loaded.column_of[pk] for pk in candidate_ids if pk in loaded.column_of], dtype=np.int64)
    if columns.size == 0:
        return []
    result = loaded.estimator.recommend(history, n, exclude_seen=exclude_seen, candidates=columns)
    picked = [(int(c), float(s)) for c, s in zip(result.items[0], result.scores[0], strict=True) if c >= 0]
    video_ids = [int(loaded.video_ids[c]) for c, _ in picked]
    videos = Video.objects.in_bulk(video_ids)
    titles = _titles_of(loaded, history)
    out = []
    for column, score in picked:
        video = videos[int(loaded.video_ids[column])]
        reason = loaded.estimator.explain(history, column)
        out.append(Recommendation(video=video, score=score, reasons=[_reason_text(reason, video, loaded, titles)]))
    return out


def similar_videos(*, principal: Principal, video_id: int, n: int = 10) -> list[Recommendation]:
    """Approved videos of the same brand most like one video, by the active model."""
    video = Video.objects.for_principal(principal).filter(pk=video_id).first()
    if video is None:
        raise ServiceValidationError.single("video", ErrorCode.NOT_FOUND, "No such video.")
    if not 1 <= n <= MAX_RESULTS:
        raise ServiceValidationError.single("first", ErrorCode.OUT_OF_RANGE, f"Ask for 1 to {MAX_RESULTS} videos.")
    loaded = active_model(video.brand_id)
    if loaded is None or video.pk not in loaded.column_of:
        return []
    approved = set(_candidates(brand_id=video.brand_id, campaign=None, platform=None).values_list("pk", flat=True))
    result = loaded.estimator.similar_items(loaded.column_of[video.pk], n=len(loaded.video_ids))
    picked = [(int(loaded.video_ids[c]), float(s)) for c, s in zip(result.items[0], result.scores[0], strict=True)
              if c >= 0 and int(loaded.video_ids[c]) in approved][:n]
    videos = Video.objects.in_bulk([pk for pk, _ in picked])
    return [Recommendation(video=videos[pk], score=score, reasons=[f"Similar to “{video.title}”"])
            for pk, score in picked]


def _titles_of(loaded: LoadedModel, history: sp.csr_matrix) -> dict[int, str]:
    seen_ids = [int(loaded.video_ids[c]) for c in history.indices]
    return dict(Video.objects.filter(pk__in=seen_ids).values_list("pk", "title"))


def _reason_text(reason, video: Video, loaded: LoadedModel, titles: dict[int, str]) -> str:
    if reason.kind == REASON_SIMILAR_TO_SEEN and reason.because_item >= 0:
        because = titles.get(int(loaded.video_ids[reason.because_item]))
        if because:
            return f"Similar to “{because}” you watched"
    if reason.kind == REASON_POPULAR:
        return f"Trending in {video.category}" if video.category else "Popular right now"
    return f"Matches your interest in {video.category}" if video.category else "Matches your interests"


def _popular_fallback(*, candidates, viewer_id: int, n: int, exclude_seen: bool) -> list[Recommendation]:
    since = timezone.now() - timedelta(days=FALLBACK_WINDOW_DAYS)
    if exclude_seen:
        seen = Interaction.objects.filter(viewer_id=viewer_id).exclude(kind="impression").values("video_id")
        candidates = candidates.exclude(pk__in=seen)
    ranked = candidates.annotate(
        recent=Count("interactions", filter=Q(interactions__occurred_at__gte=since, interactions__kind="view"))
    ).order_by("-recent", "-published_at", "pk")[:n]
    top = max((v.recent for v in ranked), default=0) or 1
    return [Recommendation(video=v, score=v.recent / top,
                           reasons=[f"Trending in {v.category}" if v.category else "Popular right now"])
            for v in ranked]
