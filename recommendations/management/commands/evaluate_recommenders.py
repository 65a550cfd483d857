"""Train every recommender on a split of a dataset and print one evaluation table (or JSON lines).

    manage.py evaluate_recommenders --dataset demo
    manage.py evaluate_recommenders --dataset movielens ../shared/datasets/ml-100k --split random --k 10
    manage.py evaluate_recommenders --dataset kuairec /data/KuaiRec/data --split temporal --json
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from analytics.interactions import load_interaction_matrix
from recommendations import datasets
from recommendations.evaluation import (
    TRADEOFF_STRENGTHS,
    default_candidates,
    fairness_table,
    group_table,
    run_benchmark,
    tradeoff_table,
)

COLUMNS = ("ndcg", "recall", "precision", "map")


class Command(BaseCommand):
    help = "Evaluate every recommender (hyper-parameters chosen on validation) on a held-out split."

    def add_arguments(self, parser):
        parser.add_argument("--dataset", nargs="+", required=True, metavar=("NAME", "PATH"),
                            help="demo | movielens PATH | kuairec PATH")
        parser.add_argument("--split", choices=["random", "temporal"], default="random")
        parser.add_argument("--by", choices=["user", "item"], default="user",
                            help="Stratify the random split per user (default) or per item.")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--quick", action="store_true", help="One hyper-parameter setting per recommender.")
        parser.add_argument("--json", action="store_true", help="One JSON object per line per recommender.")
        parser.add_argument("--strengths", default=",".join(str(s) for s in TRADEOFF_STRENGTHS),
                            help="Re-ranking strengths of the trade-off table (comma-separated, each in [0, 1]; "
                                 "empty: no trade-off).")

    def handle(self, *args, **options):
        name, *rest = options["dataset"]
        if name == "demo":
            data, binary = load_interaction_matrix(), False
        elif name in ("movielens", "kuairec") and len(rest) == 1:
            loader = datasets.load_movielens if name == "movielens" else datasets.load_kuairec
            data, binary = loader(rest[0]), name == "movielens"
        else:
            raise CommandError("--dataset must be 'demo', 'movielens PATH' or 'kuairec PATH'.")
        if data.n_events == 0:
            raise CommandError("The dataset has no interactions.")
        k = options["k"]
        try:
            strengths = [float(s) for s in options["strengths"].split(",") if s.strip()]
        except ValueError:
            raise CommandError("--strengths is a comma-separated list of numbers.") from None
        if any(not 0.0 <= s <= 1.0 for s in strengths):
            raise CommandError("Every re-ranking strength is within [0, 1].")
        log = (lambda _: None) if options["json"] else (lambda line: self.stderr.write(line))
        candidates = default_candidates(quick=options["quick"], n_items=data.shape[1])
        rows = run_benchmark(data, split=options["split"], by=options["by"], k=k, seed=options["seed"],
                             binary=binary, candidates=candidates, log=log, tradeoff_strengths=strengths)
        if options["json"]:
            for row in rows:
                self.stdout.write(json.dumps(row.as_json(k), sort_keys=True))
            return
        header = ["recommender", *(f"{c}@{k}" for c in COLUMNS), "coverage", "diversity", "novelty", "fit s"]
        self.stdout.write(" | ".join(f"{h:>12}" for h in header))
        for row in rows:
            values = [row.metrics[f"{c}@{k}"] for c in COLUMNS] + [row.metrics["coverage"], row.metrics["diversity"],
                                                                   row.metrics["novelty"], row.fit_seconds]
            self.stdout.write(" | ".join([f"{row.recommender:>12}", *(f"{v:>12.4f}" for v in values)]))
        self.stdout.write("")
        self.stdout.write("Fairness and exposure (gap = best − worst viewer group):")
        for line in fairness_table(rows, k):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Viewer groups, {rows[-1].recommender}:")
        for line in group_table(rows[-1], k):
            self.stdout.write(line)
        if rows[-1].tradeoff:
            self.stdout.write("")
            self.stdout.write(f"Re-ranking trade-off, {rows[-1].recommender} (strength 0 = no re-ranking):")
            for line in tradeoff_table(rows[-1].tradeoff, k):
                self.stdout.write(line)
