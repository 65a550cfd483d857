"""The generated docs pages (docs/gen_reference.py) are current, and the settings parser reads what it should."""

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = ".venv/bin/python docs/gen_reference.py"


@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "docs" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_every_generated_page_is_current(gen):
    stale = gen.stale_pages()
    assert not stale, (f"stale generated docs pages: {', '.join('docs/' + p for p in stale)}. "
                       f"Regenerate them with `{REGENERATE}` and commit the result.")


def test_a_changed_page_is_reported_stale(gen, tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    page = docs / "reference" / "kpis.md"
    page.write_text(page.read_text().replace("Impressions", "Impresions", 1))
    (docs / "reference" / "commands.md").unlink()
    assert gen.stale_pages(docs) == ["reference/kpis.md", "reference/commands.md"]


def test_the_kpi_page_lists_every_kpi_of_the_dictionary(gen):
    from analytics.kpis import KPIS, PLATFORM_KPIS

    rows = [line for line in gen.kpis_page().splitlines() if line.startswith("| ") and "(`" in line]
    # each table's header row names the column "KPI (`name`)": the first-party table, then the platform one
    assert [row.split("(`", 1)[1].split("`)", 1)[0] for row in rows] == [
        "name", *[kpi.name for kpi in KPIS], "name", *[kpi.name for kpi in PLATFORM_KPIS]]


SETTINGS_SOURCE = '''
env = environ.Env()
# Which world this is.
MODE = env.str("MODE", default="development")
DEBUG = env.bool("DEBUG", default=False)

# --- Limits ----------------
# Events per batch,
# at most.
MAX_EVENTS = env.int("MAX_EVENTS", default=5 * 1000)  # a hard cap
CACHES = {
    "default": {"OPTIONS": {"MAX_ENTRIES": env.int("CACHE_SIZE", default=1000)}},
}
if env.bool("BEHIND_PROXY", default=False):  # TLS ends at the proxy
    HEADER = ("X", "https")
NOT_A_SETTING = other.str("NOPE", default="x")
'''


def test_the_settings_parser_reads_names_types_defaults_sections_and_comments(gen):
    entries = [{key: entry[key] for key in ("name", "type", "default", "section", "description")}
               for entry in gen.settings_entries(SETTINGS_SOURCE)]
    assert entries == [
        {"name": "MODE", "type": "str", "default": '"development"', "section": "General",
         "description": "Which world this is."},
        {"name": "DEBUG", "type": "bool", "default": "False", "section": "General", "description": ""},
        {"name": "MAX_EVENTS", "type": "int", "default": "5 * 1000", "section": "Limits",
         "description": "Events per batch, at most. a hard cap"},
        {"name": "CACHE_SIZE", "type": "int", "default": "1000", "section": "Limits", "description": ""},
        {"name": "BEHIND_PROXY", "type": "bool", "default": "False", "section": "Limits",
         "description": "TLS ends at the proxy"},
    ]


def test_every_setting_of_the_settings_module_is_on_the_page(gen):
    source = (ROOT / "reelboard" / "settings.py").read_text()
    page = gen.settings_page()
    names = [entry["name"] for entry in gen.settings_entries(source)]
    assert "REELBOARD_DATASETS_DIR" in names and "DATABASE_URL" in names
    assert [name for name in names if f"| `{name}` |" not in page] == []


def test_the_commands_page_documents_the_projects_commands_only(gen):
    page = gen.commands_page()
    headings = [line[4:-1] for line in page.splitlines() if line.startswith("## `")]
    assert headings == sorted(["apply_retention", "bootstrap_demo", "catalogues", "erase_viewer", "evaluate_compliance",
                               "evaluate_recommenders", "graphql_schema", "import_interactions", "import_platform_report",
                               "partition_interactions", "recompute_rollups", "rescreen_videos", "seed_ad_platforms",
                               "seed_demo",
                               "send_report", "sync_platform_reports"])
    assert "| `--chunk-rows CHUNK_ROWS` |  | `50000` | Records per chunk (memory vs speed; 50,000). |" in page
