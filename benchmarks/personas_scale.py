"""Persona pipeline at scale: features + clustering for 1,000,000 synthetic viewers.

Run:  uv run python benchmarks/personas_scale.py [--viewers 1000000] [--segments 8] [--tags 300]

Target (issue 5): feature building plus clustering in <= 120 s with peak memory < 4 GB on the
2-core CI machine. Synthetic viewers come from ``--segments`` planted segments (each with preferred
demographics, favourite tags and a behaviour profile, plus noise), so the script also prints the
adjusted Rand index against the planted truth. Generation is timed separately: it stands in for
loading from the database, which ``analytics.personas.loading.load_viewer_arrays`` does with four set-based queries.
Prints each stage's time and the process's peak resident memory.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.metrics import adjusted_rand_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")

import django  # noqa: E402

# No database is used; persona labels are built with Django's translation machinery, which needs the apps.
django.setup()

from results import record  # noqa: E402

from analytics.personas.clustering import assign, choose_k, fit_personas  # noqa: E402
from analytics.personas.features import BEHAVIOUR_COLUMNS, PersonaFeaturizer, ViewerArrays  # noqa: E402
from analytics.personas.profiles import build_profiles  # noqa: E402

GENDERS = ["female", "male", "other"]
AGES = ["13-17", "18-24", "25-30", "31-40", "41-50", "50+"]
REGIONS = ["Guangdong", "Beijing", "Shanghai", "Zhejiang", "Jiangsu", "Sichuan", "Hubei", "Shandong", "Henan",
           "Fujian"]
PLATFORMS = ["douyin", "kuaishou", "xiaohongshu"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def synthesise(n: int, segments: int, n_tags: int, seed: int) -> tuple[ViewerArrays, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, segments, size=n)

    def preferred(options: int, strength: float) -> np.ndarray:
        pick = rng.integers(0, options, size=segments)[truth]
        noise = rng.random(n) > strength
        return np.where(noise, rng.integers(0, options, size=n), pick)

    demographics = np.column_stack([
        preferred(len(GENDERS), 0.85), preferred(len(AGES), 0.8), preferred(len(REGIONS), 0.7),
        preferred(len(PLATFORMS), 0.6)])
    demographics[rng.random(n) < 0.05, 1] = -1  # some viewers never told their age

    centre = rng.random((segments, len(BEHAVIOUR_COLUMNS)))
    behaviour = centre[truth] + rng.normal(0, 0.08, size=(n, len(BEHAVIOUR_COLUMNS)))
    behaviour = np.clip(behaviour, 0, None)
    behaviour[:, -3:] *= np.array([300.0, 80.0, 30.0])  # purchase value, activity, recency days
    behaviour[rng.random(n) < 0.05, :6] = np.nan  # no views: view-based rates undefined

    per_row, favourites = 12, rng.integers(0, n_tags, size=(segments, 10))
    own = favourites[truth[:, None], rng.integers(0, 10, size=(n, 9))]
    noise = rng.integers(0, n_tags, size=(n, per_row - 9))
    indices = np.hstack([own, noise]).ravel()
    weights = rng.gamma(2.0, 1.0, size=n * per_row)
    tag_weights = sp.csr_matrix((weights, indices, np.arange(0, n * per_row + 1, per_row)), shape=(n, n_tags))
    tag_weights.sum_duplicates()

    platform_mix = rng.dirichlet(np.ones(len(PLATFORMS)), size=n)
    data = ViewerArrays(
        viewer_ids=np.arange(1, n + 1), demographics=demographics,
        demographic_vocab=[GENDERS, AGES, REGIONS, PLATFORMS], behaviour=behaviour, tag_weights=tag_weights,
        tag_vocab=[f"tag{i:03d}" for i in range(n_tags)], platform_mix=platform_mix, platform_vocab=PLATFORMS)
    return data, truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=1_000_000)
    parser.add_argument("--segments", type=int, default=8)
    parser.add_argument("--tags", type=int, default=300)
    parser.add_argument("--svd", type=int, default=32)
    parser.add_argument("--k-max", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    times: dict[str, float] = {}

    def stage(name: str, started: float) -> float:
        now = time.perf_counter()
        times[name] = now - started
        print(f"  {name:<28} {times[name]:7.2f} s   peak RSS {peak_mb():7.0f} MB", flush=True)
        return now

    print(f"{args.viewers:,} viewers, {args.segments} planted segments, {args.tags} tags, SVD {args.svd}")
    t = time.perf_counter()
    data, truth = synthesise(args.viewers, args.segments, args.tags, args.seed)
    t = stage("generate (stands in for DB)", t)
    featurizer = PersonaFeaturizer(svd_components=args.svd, random_state=args.seed).fit(data)
    t = stage("features: fit", t)
    X = featurizer.transform(data)
    t = stage(f"features: transform {X.shape}", t)
    k, scores = choose_k(X, k_range=(2, args.k_max), random_state=args.seed)
    t = stage(f"k search 2..{args.k_max} (sample)", t)
    result = fit_personas(X, k=k, min_size=20, random_state=args.seed)
    t = stage(f"fit k={k} on all + merge", t)
    profiles = build_profiles(data=data, labels=result.labels, k=result.k, tag_tfidf=featurizer.tag_tfidf(data),
                              min_size=20)
    t = stage("profiles", t)
    restored = PersonaFeaturizer.from_state(*featurizer.get_state())
    batch = data.take(np.arange(min(100_000, data.n)))
    served = assign(restored.transform(batch), result.centroids)
    t = stage("serve 100k new viewers", t)

    budget = sum(v for name, v in times.items() if name.startswith(("features", "k search", "fit")))
    print(f"\nfeatures + clustering: {budget:.1f} s (target <= 120 s); peak RSS {peak_mb():.0f} MB (target < 4096)")
    print(f"silhouette per k: { {k: round(s, 3) for k, s in scores.items()} }")
    print(f"chosen k {k} (planted {args.segments}); ARI vs planted {adjusted_rand_score(truth, result.labels):.3f}; "
          f"silhouette {result.silhouette:.3f}; serving agrees with training on "
          f"{(served == result.labels[:len(served)]).mean():.1%} of rows")
    print("largest persona:", profiles[0].label, f"({profiles[0].size:,} viewers)")
    record("personas_scale", figures={
        f"features + clustering, {args.viewers:,} viewers": {"value": round(budget, 1), "unit": "s",
                                                             "target": "<= 120", "met": budget <= 120},
        "peak resident memory": {"value": round(peak_mb()), "unit": "MB", "target": "< 4096",
                                 "met": peak_mb() < 4096},
        "chosen k": {"value": k, "target": f"{args.segments} (planted)", "met": k == args.segments},
        "ARI against the planted segments": {"value": round(adjusted_rand_score(truth, result.labels), 3)},
        "silhouette": {"value": round(result.silhouette, 3)},
    })


if __name__ == "__main__":
    main()
