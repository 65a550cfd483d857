"""Personas on MovieLens-100K: 943 users with age, gender and zip code; 1,682 movies with genres.

Run:  uv run python benchmarks/personas_ml100k.py [--path ../shared/datasets/ml-100k] [--k K]

The dataset is read where it lies (never copied into the repo). Two modes:

* default (pure, no database): the files are mapped straight onto the persona pipeline's arrays
  (``ViewerArrays``): a rating is a view whose watch ratio is rating / 5 and, when >= 4, also a like;
  genres are the movies' tags; age -> Reelboard age band; gender -> female/male; region = first
  digit of the US zip code (a coarse geographic region); recency from the last rating.
* ``--via-importer``: the production path into a scratch database (``--scratch-db``, default a
  SQLite file in the temporary folder): ``manage.py import_interactions u.data --format movielens`` (every rating a
  full-watch view, >= 4 also a like), then viewers' demographics from ``u.user`` and the movies'
  genres as tags are written set-based (the importer carries interactions only), then the
  ``persona_model_train`` service runs exactly as the Celery task would and the stored profiles
  are printed.

It prints the metrics (k chosen by silhouette, silhouette, inertia, sizes, timings) and every
persona's profile: label, genre lifts, dominant demographics, engagement vs population.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere; the pure part needs no Django

from results import record  # noqa: E402

from analytics.engagement import KIND_WEIGHTS
from analytics.personas.clustering import fit_personas
from analytics.personas.features import BEHAVIOUR_COLUMNS, PersonaFeaturizer, ViewerArrays
from analytics.personas.profiles import build_profiles
from recommendations.datasets import shared_dataset

AGE_BANDS = [(13, 17, "13-17"), (18, 24, "18-24"), (25, 30, "25-30"), (31, 40, "31-40"), (41, 50, "41-50"),
             (51, 200, "50+")]


def age_band(age: int) -> str:
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), "")


def load(path: Path) -> tuple[ViewerArrays, dict[int, str]]:
    users = [line.split("|") for line in (path / "u.user").read_text(encoding="latin-1").splitlines() if line]
    items = [line.split("|") for line in (path / "u.item").read_text(encoding="latin-1").splitlines() if line]
    genres = [line.split("|")[0] for line in (path / "u.genre").read_text().splitlines() if line]
    ratings = np.loadtxt(path / "u.data", dtype=np.int64)  # user, item, rating, unix time

    user_ids = np.array([int(u[0]) for u in users])
    bands = sorted({age_band(int(u[1])) for u in users} - {""}, key=[b for *_, b in AGE_BANDS].index)
    regions = sorted({f"zip {u[4][0]}xxxx" for u in users if u[4][:1].isdigit()})
    genders = ["female", "male"]
    demographics = np.array([
        [genders.index("female" if u[2] == "F" else "male"),
         bands.index(age_band(int(u[1]))) if age_band(int(u[1])) else -1,
         regions.index(f"zip {u[4][0]}xxxx") if u[4][:1].isdigit() else -1,
         0]
        for u in users
    ])
    item_ids = np.array([int(i[0]) for i in items])
    item_genres = np.array([[int(x) for x in i[5:24]] for i in items], dtype=np.float64)
    titles = {int(i[0]): i[1] for i in items}

    row = np.searchsorted(user_ids, ratings[:, 0])
    col = np.searchsorted(item_ids, ratings[:, 1])
    ratio = ratings[:, 2] / 5.0
    liked = ratings[:, 2] >= 4
    n = len(user_ids)

    def per_user(x):
        return np.bincount(row, weights=x, minlength=n)

    views = per_user(np.ones(len(row)))
    last = np.full(n, -np.inf)
    np.maximum.at(last, row, ratings[:, 3].astype(np.float64))
    behaviour = np.full((n, len(BEHAVIOUR_COLUMNS)), 0.0)
    b = {name: j for j, name in enumerate(BEHAVIOUR_COLUMNS)}
    behaviour[:, b["avg_watch_ratio"]] = per_user(ratio) / views
    behaviour[:, b["completion_rate"]] = per_user((ratings[:, 2] == 5).astype(float)) / views
    behaviour[:, b["like_rate"]] = per_user(liked.astype(float)) / views
    behaviour[:, [b["click_rate"], b["conversion_rate"]]] = np.nan  # no exposures in MovieLens
    behaviour[:, b["activity"]] = views + per_user(liked.astype(float))
    behaviour[:, b["recency_days"]] = (ratings[:, 3].max() - last) / 86400

    weight = ratio * KIND_WEIGHTS["view"] + liked * KIND_WEIGHTS["like"]
    engagement = sp.csr_matrix((weight, (row, col)), shape=(n, len(item_ids)))
    tag_weights = (engagement @ sp.csr_matrix(item_genres)).tocsr()
    data = ViewerArrays(
        viewer_ids=user_ids, demographics=demographics, demographic_vocab=[genders, bands, regions, ["movielens"]],
        behaviour=behaviour, tag_weights=tag_weights, tag_vocab=genres, platform_mix=np.ones((n, 1)),
        platform_vocab=["movielens"], engagement=engagement, video_ids=item_ids,
    )
    return data, titles


def via_importer(args) -> None:
    """Import through ``import_interactions`` into a scratch DB, train with the service, print stored profiles."""
    import os

    os.environ["DATABASE_URL"] = args.scratch_db
    os.environ["REDIS_URL"] = ""  # embedded: tasks eager, no broker
    os.environ["PRIVACY_MIN_GROUP_SIZE"] = str(args.min_size)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")
    os.environ.setdefault("VIEWER_ID_HMAC_KEY", "benchmark-only-viewer-id-key")  # a database needs a dedicated key
    os.environ.setdefault("AD_CREDENTIALS_KEY", "benchmark-only-ad-credentials-key")
    import django

    django.setup()
    args.path = args.path or shared_dataset("ml-100k")  # read only now: settings see the scratch database
    from django.core.management import call_command

    from analytics.personas.models import Persona
    from analytics.personas.services import persona_model_create, persona_model_train
    from marketing.models import Brand, Interaction, Tag, Video, Viewer, pseudonymise_viewer_id

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    brand, _ = Brand.objects.get_or_create(slug="ml100k-bench", defaults={"name": "MovieLens-100K bench"})
    if not Interaction.objects.filter(brand=brand).exists():
        call_command("import_interactions", str(args.path / "u.data"), fmt="movielens", brand=brand.slug,
                     create_missing=True, approve_created=True, verbosity=0)
    t1 = time.perf_counter()
    users = [line.split("|") for line in (args.path / "u.user").read_text(encoding="latin-1").splitlines() if line]
    by_key = {pseudonymise_viewer_id(brand_id=brand.pk, platform_code="douyin", raw_id=u[0]): u for u in users}
    viewers = list(Viewer.objects.filter(brand=brand))
    for viewer in viewers:
        u = by_key[viewer.viewer_key]
        viewer.gender = "female" if u[2] == "F" else "male"
        viewer.age_band = age_band(int(u[1]))
        viewer.region = f"zip {u[4][0]}xxxx" if u[4][:1].isdigit() else ""
    Viewer.objects.bulk_update(viewers, ["gender", "age_band", "region"], batch_size=1000)
    genres = [line.split("|")[0] for line in (args.path / "u.genre").read_text().splitlines() if line]
    tags = {g: Tag.objects.get_or_create(brand=brand, name=g)[0].pk for g in genres}
    videos = dict(Video.objects.filter(brand=brand).values_list("external_id", "id"))
    titles = {}
    links = []
    for item in (args.path / "u.item").read_text(encoding="latin-1").splitlines():
        fields = item.split("|")
        if fields[0] in videos:
            titles[videos[fields[0]]] = fields[1]
            links += [Video.tags.through(video_id=videos[fields[0]], tag_id=tags[g])
                      for g, flag in zip(genres, fields[5:24], strict=True) if flag == "1"]
    Video.tags.through.objects.bulk_create(links, ignore_conflicts=True)
    retitled = list(Video.objects.filter(pk__in=list(titles)))
    for video in retitled:  # importer-created videos are titled "Imported video <id>"
        video.title = titles[video.pk][:300]
    Video.objects.bulk_update(retitled, ["title"], batch_size=1000)
    t2 = time.perf_counter()
    model = persona_model_create(brand_id=brand.pk, params={
        "k": args.k, "k_min": 2, "k_max": 10, "window_days": None, "svd_components": 32,
        "random_state": args.seed, "activate": True})
    model = persona_model_train(persona_model_id=model.pk)
    t3 = time.perf_counter()
    print(f"scratch DB {args.scratch_db}: {Viewer.objects.filter(brand=brand).count()} viewers, "
          f"{Interaction.objects.filter(brand=brand).count()} interactions")
    print(f"timings: import {t1 - t0:.1f}s  demographics+genres {t2 - t1:.1f}s  train (service) {t3 - t2:.1f}s "
          f"(model says {model.training_seconds}s)")
    print(f"model v{model.version}: k {model.k}, metrics {model.metrics}")
    for persona in Persona.objects.filter(model=model).order_by("index"):
        print(f"\n#{persona.index}  {persona.label}  (size {persona.size}, {persona.share:.1%})")
        print("    genres:", ", ".join(f"{t['tag']} x{t['lift']:.2f}" for t in persona.profile["top_tags"]))
        for column in ("gender", "age_band"):
            print(f"    {column}:", ", ".join(f"{r['value']} {r['share']:.0%} (pop {r['population_share']:.0%})"
                                          for r in persona.profile["demographics"][column][:4]))
        print("    movies:", "; ".join(v["title"] for v in persona.profile["sample_videos"][:3]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=None,
                        help="default ../shared/datasets/ml-100k (REELBOARD_DATASETS_DIR)")
    parser.add_argument("--k", type=int, default=None, help="fixed k (default: chosen by silhouette in 2..10)")
    parser.add_argument("--min-size", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--via-importer", action="store_true", help="go through import_interactions and the DB")
    parser.add_argument("--scratch-db", default=f"sqlite:///{Path(tempfile.gettempdir()) / 'reelboard_personas_ml100k.sqlite3'}",
                        help="database URL for --via-importer (never your real database)")
    args = parser.parse_args()
    if args.via_importer:
        via_importer(args)
        return

    t0 = time.perf_counter()
    data, titles = load(args.path or shared_dataset("ml-100k"))
    t1 = time.perf_counter()
    featurizer = PersonaFeaturizer(svd_components=None, random_state=args.seed).fit(data)
    X = featurizer.transform(data)
    t2 = time.perf_counter()
    result = fit_personas(X, k=args.k, k_range=(2, 10), min_size=args.min_size, random_state=args.seed)
    t3 = time.perf_counter()
    profiles = build_profiles(data=data, labels=result.labels, k=result.k, tag_tfidf=featurizer.tag_tfidf(data),
                              min_size=args.min_size)
    t4 = time.perf_counter()

    print(f"MovieLens-100K: {data.n} users, {len(data.video_ids)} movies, {data.tag_weights.shape[1]} genres, "
          f"feature width {X.shape[1]}")
    print(f"timings: load {t1 - t0:.2f}s  features {t2 - t1:.2f}s  clustering {t3 - t2:.2f}s  "
          f"profiles {t4 - t3:.2f}s")
    print("silhouette per k:", {k: round(s, 3) for k, s in result.k_scores.items()})
    print(f"k fitted {result.k_fitted}, personas {result.k} (merged {result.merged}), "
          f"silhouette {result.silhouette:.3f}, inertia {result.inertia:.1f}")
    for p in profiles:
        print(f"\n#{p.index}  {p.label}\n    size {p.size} ({p.share:.1%})")
        print("    genres (share, lift):", ", ".join(
            f"{t['tag']} {t['share']:.0%} x{t['lift']:.2f}" for t in p.profile["top_tags"]))
        for column, rows in p.profile["demographics"].items():
            if rows and column != "platform":
                print(f"    {column}:", ", ".join(
                    f"{r['value']} {r['share']:.0%} (pop {r['population_share']:.0%})" for r in rows[:4]))
        print("    behaviour vs population:", ", ".join(
            f"{name} {s['value']} ({s['ratio']}x)" for name, s in p.profile["engagement"].items()
            if s["ratio"] is not None and name in ("avg_watch_ratio", "completion_rate", "like_rate", "activity")))
        print("    movies:", "; ".join(titles[v["video_id"]] for v in p.profile["sample_videos"][:3]))
    record("personas_ml100k", figures={
        "k (chosen by silhouette in 2..10)" if args.k is None else "k (fixed)": {"value": result.k},
        "silhouette": {"value": round(result.silhouette, 3)}, "inertia": {"value": round(result.inertia, 1)},
        "sizes": {"value": " / ".join(str(p.size) for p in profiles)},
        "clustering": {"value": round(t3 - t2, 2), "unit": "s"},
    })


if __name__ == "__main__":
    main()
