"""Cost of logging served lists, per request, in-process (issue 20: p95 <= 1 ms).

Run (PostgreSQL; the database name must contain "bench"):

    createdb -h 127.0.0.1 -U postgres rl_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rl_bench .venv/bin/python benchmarks/served_log.py [--quick]

Times ``recommendations.served.log_served`` as the serving path calls it, for lists of 20 videos:

1. buffered (production): the call appends to the in-process buffer while the background thread
   writes batches with ``bulk_create`` into the database at the same time;
2. baseline, same run: a synchronous insert per list (``RECOMMENDATION_SERVED_LOG_SYNC``), what
   logging on the request path would cost.

Prints p50/p95/p99 of both and their ratio, checks that every list reached the database, and records
the figures (``benchmarks/results/served_log-*.json``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")
os.environ.setdefault("VIEWER_ID_HMAC_KEY", "benchmark-only-viewer-id-key")

from results import record  # noqa: E402


def percentiles(samples_s: list[float]) -> dict:
    ms = np.array(samples_s) * 1000
    return {q: float(np.percentile(ms, q)) for q in (50, 95, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--quick", action="store_true", help="2,000 calls")
    args = parser.parse_args()
    calls = 2_000 if args.quick else args.calls

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if "bench" not in connection.settings_dict["NAME"] and connection.vendor == "postgresql":
        sys.exit("The database name must contain 'bench'.")
    call_command("migrate", verbosity=0)
    from marketing.models import Brand, Platform, Viewer
    from recommendations import served
    from recommendations.models import ServedList

    brand, _ = Brand.objects.get_or_create(slug="served-log-bench", defaults={"name": "Served-log bench"})
    platform = Platform.objects.get_or_create(code="douyin", defaults={"name": "Douyin"})[0]
    viewer, _ = Viewer.objects.get_or_create(brand=brand, platform=platform, viewer_key="bench-viewer")
    ServedList.objects.filter(brand=brand).delete()
    video_ids = list(range(1_000_000, 1_000_020))

    def timed(n: int) -> list[float]:
        samples = []
        for _ in range(n):
            start = time.perf_counter()
            served.log_served(brand_id=brand.pk, viewer_id=viewer.pk, model_version=3, surface="feed",
                              video_ids=video_ids)
            samples.append(time.perf_counter() - start)
        return samples

    settings.RECOMMENDATION_SERVED_LOG_SYNC = False
    settings.RECOMMENDATION_SERVED_LOG_FLUSH_SECONDS = 0.2
    buffered = timed(calls)
    deadline = time.time() + 30
    while served._buffer and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    settings.RECOMMENDATION_SERVED_LOG_SYNC = True
    baseline = timed(max(calls // 10, 200))
    stored = ServedList.objects.filter(brand=brand).count()
    expected = calls + max(calls // 10, 200)
    p_buf, p_sync = percentiles(buffered), percentiles(baseline)
    print(f"{connection.vendor}, {calls} buffered calls, {len(baseline)} synchronous ones, lists of 20 videos")
    print(f"buffered log_served:   p50 {p_buf[50]:.4f} ms  p95 {p_buf[95]:.4f} ms  p99 {p_buf[99]:.4f} ms")
    print(f"synchronous insert:    p50 {p_sync[50]:.4f} ms  p95 {p_sync[95]:.4f} ms  p99 {p_sync[99]:.4f} ms")
    print(f"p95 ratio buffered / synchronous: {p_buf[95] / p_sync[95]:.2e}; lists stored {stored} of {expected}")
    ServedList.objects.filter(brand=brand).delete()
    record("served_log", figures={
        "calls": calls, "database": connection.vendor,
        "buffered_p50_ms": {"value": round(p_buf[50], 4), "unit": "ms"},
        "buffered_p95_ms": {"value": round(p_buf[95], 4), "unit": "ms", "target": "<= 1", "met": p_buf[95] <= 1},
        "buffered_p99_ms": {"value": round(p_buf[99], 4), "unit": "ms"},
        "synchronous_p50_ms": {"value": round(p_sync[50], 4), "unit": "ms"},
        "synchronous_p95_ms": {"value": round(p_sync[95], 4), "unit": "ms"},
        "lists_stored": {"value": stored, "target": f"== {expected}", "met": stored == expected},
    }, ratios={"p95 buffered / synchronous": round(p_buf[95] / p_sync[95], 6)})


if __name__ == "__main__":
    main()
