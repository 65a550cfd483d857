"""Loading persona features' input from the database: ``load_viewer_arrays``, a handful of set-based
queries (one aggregate over interactions grouped by viewer/video/kind, viewers, videos, video tags)
turned into ``ViewerArrays`` step by step. Five queries whatever the number of viewers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import scipy.sparse as sp
from django.db.models import Count, ExpressionWrapper, F, FloatField, Max, Q, Sum

from analytics.engagement import engagement_weights
from analytics.personas.features import COMPLETION_THRESHOLD, DEMOGRAPHIC_COLUMNS, ViewerArrays
from marketing.models import Interaction, InteractionKind, Video, Viewer

VIEWER_CHUNK = 10_000


@dataclass
class Groups:
    """Interactions grouped by (viewer, video, kind), as columns aligned with the arrays' rows."""

    row: np.ndarray  # viewer row
    col: np.ndarray  # video column
    kind: np.ndarray  # object array of InteractionKind values
    count: np.ndarray
    watch: np.ndarray  # summed watch_ms (0 when unknown)
    completed: np.ndarray  # views watched to COMPLETION_THRESHOLD
    value: np.ndarray  # summed purchase values
    days_since: np.ndarray  # days from the group's last interaction to the window end


@dataclass
class Catalogue:
    """The brand's videos: ids (sorted), durations, platform codes and the video -> tag links."""

    video_ids: np.ndarray
    durations: np.ndarray
    platform_codes: np.ndarray
    platform_vocab: list[str]
    link_videos: np.ndarray  # column of each tag link's video
    tag_codes: np.ndarray
    tag_vocab: list[str]


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
    """
    vocab = vocab or {}
    rows = _interaction_groups(brand_id=brand_id, window_start=window_start, window_end=window_end,
                               viewer_ids=viewer_ids)
    viewer_rows = _viewers(brand_id=brand_id, ids=np.unique(np.fromiter((r[0] for r in rows), dtype=np.int64,
                                                                        count=len(rows))))
    n = len(viewer_rows)
    vids = np.fromiter((r[0] for r in viewer_rows), dtype=np.int64, count=n)
    demographics, demographic_vocab = _demographics(viewer_rows, vocab.get("demographic_vocab"))
    catalogue = _catalogue(brand_id=brand_id, vocab=vocab)
    groups = _align(rows, vids=vids, video_ids=catalogue.video_ids, window_end=window_end)
    ratio_sum = _watched_share(groups, catalogue.durations)
    engagement = sp.csr_matrix((engagement_weights(groups.kind, counts=groups.count, watched=ratio_sum),
                                (groups.row, groups.col)), shape=(n, len(catalogue.video_ids)))
    engagement.eliminate_zeros()
    return ViewerArrays(
        viewer_ids=vids, demographics=demographics, demographic_vocab=demographic_vocab,
        behaviour=_behaviour(groups, ratio_sum, n), tag_weights=_tag_weights(engagement, catalogue),
        tag_vocab=catalogue.tag_vocab, platform_mix=_platform_mix(groups, catalogue, n),
        platform_vocab=catalogue.platform_vocab, engagement=engagement, video_ids=catalogue.video_ids,
    )


def codes_of(values, vocab: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """Integer codes for string values; '' is missing (-1); unseen values in a fixed vocab are -1."""
    values = np.asarray(values, dtype=object)
    if vocab is None:
        vocab = sorted({v for v in values if v})
    index = {v: i for i, v in enumerate(vocab)}
    return np.fromiter((index.get(v, -1) if v else -1 for v in values), dtype=np.int64, count=len(values)), vocab


def _interaction_groups(*, brand_id: int, window_start: datetime | None, window_end: datetime,
                        viewer_ids) -> list[tuple]:
    """(viewer, video, kind, count, watch, completed, value, last) per group, one aggregate query."""
    interactions = Interaction.objects.filter(brand_id=brand_id, occurred_at__lt=window_end)
    if window_start is not None:
        interactions = interactions.filter(occurred_at__gte=window_start)
    if viewer_ids is not None:
        interactions = interactions.filter(viewer_id__in=list(map(int, viewer_ids)))
    completed = Q(kind=InteractionKind.VIEW, watch_ms__gte=ExpressionWrapper(
        F("video__duration_ms") * COMPLETION_THRESHOLD, output_field=FloatField()))
    # order_by() drops the model's default ordering, which would otherwise join the GROUP BY.
    return list(
        interactions.order_by()
        .values_list("viewer_id", "video_id", "kind")
        .annotate(n=Count("id"), watch=Sum("watch_ms"), completed=Count("id", filter=completed),
                  value=Sum("value"), last=Max("occurred_at"))
    )


def _viewers(*, brand_id: int, ids: np.ndarray) -> list[tuple]:
    """(id, gender, age band, region, platform) of the viewers, by id."""
    viewer_rows = []
    # Chunked IN lists keep SQLite under its variable limit and PostgreSQL plans simple.
    for start in range(0, len(ids), VIEWER_CHUNK):
        viewer_rows += list(
            Viewer.objects.filter(brand_id=brand_id, id__in=ids[start:start + VIEWER_CHUNK].tolist())
            .order_by("id").values_list("id", "gender", "age_band", "region", "platform__code")
        )
    return viewer_rows


def _demographics(viewer_rows: list[tuple], fixed: list[list[str]] | None) -> tuple[np.ndarray, list[list[str]]]:
    demographic_vocab, demographics = [], np.empty((len(viewer_rows), len(DEMOGRAPHIC_COLUMNS)), dtype=np.int64)
    for j in range(len(DEMOGRAPHIC_COLUMNS)):
        codes, col_vocab = codes_of([r[j + 1] for r in viewer_rows], fixed[j] if fixed else None)
        demographics[:, j] = codes
        demographic_vocab.append(col_vocab)
    return demographics, demographic_vocab


def _catalogue(*, brand_id: int, vocab: dict) -> Catalogue:
    videos = list(Video.objects.filter(brand_id=brand_id).order_by("id").values_list("id", "duration_ms", "platform__code"))
    video_ids = np.fromiter((v[0] for v in videos), dtype=np.int64, count=len(videos))
    platform_codes, platform_vocab = codes_of([v[2] for v in videos], vocab.get("platform_vocab"))
    tag_links = list(Video.tags.through.objects.filter(video__brand_id=brand_id).values_list("video_id", "tag__name"))
    tag_codes, tag_vocab = codes_of([t for _, t in tag_links], vocab.get("tag_vocab"))
    return Catalogue(
        video_ids=video_ids, durations=np.fromiter((v[1] for v in videos), dtype=np.float64, count=len(videos)),
        platform_codes=platform_codes, platform_vocab=platform_vocab,
        link_videos=np.searchsorted(video_ids, np.fromiter((v for v, _ in tag_links), dtype=np.int64,
                                                           count=len(tag_links))),
        tag_codes=tag_codes, tag_vocab=tag_vocab)


def _align(rows: list[tuple], *, vids: np.ndarray, video_ids: np.ndarray, window_end: datetime) -> Groups:
    n, m = len(vids), len(rows)
    row_viewer = np.fromiter((r[0] for r in rows), dtype=np.int64, count=m)
    row = np.searchsorted(vids, row_viewer)
    # Interactions of viewers that are not rows (another brand's id cannot appear; defensive) drop out.
    keep = (row < n) & (vids[np.minimum(row, max(n - 1, 0))] == row_viewer) if n else np.zeros(m, bool)
    columns = (
        row,
        np.searchsorted(video_ids, np.fromiter((r[1] for r in rows), dtype=np.int64, count=m)),
        np.array([r[2] for r in rows], dtype=object),
        np.fromiter((r[3] for r in rows), dtype=np.float64, count=m),
        np.fromiter((r[4] or 0 for r in rows), dtype=np.float64, count=m),
        np.fromiter((r[5] for r in rows), dtype=np.float64, count=m),
        np.fromiter((float(r[6] or 0) for r in rows), dtype=np.float64, count=m),
        np.fromiter(((window_end - r[7]).total_seconds() / 86400 for r in rows), dtype=np.float64, count=m),
    )
    return Groups(*(column[keep] for column in columns))


def _watched_share(groups: Groups, durations: np.ndarray) -> np.ndarray:
    """Watched share per view group: each view counts at most once the video's length (0 for other kinds)."""
    return np.where(groups.kind == InteractionKind.VIEW,
                    np.minimum(groups.watch / durations[groups.col], groups.count), 0.0)


