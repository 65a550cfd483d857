"""The WSGI entry point loads the whole app (URLconf, GraphQL schema) and freezes it out of the GC's sight."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wsgi_module_imports_the_schema_then_freezes_the_startup_heap():
    # A child process: freezing this test process's heap would keep its garbage alive.
    out = subprocess.run(
        [sys.executable, "-c", "import gc, sys; import reelboard.wsgi; "
         "print(gc.get_freeze_count() > 10_000, 'reelboard.graphql.schema' in sys.modules, gc.isenabled())"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "True"]
