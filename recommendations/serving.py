"""Serving recommendations from the active model of a brand.

The API process loads a brand's active ``RecommenderModel`` once and keeps it in memory; each
request asks the database only which version is active (one indexed lookup) and reloads when that
changes. No request trains or reloads an unchanged model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import scipy.sparse as sp
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext

from analytics.engagement import engagement_weight
from analytics.personas.selectors import persona_get, persona_of_loaded_viewer
from analytics.trained.artefacts import load_artefact, save_artefact
from marketing.auth import Principal
from marketing.models import Campaign, Interaction, ModerationStatus, Video, Viewer
from marketing.services.errors import ErrorCode, ServiceValidationError
from recommendations import exposure
from recommendations.estimators import (
    REASON_POPULAR,
    REASON_SIMILAR_TO_SEEN,
    BaseRecommender,
    EstimatorState,
    estimator_from_state,
)
from recommendations.estimators.base import top_n
from recommendations.experiments import arm_for, running_experiment
from recommendations.models import Arm, RecommenderModel, Surface
from recommendations.served import log_served
from reelboard.db_router import lag_tolerant

MAX_RESULTS = 100
FALLBACK_WINDOW_DAYS = 14


@dataclass
class LoadedModel:
    model_id: int
    estimator: BaseRecommender
    video_ids: np.ndarray  # column -> Video.pk
    version: int | None = None
    column_of: dict[int, int] = field(default_factory=dict)
    persona_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    persona_scores: np.ndarray | None = None  # (n_personas x n_items): what each persona engages with


@dataclass
class Recommendation:
    video: Video
    score: float
    reasons: list[str]


_loaded: dict[int, LoadedModel] = {}
_lock = threading.Lock()


def save_estimator(model: RecommenderModel, *, estimator: BaseRecommender, video_ids: np.ndarray,
                   persona_ids: np.ndarray | None = None, persona_scores: np.ndarray | None = None) -> None:
    """Store the fitted estimator: its arrays (with the column -> video ids) as the model's ``.npz``
    artefact, its kind, params and metadata as JSON ``state`` (the row is not saved).

    ``persona_ids``/``persona_scores`` (optional, see ``training.persona_popularity``) let cold
    viewers with a persona get what their persona engages with."""
    state = estimator.to_arrays()
    extra = {}
    if persona_ids is not None and persona_scores is not None and len(persona_ids):
        extra = {"__persona_ids__": persona_ids.astype(np.int64), "__persona_scores__": persona_scores}
    save_artefact(model, {"__video_ids__": video_ids.astype(np.int64), **extra, **state.arrays})
    model.state = {"kind": state.kind, "params": state.params, "meta": state.meta}


def load_estimator(model: RecommenderModel) -> LoadedModel:
    """The fitted estimator of a stored version, with its column -> video ids and persona scores."""
    arrays = load_artefact(model)
    video_ids = arrays.pop("__video_ids__")
    persona_ids = arrays.pop("__persona_ids__", np.zeros(0, dtype=np.int64))
    persona_scores = arrays.pop("__persona_scores__", None)
    state = EstimatorState(kind=model.state["kind"], params=model.state["params"], arrays=arrays,
                           meta=model.state["meta"])
    estimator = estimator_from_state(state)
    return LoadedModel(model_id=model.pk, version=model.version, estimator=estimator, video_ids=video_ids,
                       column_of={int(v): i for i, v in enumerate(video_ids)}, persona_ids=persona_ids,
                       persona_scores=persona_scores)


def active_model(brand_id: int) -> LoadedModel | None:
    """The brand's active model, loaded once per version and kept in this process."""
    # Only the id here: the state JSON (e.g. the TF-IDF vocabulary) is read when a version is loaded.
    active_pk = RecommenderModel.objects.filter(brand_id=brand_id, is_active=True).values_list(
        "pk", flat=True).first()
    if active_pk is None:
        _loaded.pop(brand_id, None)
        return None
    cached = _loaded.get(brand_id)
    if cached is not None and cached.model_id == active_pk:
        return cached
    with _lock:
        cached = _loaded.get(brand_id)
        if cached is None or cached.model_id != active_pk:
            cached = load_estimator(RecommenderModel.objects.only("pk", "brand_id", "version", "state", "artefact")
                                   .get(pk=active_pk))
            _loaded[brand_id] = cached
    return cached


_loaded_versions: dict[int, LoadedModel] = {}


