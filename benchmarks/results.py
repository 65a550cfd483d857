"""Benchmark results as data: every benchmark ends with one ``record(...)`` call.

``record`` writes ``benchmarks/results/<benchmark>-<UTC timestamp>.json`` with the machine facts, the
command that reproduces the run (paths relative to the repository root), the commit, the figures and
the ratios. The docs page "Benchmarks → Latest results" is generated from the newest file of each
benchmark (``docs/gen_reference.py``), so a run never has to be copied into prose.

A figure is ``name: value`` or ``name: {"value": v, "unit": "ms", "target": "<= 50", "met": True}``.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
SCHEMA_VERSION = 1
# Figures measured earlier in a run, in another function than the one that calls ``record``: added first.
PENDING: dict = {}


def _figure(value) -> dict:
    figure = dict(value) if isinstance(value, dict) else {"value": value}
    if "value" not in figure:
        raise ValueError(f"a figure needs a value: {value!r}")
    return figure


def portable_argument(argument: str) -> str:
    """An argument with no absolute path of this machine: paths become relative to the repository root,
    and anything in the temporary folder becomes ``$TMPDIR/...``."""
    if not argument.startswith("/"):
        return argument
    # Symbolic links are kept (../shared is often one). The most specific folder wins: the repository, the
    # temporary folder, then the repository's parent (../shared); a checkout may itself live in /tmp.
    path, root = os.path.normpath(argument), os.path.normpath(ROOT)
    temporary = os.path.normpath(tempfile.gettempdir())

    def depth_inside(folder: str) -> int:
        return len(folder) if path == folder or path.startswith(folder.rstrip(os.sep) + os.sep) else -1

    in_repository = max(depth_inside(root), depth_inside(os.path.dirname(root)))
    if depth_inside(temporary) > in_repository:
        return "$TMPDIR/" + os.path.relpath(path, temporary)
    return os.path.relpath(path, root)


def machine_facts() -> dict:
    facts = {"python": platform.python_version(), "system": platform.system(), "machine": platform.machine(),
             "cpus": os.cpu_count()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        facts["cpu_model"] = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                                   if line.startswith("model name")), None)
        meminfo = Path("/proc/meminfo").read_text().split()
        facts["memory_gib"] = round(int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2, 1)
    except (OSError, ValueError):
        pass
    try:
        facts["load_average"] = [round(load, 2) for load in os.getloadavg()]
    except OSError:
        pass
    return facts


def _commit() -> str | None:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def record(benchmark: str, *, figures: dict, ratios: dict | None = None, argv: list[str] | None = None,
           notes: str = "", directory: Path | None = None, now: datetime | None = None) -> Path:
    """Write one run's result file and return its path.

    ``figures`` and ``ratios``: ``{name: value or {"value", "unit", "target", "met"}}`` in display order.
    ``argv`` defaults to this process's command line.
    """
    now = now or datetime.now(UTC)
    argv = list(sys.argv if argv is None else argv)
    command = " ".join([".venv/bin/python", *(portable_argument(a) for a in argv)])
    result = {
        "schema": SCHEMA_VERSION,
        "benchmark": benchmark,
        "measured_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": "run",
        "command": command,
        "commit": _commit(),
        "machine": machine_facts(),
        "figures": {name: _figure(value) for name, value in (PENDING | figures).items()},
        "ratios": {name: _figure(value) for name, value in (ratios or {}).items()},
        "notes": notes,
    }
    directory = directory or RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{benchmark}-{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"result written to {os.path.relpath(path, ROOT)} (run docs/gen_reference.py to update the docs)")
    return path


def load_all(directory: Path | None = None) -> list[dict]:
    """Every result file, oldest first."""
    results = [json.loads(path.read_text()) for path in sorted((directory or RESULTS_DIR).glob("*.json"))]
    return sorted(results, key=lambda result: (result["measured_at"], result["benchmark"]))


def latest(directory: Path | None = None) -> dict[str, dict]:
    """The newest result of each benchmark, by benchmark name."""
    newest: dict[str, dict] = {}
    for result in load_all(directory):
        newest[result["benchmark"]] = result
    return newest
