"""Interaction logs for training and evaluating recommenders, as plain arrays.

Public datasets as :class:`analytics.interaction_data.InteractionData` (one row per interaction event
plus item side information), for benchmarks and the evaluation harness: :func:`load_movielens`
(ML-100K ``u.data``/``u.item`` or the ``ratings.csv``/``movies.csv`` layout) and :func:`load_kuairec`
(KuaiRec ``small_matrix.csv``/``big_matrix.csv``), pure, no Django. Reelboard's own interactions are
read by :func:`analytics.interactions.load_interaction_matrix`, the loader training uses.

Datasets are read where they lie (``shared_dataset("ml-100k")``: ``../shared/datasets/ml-100k`` from the
repository root unless ``REELBOARD_DATASETS_DIR`` says otherwise); never copy them into the repository
(the MovieLens licence forbids redistribution).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from analytics.interaction_data import InteractionData, category_codes, index_of, tag_matrix, text_token

# The age bands of ``marketing.models.AgeBand`` (upper bounds, inclusive), for datasets that give ages.
AGE_BANDS = ((12, "<13"), (17, "13-17"), (24, "18-24"), (30, "25-30"), (40, "31-40"), (50, "41-50"))


def age_band(age: int) -> str:
    return next((label for upper, label in AGE_BANDS if age <= upper), "50+")


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
    texts = [re.sub(r"\(\d{4}\)\s*$", "", title).strip() + " " + " ".join(text_token("genre", g) for g in gs)
             for title, gs in zip(titles, genres, strict=True)]
    tags, tag_names = tag_matrix(genres)
    user_groups: dict[str, np.ndarray] = {}
    if (path / "u.user").exists():  # ML-100K: id|age|gender|occupation|zip
        people = {int(r[0]): (int(r[1]), r[2]) for r in
                  (line.split("|") for line in (path / "u.user").read_text(encoding="latin-1").splitlines()
                   if line.strip())}
        user_groups = {"gender": np.array([people.get(int(u), (0, ""))[1] for u in user_ids], dtype=object),
                       "age_band": np.array([age_band(people[int(u)][0]) if int(u) in people else ""
                                             for u in user_ids], dtype=object)}
    item_categories, category_names = category_codes([gs[0] if gs else "" for gs in genres])  # first genre
    return InteractionData(
        user_ids=user_ids, item_ids=item_ids, rows=index_of(users, user_ids), cols=index_of(items, item_ids),
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
    texts = [f"{title} " + " ".join(text_token("tag", t) for t in tags)
             for title, tags in zip(titles, tag_lists, strict=True)]
    tags, tag_names = tag_matrix(tag_lists)
    return InteractionData(
        user_ids=user_ids, item_ids=item_ids, rows=index_of(users, user_ids), cols=index_of(items, item_ids),
        values=np.array(ratios), timestamps=times, item_titles=titles, item_texts=texts, item_tags=tags,
        tag_names=tag_names, item_brands=np.zeros(len(item_ids), dtype=np.int64), brand_names=["kuairec"],
        name=f"kuairec:{csv_path.name}")