def _model_for_viewer(*, brand_id: int, viewer_id: int, surface: str = Surface.FEED
                      ) -> tuple[LoadedModel | None, int | None, str | None]:
    """The model that serves this viewer on ``surface``: the arm's version while an experiment runs there, else
    the active one.

    Returns (model, experiment id, arm)."""
    experiment = running_experiment(brand_id=brand_id, surface=surface)
    if experiment is None:
        return active_model(brand_id), None, None
    arm = arm_for(experiment_id=experiment.pk, viewer_id=viewer_id, traffic_share=experiment.traffic_share)
    model_id = experiment.candidate_id if arm == Arm.CANDIDATE else experiment.control_id
    cached = _loaded_versions.get(model_id)
    if cached is None:
        with _lock:
            cached = _loaded_versions.get(model_id)
            if cached is None:
                cached = load_estimator(RecommenderModel.objects.only("pk", "brand_id", "version", "state", "artefact")
                                       .get(pk=model_id))
                _loaded_versions[model_id] = cached
    return cached, experiment.pk, arm


# What a served recommendation shows (and the tests check); the rest of a video row is not read.
SERVED_VIDEO_FIELDS = ("pk", "brand_id", "platform_id", "title", "category", "moderation_status")
FINISHED_RATIO = 0.9  # a view of at least 90% of the video counts as "finished" in reasons


@dataclass
class ViewerHistory:
    """One viewer's weighted history over a model's columns (1 x n_items csr) and what they touched."""

    matrix: sp.csr_matrix
    seen: set[int]  # every video id with a non-impression event, in the model or not
    finished: set[int]  # video ids the viewer watched to FINISHED_RATIO or more
    titles: dict[int, str]  # video id -> title of what the viewer touched (for reasons)


def viewer_history(*, viewer_id: int, column_of: dict[int, int], n_items: int) -> ViewerHistory:
    """One viewer's weighted history (weights as in training: ``analytics.engagement``)."""
    weights = np.zeros(n_items, dtype=np.float32)
    seen: set[int] = set()
    finished: set[int] = set()
    titles: dict[int, str] = {}
    events = Interaction.objects.filter(viewer_id=viewer_id).exclude(kind="impression").values_list(
        "video_id", "kind", "watch_ms", "video__duration_ms", "video__title")
    for video_id, kind, watch_ms, duration_ms, title in events:
        seen.add(video_id)
        titles[video_id] = title
        ratio = min(watch_ms / duration_ms, 1.0) if watch_ms is not None and duration_ms else 1.0
        if kind == "view" and watch_ms is not None and ratio >= FINISHED_RATIO:
            finished.add(video_id)
        column = column_of.get(video_id)
        if column is None:
            continue
        weights[column] += engagement_weight(kind, ratio)
    return ViewerHistory(matrix=sp.csr_matrix(weights[None, :]), seen=seen, finished=finished, titles=titles)


def _candidates(*, brand_id: int, campaign: Campaign | None, platform: str | None):
    videos = Video.objects.filter(brand_id=brand_id, moderation_status=ModerationStatus.APPROVED)
    if campaign is not None:
        videos = videos.filter(campaigns=campaign)
    if platform:
        videos = videos.filter(platform__code=platform)
    return videos


@lag_tolerant
def recommend_for_viewer(
    *, principal: Principal, viewer_id: int, n: int = 20, campaign_id: int | None = None,
    platform: str | None = None, exclude_seen: bool = True, log: bool = True, rerank_strength: float | None = None,
) -> list[Recommendation]:
    """Top ``n`` approved videos of the viewer's brand for one viewer, each with readable reasons.

    Unknown or cold viewers get what is popular lately; without an active model the same
    popularity is computed from the database. The database stays the judge of what may be shown:
    the model ranks its columns, and only videos that the candidate query (brand, approved,
    campaign, platform) confirms are returned. ``rerank_strength`` (0–1) overrides the brand's
    re-ranking for this request (``recommendations.exposure``).
    """
    exposure.validate_strength(rerank_strength)
    viewer, campaign = _checked_request(principal=principal, viewer_id=viewer_id, n=n, campaign_id=campaign_id)
    candidates = _candidates(brand_id=viewer.brand_id, campaign=campaign, platform=platform)
    loaded, experiment_id, arm = _model_for_viewer(brand_id=viewer.brand_id, viewer_id=viewer.pk)

    def served(recs: list[Recommendation]) -> list[Recommendation]:
        if log:  # previews in the workspace are not served to anyone
            log_served(brand_id=viewer.brand_id, viewer_id=viewer.pk, model_version=None if loaded is None else
                       loaded.version, surface=Surface.FEED, video_ids=[r.video.pk for r in recs],
                       experiment_id=experiment_id, arm=arm)
        return recs

    if loaded is None:
        return served(_popular_fallback(candidates=candidates, viewer_id=viewer.pk, n=n, exclude_seen=exclude_seen))

    history = viewer_history(viewer_id=viewer.pk, column_of=loaded.column_of, n_items=len(loaded.video_ids))
    scores = loaded.estimator.score(history.matrix)
    persona = _persona_of_cold_viewer(principal=principal, viewer=viewer, loaded=loaded, history=history)
    if persona is not None:
        scores = _persona_ranking(scores, loaded=loaded, persona=persona)
    if exclude_seen:
        seen_columns = [loaded.column_of[pk] for pk in history.seen if pk in loaded.column_of]
        scores[0, seen_columns] = -np.inf
    if campaign is not None:  # a campaign holds few videos: restrict the ranking to them up front
        allowed = np.zeros(scores.shape[1], dtype=bool)
        allowed[[loaded.column_of[pk] for pk in candidates.values_list("pk", flat=True) if pk in loaded.column_of]] = True
        scores[0, ~allowed] = -np.inf
    scores = exposure.rerank_served(scores, loaded=loaded, brand_id=viewer.brand_id, n=n, strength=rerank_strength)
    picked = _confirmed_top(scores, n=n, loaded=loaded, candidates=candidates)
    if persona is not None:
        return served([Recommendation(video=video, score=score, reasons=[gettext("Popular with “%(persona)s”") % {"persona": persona.display_label}])
                       for _, score, video in picked])
    reasons = loaded.estimator.explain_many(history.matrix, [column for column, _, _ in picked])
    return served([Recommendation(video=video, score=score,
                                  reasons=[_reason_text(reason, video, loaded, history)])
                   for (_, score, video), reason in zip(picked, reasons, strict=True)])

