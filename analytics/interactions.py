"""Reelboard's interactions as the matrix training fits on (:func:`load_interaction_matrix`), read in a
few set-based queries and weighted by ``analytics.engagement``."""

from __future__ import annotations

import numpy as np

from analytics.engagement import engagement_weights
from analytics.interaction_data import InteractionData, category_codes, index_of, tag_matrix, text_token
from marketing.models import Brand, Interaction, Video, Viewer


def load_interaction_matrix(brand_id: int | None = None) -> InteractionData:
    """Reelboard's interactions (all brands, or one brand's) as an :class:`InteractionData`, set-based:
    what recommender training fits on, and what benchmarks and evaluation read from the database.

    Weights: ``analytics.engagement`` (a view counts its watch ratio, watch_ms / duration_ms capped at
    1, 1 when unknown; impressions weigh 0 and are dropped). Item text = title, description,
    category and tags; brand = the video's brand.
    """

    video_rows = Video.objects.order_by("id")
    events_rows = Interaction.objects.exclude(kind="impression")
    brand_query = Brand.objects.order_by("id")
    if brand_id is not None:
        video_rows = video_rows.filter(brand_id=brand_id)
        events_rows = events_rows.filter(brand_id=brand_id)
        brand_query = brand_query.filter(pk=brand_id)
    videos = list(video_rows.values_list("id", "title", "description", "category",
                                                            "brand_id", "duration_ms"))
    item_ids = np.array([v[0] for v in videos], dtype=np.int64)
    duration = np.array([v[5] for v in videos], dtype=np.float64)
    tag_links = Video.tags.through.objects.filter(video_id__in=item_ids.tolist()).values_list("video_id", "tag__name")
    tag_lists: dict[int, list[str]] = {}
    for video_id, tag in tag_links:
        tag_lists.setdefault(video_id, []).append(tag)
    item_tag_lists = [sorted(tag_lists.get(int(v), [])) for v in item_ids]
    texts = [" ".join([title, description, text_token("category", category) if category else ""]
                      + [text_token("tag", t) for t in tags])
             for (_, title, description, category, _, _), tags in zip(videos, item_tag_lists, strict=True)]
    brand_rows = list(brand_query.values_list("id", "name"))
    brand_ids = np.array([b[0] for b in brand_rows], dtype=np.int64)

    events = list(events_rows.order_by("occurred_at", "id")
                  .values_list("viewer_id", "video_id", "kind", "watch_ms", "occurred_at"))
    viewers = np.array([e[0] for e in events], dtype=np.int64)
    cols = index_of(np.array([e[1] for e in events], dtype=np.int64), item_ids) if events else np.zeros(0, np.int64)
    kinds = np.array([e[2] for e in events], dtype=object)
    watch = np.array([np.nan if e[3] is None else e[3] for e in events], dtype=np.float64)
    ratio = np.where(np.isnan(watch), 1.0, np.minimum(watch / duration[cols], 1.0)) if events else watch
    weights = engagement_weights(kinds, counts=np.ones(len(kinds)), watched=ratio)
    times = np.array([e[4].timestamp() for e in events], dtype=np.float64)
    keep = weights > 0
    user_ids = np.unique(viewers[keep])
    tags, tag_names = tag_matrix(item_tag_lists)
    viewer_rows = Viewer.objects.all() if brand_id is None else Viewer.objects.filter(brand_id=brand_id)
    people = {pk: (gender, band) for pk, gender, band in viewer_rows.values_list("pk", "gender", "age_band")}
    user_groups = {"gender": np.array([people.get(int(u), ("", ""))[0] for u in user_ids], dtype=object),
                   "age_band": np.array([people.get(int(u), ("", ""))[1] for u in user_ids], dtype=object)}
    item_categories, category_names = category_codes([v[3] for v in videos])
    return InteractionData(
        user_ids=user_ids, item_ids=item_ids, rows=index_of(viewers[keep], user_ids), cols=cols[keep],
        values=weights[keep], timestamps=times[keep], item_titles=[v[1] for v in videos], item_texts=texts,
        item_tags=tags, tag_names=tag_names,
        item_brands=index_of(np.array([v[4] for v in videos], dtype=np.int64), brand_ids) if videos else
        np.zeros(0, np.int64),
        brand_names=[b[1] for b in brand_rows], name="demo", user_groups=user_groups,
        item_categories=item_categories, category_names=category_names)
