"""Reelboard's recommenders on MovieLens-100K beside Microsoft Recommenders' published table.

Run:  uv run python benchmarks/recommenders_ml100k.py [--path ../shared/datasets/ml-100k] [--k 10]

Protocol (``recommendations.evaluation``): ratings binarised; random split = python_stratified_split
(ratio 0.75, seed 42) — per user, and per item as the published notebook actually calls it
(``filter_by="item"``); temporal split = each user's latest 20% held out. Hyper-parameters and
hybrid weights are chosen on a validation split carved out of training by the same procedure;
test figures are measured once with the chosen settings refitted on the whole training part.
The dataset is read where it lies, never copied into the repository.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the pure part needs no Django

from results import record

from recommendations.datasets import load_movielens, shared_dataset
from recommendations.evaluation import run_benchmark

# README "Algorithm Comparison", MovieLens 100k, k = 10 (recommenders-team/recommenders).
PUBLISHED = [
    ("ALS", 0.004732, 0.044239, 0.048462, 0.017796),
    ("BiVAE", 0.146126, 0.475077, 0.411771, 0.219145),
    ("BPR", 0.132478, 0.441997, 0.388229, 0.212522),
    ("FastAI", 0.025503, 0.147866, 0.130329, 0.053824),
    ("LightGCN", 0.088526, 0.419846, 0.379626, 0.144336),
    ("NCF", 0.107720, 0.396118, 0.347296, 0.180775),
    ("SAR", 0.110591, 0.382461, 0.330753, 0.176385),
    ("SVD", 0.012873, 0.095930, 0.091198, 0.032783),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=shared_dataset("ml-100k"))
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    k = args.k
    data = load_movielens(args.path)

    header = (f"| split | recommender | MAP | nDCG@{k} | Precision@{k} | Recall@{k} | coverage | diversity | "
              f"novelty | fit s | chosen on validation |")
    print(header)
    print("|---" * 11 + "|")
    for name, map_, ndcg, precision, recall in PUBLISHED:
        print(f"| published (MS Recommenders) | {name} | {map_:.4f} | {ndcg:.4f} | {precision:.4f} | {recall:.4f} "
              f"| | | | | |")
    figures = {}
    for split, by, label in (("random", "user", "random, per user"), ("random", "item", "random, per item"),
                             ("temporal", "user", "temporal, latest 20%")):
        started = time.perf_counter()
        rows = run_benchmark(data, split=split, by=by, k=k, log=lambda line: print(line, file=sys.stderr))
        for row in rows:
            m = row.metrics
            figures[f"{label}, {row.recommender}: MAP / nDCG@{k} / P@{k} / R@{k}"] = {"value": (
                f"{m[f'map@{k}']:.4f} / {m[f'ndcg@{k}']:.4f} / {m[f'precision@{k}']:.4f} / {m[f'recall@{k}']:.4f}")}
            figures[f"{label}, {row.recommender}: coverage / diversity / novelty, fit, chosen on validation"] = {
                "value": f"{m['coverage']:.3f} / {m['diversity']:.3f} / {m['novelty']:.3f}, {row.fit_seconds:.2f} s, "
                         f"{row.params}"}
        for row in rows:
            m = row.metrics
            print(f"| {label} | {row.recommender} | {m[f'map@{k}']:.4f} | {m[f'ndcg@{k}']:.4f} | "
                  f"{m[f'precision@{k}']:.4f} | {m[f'recall@{k}']:.4f} | {m['coverage']:.3f} | "
                  f"{m['diversity']:.3f} | {m['novelty']:.3f} | {row.fit_seconds:.2f} | {row.params} |")
        best = max(rows, key=lambda r: r.validation_score)
        print(f"<!-- {label}: best on validation = {best.recommender}; whole run "
              f"{time.perf_counter() - started:.0f} s -->")
    record("recommenders_ml100k", figures={
        "published best (BiVAE): MAP / nDCG@10 / P@10 / R@10": {"value": "0.1461 / 0.4751 / 0.4118 / 0.2191"},
        **figures})


if __name__ == "__main__":
    main()