def _checked_request(*, principal: Principal, viewer_id: int, n: int,
                     campaign_id: int | None) -> tuple[Viewer, Campaign | None]:
    """The caller's viewer and the campaign of its brand a request names, or a typed error on the field."""
    viewer = Viewer.objects.for_principal(principal).filter(pk=viewer_id).first()
    if viewer is None:
        raise ServiceValidationError.single("viewer", ErrorCode.NOT_FOUND, gettext("No such viewer."))
    if not 1 <= n <= MAX_RESULTS:
        raise ServiceValidationError.single("first", ErrorCode.OUT_OF_RANGE, gettext("Ask for 1 to %(max)d videos.") % {"max": MAX_RESULTS})
    campaign = None
    if campaign_id is not None:
        campaign = Campaign.objects.filter(pk=campaign_id, brand_id=viewer.brand_id).first()
        if campaign is None:
            raise ServiceValidationError.single("campaign", ErrorCode.NOT_FOUND, gettext("No such campaign."))
    return viewer, campaign


def _persona_ranking(scores: np.ndarray, *, loaded, persona) -> np.ndarray:
    """What the persona engages with; the model's own (popularity) order, scaled below it, breaks ties."""
    row = int(np.searchsorted(loaded.persona_ids, persona.pk))
    finite = np.isfinite(scores)
    low, high = (float(scores[finite].min()), float(scores[finite].max())) if finite.any() else (0.0, 0.0)
    tiebreak = np.where(finite, (scores - low) / (high - low), 0.0) if high > low else np.zeros_like(scores)
    return loaded.persona_scores[row][None, :] + 1e-6 * tiebreak



@lag_tolerant
def recommend_for_persona(*, principal: Principal, persona_id: int, n: int = 20) -> list[Recommendation]:
    """Top ``n`` approved videos for a persona of the brand's active persona model, by the active recommender.

    The list a viewer of that persona without history gets (the persona's engagement profile in the model);
    empty when the active recommender was trained without this persona.
    """
    persona = persona_get(principal=principal, persona_id=persona_id)
    if persona is None:
        raise ServiceValidationError.single("persona", ErrorCode.NOT_FOUND, "No such persona.")
    if not 1 <= n <= MAX_RESULTS:
        raise ServiceValidationError.single("first", ErrorCode.OUT_OF_RANGE, f"Ask for 1 to {MAX_RESULTS} videos.")
    loaded = active_model(persona.model.brand_id)
    if loaded is None or loaded.persona_scores is None or persona.pk not in set(loaded.persona_ids.tolist()):
        return []
    scores = loaded.persona_scores[int(np.searchsorted(loaded.persona_ids, persona.pk))][None, :].copy()
    candidates = _candidates(brand_id=persona.model.brand_id, campaign=None, platform=None)
    return [Recommendation(video=video, score=score, reasons=[f"Popular with “{persona.label}”"])
            for _, score, video in _confirmed_top(scores, n=n, loaded=loaded, candidates=candidates)]


def _persona_of_cold_viewer(*, principal: Principal, viewer: Viewer, loaded: LoadedModel, history: ViewerHistory):
    """The persona of a viewer without history in this model, if the model knows what it likes."""
    if history.matrix.nnz or loaded.persona_scores is None or not len(loaded.persona_ids):
        return None
    persona = persona_of_loaded_viewer(principal=principal, viewer=viewer)
    if persona is None or persona.pk not in set(loaded.persona_ids.tolist()):
        return None
    return persona


