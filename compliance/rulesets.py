"""The built-in rule sets: versioned YAML files in compliance/rules/, loaded once per process.

Each file is one set (``set``, ``version``, ``title``, ``rules``); its version is bumped when its rules
change. ``BUILTIN_VERSION`` names every set's version plus a digest of the files, so a screening stored
with another version is stale and the re-screen task picks it up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from compliance.matching import RuleBook, rule_from_data

RULES_DIR = Path(__file__).resolve().parent / "rules"


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: int
    title: dict[str, str]
    rule_ids: tuple[str, ...]


@dataclass(frozen=True)
class Builtin:
    book: RuleBook
    sets: tuple[RuleSet, ...]
    version: str


@cache
def builtin() -> Builtin:
    rules, sets, digest = [], [], hashlib.sha256()
    for path in sorted(RULES_DIR.glob("*.yaml")):
        raw = path.read_bytes()
        digest.update(raw)
        data = yaml.safe_load(raw)
        set_rules = [rule_from_data(r, rule_set=data["set"]) for r in data["rules"]]
        rules += set_rules
        sets.append(RuleSet(data["set"], int(data["version"]), dict(data.get("title") or {}),
                            tuple(r.id for r in set_rules)))
    ids = [r.id for r in rules]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"Duplicate compliance rule ids: {', '.join(duplicated)}")
    version = ",".join(f"{s.name}@{s.version}" for s in sets) + f"#{digest.hexdigest()[:8]}"
    return Builtin(RuleBook(rules), tuple(sets), version)


def builtin_version() -> str:
    return builtin().version


def rule_set_names() -> tuple[str, ...]:
    return tuple(s.name for s in builtin().sets)
