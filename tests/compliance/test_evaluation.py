"""The labelled evaluation set and ``manage.py evaluate_compliance --json``."""

from __future__ import annotations

import io
import json

from django.core.management import call_command

from compliance.evaluation import evaluate, load
from compliance.rulesets import builtin


def test_the_set_has_100_held_out_and_at_least_300_lines_labelled_with_known_rules():
    heldout, development = load("heldout"), load("development")
    assert len(heldout) == 100 and len(heldout) + len(development) >= 300
    known = set(builtin().book.by_id)
    assert all(set(r["rules"]) <= known for r in heldout + development)


def test_scores_count_line_rule_pairs():
    rows = [{"text": "全网最低价", "platform": "douyin", "category": "", "language": "zh-hans",
             "rules": ["adlaw.superlative"]},
            {"text": "最近上新", "platform": "douyin", "category": "", "language": "zh-hans",
             "rules": ["adlaw.superlative"]},  # labelled wrongly on purpose: a false negative
            {"text": "顶级工艺", "platform": "douyin", "category": "", "language": "zh-hans", "rules": []}]
    result = evaluate(rows)
    assert result["overall"] == {"precision": 0.5, "recall": 0.5, "tp": 1, "fp": 1, "fn": 1}
    assert result["by_rule_set"]["ad-law-absolute"]["tp"] == 1


def test_the_command_prints_figures_per_severity_and_rule_set_for_both_parts():
    out = io.StringIO()
    call_command("evaluate_compliance", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["ruleset_version"] == builtin().version
    for part in ("heldout", "development"):
        assert set(report[part]["by_severity"]) == {"block", "warn"}
        assert set(report[part]["by_rule_set"]) == {"ad-law-absolute", "efficacy-claims", "english-claims",
                                                    "financial-promises", "traffic-diversion"}
    block = report["heldout"]["by_severity"]["block"]
    assert block["precision"] >= 0.95 and block["recall"] >= 0.90 and report["targets_met"] is True
