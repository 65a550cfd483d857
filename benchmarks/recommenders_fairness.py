"""Fairness, exposure and the re-ranking trade-off of the recommenders, on MovieLens-100K or the demo world.

Run:  .venv/bin/python benchmarks/recommenders_fairness.py [--path ../shared/datasets/ml-100k] [--quick]
      .venv/bin/python benchmarks/recommenders_fairness.py --demo [--quick]   (the configured database's
      demo world, e.g. after ``manage.py seed_demo``)

Prints, for the recommenders of ``manage.py evaluate_recommenders`` (random split per user, seed 42, k = 10):
exposure Gini over videos and categories, the catalogue share exposed, popularity bias and the best − worst
viewer-group gap of nDCG@10 (gender, age band, activity tercile); then the served hybrid's nDCG@10 against
Gini and coverage at re-ranking strengths 0, 0.25, 0.5, 0.75 and 1, strength 0 (no re-ranking) being the
baseline of the same run. The dataset is read where it lies, never copied into the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from results import record

from recommendations.evaluation import (
    TRADEOFF_STRENGTHS,
    default_candidates,
    fairness_table,
    group_table,
    run_benchmark,
    tradeoff_table,
)


def load(args):
    if args.demo:
        import django

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")
        django.setup()
        from analytics.interactions import load_interaction_matrix

        return load_interaction_matrix(), False, "demo"
    from recommendations.datasets import load_movielens, shared_dataset

    return load_movielens(args.path or shared_dataset("ml-100k")), True, "ml-100k"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=None, help="ML-100K folder (default ../shared/datasets/ml-100k).")
    parser.add_argument("--demo", action="store_true", help="The demo world of the configured database.")
    parser.add_argument("--quick", action="store_true", help="One hyper-parameter setting per recommender.")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    k = args.k
    data, binary, label = load(args)
    rows = run_benchmark(data, split="random", by="user", k=k, binary=binary,
                         candidates=default_candidates(quick=args.quick, n_items=data.shape[1]),
                         tradeoff_strengths=TRADEOFF_STRENGTHS, log=lambda line: print(line, file=sys.stderr))
    served = rows[-1]
    for title, lines in ((f"## {label}: fairness and exposure", fairness_table(rows, k)),
                         (f"## {label}: viewer groups, {served.recommender}", group_table(served, k)),
                         (f"## {label}: re-ranking trade-off, {served.recommender}", tradeoff_table(served.tradeoff, k))):
        print(title)
        print("\n".join(lines))
        print()

    figures = {}
    for row in rows:
        m = row.metrics
        gaps = " / ".join(f"{m['groups'][g]['gap'][f'ndcg@{k}'] or 0:.4f}" for g in ("gender", "age_band", "activity")
                          if g in m["groups"])
        figures[f"{label}, {row.recommender}: Gini videos / Gini categories / catalogue exposed / popularity "
                f"percentile"] = {"value": f"{m['gini_videos']:.4f} / {m['gini_categories'] or 0:.4f} / "
                                           f"{m['coverage']:.4f} / {m['popularity_percentile']:.4f}"}
        figures[f"{label}, {row.recommender}: nDCG@{k} gap gender / age band / activity"] = {"value": gaps}
    baseline = served.tradeoff[0]
    ratios = {}
    for t in served.tradeoff:
        figures[f"{label}, {served.recommender} re-ranked at {t['strength']:.2f}: nDCG@{k} / Gini videos / "
                f"Gini categories / coverage"] = {
            "value": f"{t[f'ndcg@{k}']:.4f} / {t['gini_videos']:.4f} / {t['gini_categories'] or 0:.4f} / "
                     f"{t['coverage']:.4f}"}
        if t["strength"]:
            ratios[f"{label}, strength {t['strength']:.2f} vs none: nDCG@{k} / coverage"] = {
                "value": f"{t[f'ndcg@{k}'] / baseline[f'ndcg@{k}']:.3f} / {t['coverage'] / baseline['coverage']:.3f}"}
    record(f"recommenders_fairness_{label.replace('-', '')}", figures=figures, ratios=ratios,
           notes=f"{data.name}: {data.n_events} events; random split per user, seed 42"
                 + (", quick grid" if args.quick else ", full validation grid"))


if __name__ == "__main__":
    main()
