"""Interaction logs for training and evaluating recommenders, as plain arrays.

* :class:`InteractionData` — one row per interaction event (viewer row, item column, weight,
  Unix time) plus item side information (text for the content model, tags for diversity, brand
  for exposure). Event order is kept as read: the random split reproduces a reference procedure
  that depends on it.
* Loaders: :func:`load_movielens` (ML-100K ``u.data``/``u.item`` or the ``ratings.csv``/``movies.csv``
  layout), :func:`load_kuairec` (KuaiRec ``small_matrix.csv``/``big_matrix.csv``) — pure, no Django —
  and :func:`load_demo_matrix`, which reads Reelboard's own ``Interaction`` table set-based.

Datasets are read where they lie (``shared_dataset("ml-100k")``: ``../shared/datasets/ml-100k`` from the
repository root unless ``REELBOARD_DATASETS_DIR`` says otherwise); never copy them into the repository
(the MovieLens licence forbids redistribution).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

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


def _tokens(prefix: str, label: str) -> str:
    return f"{prefix}_{re.sub(r'[^0-9a-z]+', '_', label.lower()).strip('_')}"


def _tag_matrix(item_tag_lists: list[list[str]]) -> tuple[sp.csr_matrix, list[str]]:
    names = sorted({tag for tags in item_tag_lists for tag in tags})
    index = {name: i for i, name in enumerate(names)}
    rows = [i for i, tags in enumerate(item_tag_lists) for _ in tags]
    cols = [index[tag] for tags in item_tag_lists for tag in tags]
    matrix = sp.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                           shape=(len(item_tag_lists), len(names)))
    return matrix, names


def _index(ids: np.ndarray, known: np.ndarray) -> np.ndarray:
    positions = np.searchsorted(known, ids)
    if np.any(positions >= len(known)) or np.any(known[np.minimum(positions, len(known) - 1)] != ids):
        raise ValueError("Interactions reference ids missing from the item/user list.")
    return positions


# The age bands of ``marketing.models.AgeBand`` (upper bounds, inclusive), for datasets that give ages.
AGE_BANDS = ((12, "<13"), (17, "13-17"), (24, "18-24"), (30, "25-30"), (40, "31-40"), (50, "41-50"))


def age_band(age: int) -> str:
    return next((label for upper, label in AGE_BANDS if age <= upper), "50+")


def _categories(labels: list[str]) -> tuple[np.ndarray, list[str]]:
    """Category index per item (``-1`` for an empty label) and the sorted category names."""
    names = sorted({label for label in labels if label})
    index = {name: i for i, name in enumerate(names)}
    return np.array([index.get(label, -1) for label in labels], dtype=np.int64), names


def shared_dataset(name: str) -> Path:
    """The folder of a shared public dataset, e.g. ``shared_dataset("ml-100k")``, under
    ``settings.REELBOARD_DATASETS_DIR`` (reading a setting needs no ``django.setup()``)."""
    import os

    from django.conf import settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")
    return Path(settings.REELBOARD_DATASETS_DIR) / name


def load_movielens(path: str | Path) -> InteractionData:
    """MovieLens ratings as implicit feedback (weight = rating; binarise in the harness).

    ``path`` is a directory with ``u.data`` + ``u.item`` (ML-100K) or ``ratings.csv`` + ``movies.csv``
    (ML-latest / 20M / 25M layout). Item text = title + genre tokens; tags = genres; one brand.
    """
    path = Path(path)
    if (path / "u.data").exists():
        ratings = np.loadtxt(path / "u.data", dtype=np.int64)
        users, items, values, times = ratings[:, 0], ratings[:, 1], ratings[:, 2], ratings[:, 3]
        genre_names = [line.split("|")[0] for line in (path / "u.genre").read_text(encoding="latin-1").splitlines()
                       if line.strip()]
        item_rows = [line.split("|") for line in (path / "u.item").read_text(encoding="latin-1").splitlines()
                     if line.strip()]
        item_ids = np.array([int(r[0]) for r in item_rows])
        titles = [r[1] for r in item_rows]
        genres = [[genre_names[g] for g, flag in enumerate(r[5:5 + len(genre_names)]) if flag == "1"]
                  for r in item_rows]
    else:
        with open(path / "ratings.csv", newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            parsed = [(int(u), int(i), float(r), int(t)) for u, i, r, t in reader]
        users, items, values, times = (np.array(col) for col in zip(*parsed, strict=True))
        with open(path / "movies.csv", newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            movie_rows = sorted((int(m), title, g) for m, title, g in reader)
        item_ids = np.array([m for m, _, _ in movie_rows])
        titles = [title for _, title, _ in movie_rows]
        genres = [[g for g in gs.split("|") if g and g != "(no genres listed)"] for _, _, gs in movie_rows]
    order = np.argsort(item_ids)
    item_ids = item_ids[order]
    titles = [titles[i] for i in order]
    genres = [genres[i] for i in order]
    user_ids = np.unique(users)
    texts = [re.sub(r"\(\d{4}\)\s*$", "", title).strip() + " " + " ".join(_tokens("genre", g) for g in gs)
             for title, gs in zip(titles, genres, strict=True)]
    tags, tag_names = _tag_matrix(genres)
    user_groups: dict[str, np.ndarray] = {}
    if (path / "u.user").exists():  # ML-100K: id|age|gender|occupation|zip
        people = {int(r[0]): (int(r[1]), r[2]) for r in
                  (line.split("|") for line in (path / "u.user").read_text(encoding="latin-1").splitlines()
                   if line.strip())}
        user_groups = {"gender": np.array([people.get(int(u), (0, ""))[1] for u in user_ids], dtype=object),
                       "age_band": np.array([age_band(people[int(u)][0]) if int(u) in people else ""
                                             for u in user_ids], dtype=object)}
    item_categories, category_names = _categories([gs[0] if gs else "" for gs in genres])  # first genre
    return InteractionData(
        user_ids=user_ids, item_ids=item_ids, rows=_index(users, user_ids), cols=_index(items, item_ids),
        values=values.astype(np.float64), timestamps=times.astype(np.float64), item_titles=titles,
        item_texts=texts, item_tags=tags, tag_names=tag_names,
        item_brands=np.zeros(len(item_ids), dtype=np.int64), brand_names=["movielens"], name=f"movielens:{path.name}",
        user_groups=user_groups, item_categories=item_categories, category_names=category_names)


def load_kuairec(path: str | Path, *, min_watch_ratio: float = 2.0) -> InteractionData:
    """KuaiRec (Gao et al. 2022) interactions as implicit feedback.

    ``path`` is the interaction CSV (``small_matrix.csv`` / ``big_matrix.csv``) or its ``data``
    directory (``small_matrix.csv`` preferred). Columns used: ``user_id, video_id, timestamp,
    watch_ratio``. The small matrix is fully observed, so only plays with ``watch_ratio >=
    min_watch_ratio`` (the dataset authors' "liked" threshold) are kept; weight = watch ratio.
    If ``kuairec_caption_category.csv`` sits beside it, captions, topic tags and categories give the
    item text and tags.
    """
    path = Path(path)
    csv_path = path if path.is_file() else next(p for p in (path / "small_matrix.csv", path / "big_matrix.csv")
                                                if p.exists())
    users, items, times, ratios = [], [], [], []
    with open(csv_path, newline="", encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            ratio = float(record["watch_ratio"] or 0.0)
            if ratio < min_watch_ratio:
                continue
            users.append(int(record["user_id"]))
            items.append(int(record["video_id"]))
            stamp = record.get("timestamp") or "nan"
            times.append(float(stamp))
            ratios.append(ratio)
    users, items = np.array(users), np.array(items)
    times = np.nan_to_num(np.array(times, dtype=np.float64), nan=0.0)
    user_ids, item_ids = np.unique(users), np.unique(items)
    captions: dict[int, tuple[str, list[str]]] = {}
    side = csv_path.parent / "kuairec_caption_category.csv"
    if side.exists():
        with open(side, newline="", encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                try:
                    video = int(record["video_id"])
                except (KeyError, ValueError):
                    continue
                tags = [t for t in re.split(r"[\[\],#\s]+", record.get("topic_tag", "")) if t]
                category = record.get("first_level_category_name", "")
                if category and category != "UNKNOWN":
                    tags.append(category)
                captions[video] = (record.get("caption", "") or record.get("manual_cover_text", ""), tags)
    titles = [captions.get(int(v), (f"video {v}", []))[0] or f"video {v}" for v in item_ids]
    tag_lists = [captions.get(int(v), ("", []))[1] for v in item_ids]
    texts = [f"{title} " + " ".join(_tokens("tag", t) for t in tags)
             for title, tags in zip(titles, tag_lists, strict=True)]
    tags, tag_names = _tag_matrix(tag_lists)
    return InteractionData(
        user_ids=user_ids, item_ids=item_ids, rows=_index(users, user_ids), cols=_index(items, item_ids),
        values=np.array(ratios), timestamps=times, item_titles=titles, item_texts=texts, item_tags=tags,
        tag_names=tag_names, item_brands=np.zeros(len(item_ids), dtype=np.int64), brand_names=["kuairec"],
        name=f"kuairec:{csv_path.name}")


def load_demo_matrix(brand_id: int | None = None) -> InteractionData:
    """Reelboard's own interactions (all brands, or one brand's) as an :class:`InteractionData`, set-based.

    Weights: a view counts its watch ratio (watch_ms / duration_ms, capped at 1; 1 when unknown)
    times the view weight; every other kind counts its weight from the single definition in
    ``analytics.personas.features.KIND_WEIGHTS`` (impressions weigh 0 and are dropped). Item text =
    title, description, category and tags; brand = the video's brand.
    """
    from analytics.personas.features import KIND_WEIGHTS
    from marketing.models import Brand, Interaction, Video, Viewer

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
    texts = [" ".join([title, description, _tokens("category", category) if category else ""]
                      + [_tokens("tag", t) for t in tags])
             for (_, title, description, category, _, _), tags in zip(videos, item_tag_lists, strict=True)]
    brand_rows = list(brand_query.values_list("id", "name"))
    brand_ids = np.array([b[0] for b in brand_rows], dtype=np.int64)

    events = list(events_rows.order_by("occurred_at", "id")
                  .values_list("viewer_id", "video_id", "kind", "watch_ms", "occurred_at"))
    viewers = np.array([e[0] for e in events], dtype=np.int64)
    cols = _index(np.array([e[1] for e in events], dtype=np.int64), item_ids) if events else np.zeros(0, np.int64)
    kinds = np.array([e[2] for e in events], dtype=object)
    watch = np.array([np.nan if e[3] is None else e[3] for e in events], dtype=np.float64)
    ratio = np.where(np.isnan(watch), 1.0, np.minimum(watch / duration[cols], 1.0)) if events else watch
    weights = np.array([KIND_WEIGHTS.get(k, 0.0) for k in kinds], dtype=np.float64)
    weights = np.where(kinds == "view", weights * ratio, weights)
    times = np.array([e[4].timestamp() for e in events], dtype=np.float64)
    keep = weights > 0
    user_ids = np.unique(viewers[keep])
    tags, tag_names = _tag_matrix(item_tag_lists)
    viewer_rows = Viewer.objects.all() if brand_id is None else Viewer.objects.filter(brand_id=brand_id)
    people = {pk: (gender, band) for pk, gender, band in viewer_rows.values_list("pk", "gender", "age_band")}
    user_groups = {"gender": np.array([people.get(int(u), ("", ""))[0] for u in user_ids], dtype=object),
                   "age_band": np.array([people.get(int(u), ("", ""))[1] for u in user_ids], dtype=object)}
    item_categories, category_names = _categories([v[3] for v in videos])
    return InteractionData(
        user_ids=user_ids, item_ids=item_ids, rows=_index(viewers[keep], user_ids), cols=cols[keep],
        values=weights[keep], timestamps=times[keep], item_titles=[v[1] for v in videos], item_texts=texts,
        item_tags=tags, tag_names=tag_names,
        item_brands=_index(np.array([v[4] for v in videos], dtype=np.int64), brand_ids) if videos else
        np.zeros(0, np.int64),
        brand_names=[b[1] for b in brand_rows], name="demo", user_groups=user_groups,
        item_categories=item_categories, category_names=category_names)
