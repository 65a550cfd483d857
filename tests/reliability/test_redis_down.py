"""Redis unreachable: queueing the rollup refresh after an ingest fails fast instead of holding the request.

Found by benchmarks/faults.py: with the broker down, ``.delay()`` waited ~19 s on the result backend's
default reconnect policy before failing, so every ingest request took 19 s (the events were stored). The
settings now bound that wait (``CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS``, 2 s). Runs in a subprocess so
that this process's Celery app keeps its configuration.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import time
from datetime import UTC, datetime
import django
django.setup()
from marketing.ingestion.services import enqueue_rollup_refresh
now = datetime(2026, 1, 1, tzinfo=UTC)
started = time.monotonic()
enqueue_rollup_refresh(1, now, now)
print(f"ELAPSED {time.monotonic() - started:.2f}")
"""


def test_enqueue_with_redis_unreachable_gives_up_within_seconds_and_logs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DJANGO_SETTINGS_MODULE="reelboard.settings", REDIS_URL="redis://127.0.0.1:1/0",
               CELERY_TASK_ALWAYS_EAGER="false", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               LOG_FORMAT="plain")
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    elapsed = float(result.stdout.split("ELAPSED ")[1])
    assert elapsed < 6, f"enqueue took {elapsed:.1f} s with Redis down"
    assert "could not enqueue the rollup refresh for brand 1" in result.stderr