def _confirmed_top(scores: np.ndarray, *, n: int, loaded: LoadedModel, candidates) -> list[tuple[int, float, Video]]:
    """The best ``n`` columns whose videos the candidate query confirms, best first.

    Over-fetches from the model's ranking and asks the database about those few videos only
    (one ``pk IN (...)`` query), widening the window when too many fail (e.g. a platform filter),
    so a request never lists the whole catalogue.
    """
    window = n + max(10, n // 4)
    n_rankable = int(np.isfinite(scores).sum())
    while True:
        top = top_n(scores, min(window, n_rankable) or 1)
        ranked = [(int(c), float(s)) for c, s in zip(top.items[0], top.scores[0], strict=True) if c >= 0]
        videos = candidates.only(*SERVED_VIDEO_FIELDS).in_bulk([int(loaded.video_ids[c]) for c, _ in ranked])
        picked = [(c, s, videos[int(loaded.video_ids[c])]) for c, s in ranked if int(loaded.video_ids[c]) in videos]
        if len(picked) >= n or window >= n_rankable:
            return picked[:n]
        window *= 4


@lag_tolerant
def similar_videos(*, principal: Principal, video_id: int, n: int = 10, log: bool = True,
                   rerank_strength: float | None = None, viewer_id: int | None = None) -> list[Recommendation]:
    """Approved videos of the same brand most like one video (re-ranked as ``recommend_for_viewer``).

    With the viewer who asks, the version is that viewer's arm while an experiment runs on the ``similar``
    surface, and the list is logged for the viewer (and attributed); without one, the active version
    serves and the list is logged without a viewer or an arm."""
    exposure.validate_strength(rerank_strength)
    video = Video.objects.for_principal(principal).filter(pk=video_id).first()
    if video is None:
        raise ServiceValidationError.single("video", ErrorCode.NOT_FOUND, gettext("No such video."))
    if not 1 <= n <= MAX_RESULTS:
        raise ServiceValidationError.single("first", ErrorCode.OUT_OF_RANGE, gettext("Ask for 1 to %(max)d videos.") % {"max": MAX_RESULTS})
    experiment_id = arm = None
    if viewer_id is None:
        loaded = active_model(video.brand_id)
    else:
        viewer = Viewer.objects.for_principal(principal).filter(pk=viewer_id, brand_id=video.brand_id).first()
        if viewer is None:  # another brand's viewer is answered as not found
            raise ServiceValidationError.single("viewer", ErrorCode.NOT_FOUND, gettext("No such viewer."))
        loaded, experiment_id, arm = _model_for_viewer(brand_id=video.brand_id, viewer_id=viewer.pk,
                                                       surface=Surface.SIMILAR)
    if loaded is None or video.pk not in loaded.column_of:
        return []
    candidates = _candidates(brand_id=video.brand_id, campaign=None, platform=None)
    scores = exposure.rerank_served(loaded.estimator.similarity_row(loaded.column_of[video.pk]), loaded=loaded,
                                    brand_id=video.brand_id, n=n, strength=rerank_strength)
    picked = _confirmed_top(scores, n=n, loaded=loaded, candidates=candidates)
    if log:  # previews in the workspace are not served to anyone
        log_served(brand_id=video.brand_id, viewer_id=viewer_id, model_version=loaded.version, surface=Surface.SIMILAR,
                   video_ids=[similar.pk for _, _, similar in picked], experiment_id=experiment_id, arm=arm)
    return [Recommendation(video=similar, score=score, reasons=[gettext("Similar to “%(title)s”") % {"title": video.title}])
            for _, score, similar in picked]


def _reason_text(reason, video: Video, loaded: LoadedModel, history: ViewerHistory) -> str:
    if reason.kind == REASON_SIMILAR_TO_SEEN and reason.because_item >= 0:
        because_id = int(loaded.video_ids[reason.because_item])
        because = history.titles.get(because_id)
        if because:
            if because_id in history.finished:
                return gettext("Similar to “%(title)s” you finished") % {"title": because}
            return gettext("Similar to “%(title)s” you watched") % {"title": because}
    if reason.kind == REASON_POPULAR:
        return _trending(video)
    if video.category:
        return gettext("Matches your interest in %(category)s") % {"category": video.category}
    return gettext("Matches your interests")


def _trending(video: Video) -> str:
    if video.category:
        return gettext("Trending in %(category)s") % {"category": video.category}
    return gettext("Popular right now")


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
                           reasons=[_trending(v)])
            for v in ranked]
