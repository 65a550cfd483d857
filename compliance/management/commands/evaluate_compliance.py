"""manage.py evaluate_compliance [--json]: precision and recall of the built-in rules on the labelled
copy lines (held-out and development parts), per severity and per rule set."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from compliance.evaluation import PARTS, evaluate_all

TARGETS = {"precision": 0.95, "recall": 0.90}  # held-out block flags (issue 19)


def _fmt(value) -> str:
    return "  n/a" if value is None else f"{value:.3f}"


class Command(BaseCommand):
    help = "Score the compliance rule sets on the labelled evaluation set."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def handle(self, *args, **options):
        report = evaluate_all()
        block = report["heldout"]["by_severity"].get("block", {})
        report["targets_met"] = all((block.get(k) or 0) >= v for k, v in TARGETS.items())
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"rule sets {report['ruleset_version']}")
        for part in PARTS:
            result = report[part]
            self.stdout.write(f"\n{part}: {result['lines']} lines ({result['violating_lines']} violating)")
            rows = [("overall", result["overall"]), *(
                (f"severity {k}", v) for k, v in result["by_severity"].items()), *(
                (f"set {k}", v) for k, v in result["by_rule_set"].items())]
            for name, s in rows:
                self.stdout.write(f"  {name:32} precision {_fmt(s['precision'])}  recall {_fmt(s['recall'])}  "
                                  f"(tp {s['tp']}, fp {s['fp']}, fn {s['fn']})")
            for e in result["errors"]:
                self.stdout.write(f"    miss: {e['text']}  expected {e['expected']} got {e['predicted']}")
        self.stdout.write(f"\nheld-out block targets (precision >= {TARGETS['precision']}, recall >= "
                          f"{TARGETS['recall']}): {'met' if report['targets_met'] else 'NOT met'}")
