"""benchmarks/results.py: every benchmark's run becomes a dated JSON file, and the docs render the newest."""

import importlib.util
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def results():
    module = load("results", ROOT / "benchmarks" / "results.py")  # the name the benchmarks import it by
    yield module
    module.PENDING.clear()
    del sys.modules["results"]


def test_record_writes_a_dated_portable_file(results, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # a temporary folder apart from the checkout's parent
    results.PENDING["full recompute"] = {"value": 118.9, "unit": "s"}
    argv = [str(ROOT / "benchmarks" / "kpis.py"), "--path", str(ROOT.parent / "shared" / "datasets" / "ml-100k"),
            "--media", str(Path(tempfile.gettempdir()) / "bench-media"), "--events", "1000"]
    path = results.record("kpis", figures={"p95": {"value": 44.6, "unit": "ms", "target": "<= 50", "met": True},
                                           "rows": 18000},
                          ratios={"GraphQL / SQL": 1.19}, argv=argv, directory=tmp_path,
                          now=datetime(2026, 12, 2, 9, 30, 5, tzinfo=UTC))
    assert path == tmp_path / "kpis-20261202T093005Z.json"
    result = json.loads(path.read_text())
    assert result["command"] == (".venv/bin/python benchmarks/kpis.py --path ../shared/datasets/ml-100k "
                                 "--media $TMPDIR/bench-media --events 1000")
    assert (result["benchmark"], result["measured_at"], result["source"]) == ("kpis", "2026-12-02T09:30:05Z", "run")
    assert result["figures"] == {"full recompute": {"value": 118.9, "unit": "s"},
                                 "p95": {"value": 44.6, "unit": "ms", "target": "<= 50", "met": True},
                                 "rows": {"value": 18000}}
    assert result["ratios"] == {"GraphQL / SQL": {"value": 1.19}}
    assert result["machine"]["cpus"] >= 1 and result["machine"]["python"].startswith("3.11")


def test_latest_keeps_the_newest_result_of_each_benchmark(results, tmp_path):
    for benchmark, day, value in (("ingest", 1, 10), ("ingest", 3, 30), ("ingest", 2, 20), ("kpis", 1, 5)):
        results.record(benchmark, figures={"x": value}, argv=["b.py"], directory=tmp_path,
                       now=datetime(2026, 12, day, tzinfo=UTC))
    newest = results.latest(tmp_path)
    assert {name: r["figures"]["x"]["value"] for name, r in newest.items()} == {"ingest": 30, "kpis": 5}


def test_the_results_page_renders_the_newest_table(results, tmp_path):
    gen = load("gen_reference_for_results", ROOT / "docs" / "gen_reference.py")
    results.record("ingest", figures={"import": {"value": 30742, "unit": "rows/s", "target": ">= 100,000",
                                                 "met": False}},
                   ratios={"import / COPY": {"value": 0.63, "target": ">= 0.5", "met": True}},
                   argv=["benchmarks/ingest.py", "--rows", "1000000"], directory=tmp_path,
                   now=datetime(2026, 12, 2, tzinfo=UTC))
    page = gen.results_page(tmp_path)
    assert "## ingest" in page
    assert "- command: `.venv/bin/python benchmarks/ingest.py --rows 1000000`" in page
    assert "| import | 30,742 rows/s | >= 100,000 | **missed** |" in page
    assert "| import / COPY | 0.63 | >= 0.5 | met |" in page


def test_every_benchmark_script_records_its_results():
    scripts = ["faults", "fuzz_graphql", "ingest", "kpis", "load_graphql", "personas_ml100k", "personas_scale",
               "recommenders_ml100k", "recommenders_speed"]
    missing = [name for name in scripts
               if f'record("{name}"' not in (ROOT / "benchmarks" / f"{name}.py").read_text()]
    assert missing == []


def test_the_committed_results_are_valid_and_portable():
    files = sorted((ROOT / "benchmarks" / "results").glob("*.json"))
    assert files
    for path in files:
        result = json.loads(path.read_text())
        assert path.name.startswith(result["benchmark"] + "-")
        assert result["command"].startswith(".venv/bin/python ")
        assert result["figures"] and all("value" in figure for figure in result["figures"].values())
