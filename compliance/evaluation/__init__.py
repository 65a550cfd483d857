"""Score the built-in rule sets on the labelled copy lines in this folder.

``heldout.jsonl`` (100 lines, written before any rule and never used to tune them) carries the targets;
``development.jsonl`` is what the rules were tuned on. Each line: text, platform, category, language and
the ids of the rules it breaks. A (line, rule) pair is the unit: a flag of rule R on a line labelled
with R is a true positive, a flag of R on a line not labelled R a false positive, a label R without a
flag a false negative. Precision and recall are reported overall, per severity and per rule set.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from compliance.rulesets import builtin

PARTS = ("heldout", "development")
FOLDER = Path(__file__).resolve().parent


def load(part: str) -> list[dict[str, Any]]:
    with open(FOLDER / f"{part}.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _scores(counts: Counter) -> dict[str, Any]:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    return {"precision": _ratio(tp, tp + fp), "recall": _ratio(tp, tp + fn), "tp": tp, "fp": fp, "fn": fn}


def evaluate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Precision and recall of the built-in rules on labelled rows, with the misses listed."""
    book = builtin().book
    overall: Counter = Counter()
    by_severity: dict[str, Counter] = {}
    by_set: dict[str, Counter] = {}
    errors = []
    for row in rows:
        hits = book.check(row["text"], platform=row["platform"], category=row.get("category") or None,
                          language=row["language"])
        predicted = {h.rule.id for h in hits}
        expected = set(row["rules"])
        for rule_id in predicted | expected:
            rule = book.by_id[rule_id]
            outcome = "tp" if rule_id in predicted and rule_id in expected else (
                "fp" if rule_id in predicted else "fn")
            for counter in (overall, by_severity.setdefault(rule.severity, Counter()),
                            by_set.setdefault(rule.rule_set, Counter())):
                counter[outcome] += 1
        if predicted != expected:
            errors.append({"text": row["text"], "expected": sorted(expected), "predicted": sorted(predicted)})
    return {
        "lines": len(rows), "violating_lines": sum(1 for r in rows if r["rules"]),
        "overall": _scores(overall),
        "by_severity": {k: _scores(v) for k, v in sorted(by_severity.items())},
        "by_rule_set": {k: _scores(v) for k, v in sorted(by_set.items())},
        "errors": errors,
    }


def evaluate_all() -> dict[str, Any]:
    return {"ruleset_version": builtin().version, **{part: evaluate(load(part)) for part in PARTS}}