def _behaviour(groups: Groups, ratio_sum: np.ndarray, n: int) -> np.ndarray:
    """(n, len(BEHAVIOUR_COLUMNS)) rates and counts per viewer, NaN where a rate is undefined."""
    row, kind, count = groups.row, groups.kind, groups.count

    def per_viewer(weights: np.ndarray) -> np.ndarray:
        return np.bincount(row, weights=weights, minlength=n)

    counts = {k: per_viewer(np.where(kind == k, count, 0.0)) for k in InteractionKind.values}
    views = counts[InteractionKind.VIEW]
    exposures = np.maximum(counts[InteractionKind.IMPRESSION], views)
    with np.errstate(divide="ignore", invalid="ignore"):
        def per_view(x):
            return np.where(views > 0, x / views, np.nan)

        def per_exposure(x):
            return np.where(exposures > 0, x / exposures, np.nan)

        recency_min = np.full(n, np.inf)
        np.minimum.at(recency_min, row, groups.days_since)
        recency = np.where(np.isfinite(recency_min), np.maximum(recency_min, 0.0), np.nan)
        return np.column_stack([
            per_view(per_viewer(ratio_sum)),
            per_view(per_viewer(groups.completed)),
            per_view(counts[InteractionKind.LIKE]),
            per_view(counts[InteractionKind.COMMENT]),
            per_view(counts[InteractionKind.SHARE]),
            per_view(counts[InteractionKind.FOLLOW]),
            per_exposure(counts[InteractionKind.CLICK]),
            per_exposure(counts[InteractionKind.CONVERSION] + counts[InteractionKind.PURCHASE]),
            per_viewer(np.where(kind == InteractionKind.PURCHASE, groups.value, 0.0)),
            per_viewer(count),
            recency,
        ])


def _tag_weights(engagement: sp.csr_matrix, catalogue: Catalogue) -> sp.csr_matrix:
    """Viewer x tag engagement: the viewer x video weights times the video x tag links."""
    known = catalogue.tag_codes >= 0
    video_tags = sp.csr_matrix((np.ones(known.sum()), (catalogue.link_videos[known], catalogue.tag_codes[known])),
                               shape=(len(catalogue.video_ids), len(catalogue.tag_vocab)))
    return (engagement @ video_tags).tocsr()


def _platform_mix(groups: Groups, catalogue: Catalogue, n: int) -> np.ndarray:
    """Share of each viewer's interactions per video platform."""
    platform = catalogue.platform_codes[groups.col]
    known = platform >= 0
    platform_counts = sp.csr_matrix((groups.count[known], (groups.row[known], platform[known])),
                                    shape=(n, len(catalogue.platform_vocab))).toarray()
    totals = platform_counts.sum(axis=1, keepdims=True)
    return np.divide(platform_counts, totals, out=np.zeros_like(platform_counts), where=totals > 0)
