"""Interaction ingest at scale: the file importer against a raw psycopg COPY of the same rows.

Run (PostgreSQL only; use a database of its own, it is migrated first):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helper_ingest_bench \
        uv run python benchmarks/ingest.py --rows 1000000

1. Generates ``--rows`` reelboard rows (and a file a quarter that size) into a temp directory.
2. Imports each file into a fresh brand through ``import_file`` (the ``import_interactions`` code path),
   each in its own child process, so each reports its own peak memory (ru_maxrss): equal peaks for a
   4x larger file show that memory is flat (both files span several 100k-row chunks: the importer
   holds at most the chunk being validated and the chunk being written, whatever the file size).
3. COPYs the same rows, already resolved to ids, into an empty table created ``LIKE marketing_interaction
   INCLUDING ALL`` (same columns, constraints and indexes): the database's ceiling.
4. Calls ``ingest_events`` in-process in batches of 1,000.
Targets: import >= 0.5 x raw COPY and >= 100k rows/s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing.settings")

import django  # noqa: E402

django.setup()

from marketing.celery import app as celery_app  # noqa: E402

# Measure ingestion, not the rollup refresh it triggers: the task is queued (Redis, or the in-memory
# broker without REDIS_URL), never run in-process.
celery_app.conf.task_always_eager = False

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from marketing.auth import Principal  # noqa: E402
from marketing.ingestion import import_file, ingest_events  # noqa: E402
from marketing.models import Brand, Platform, Video, Viewer, pseudonymise_viewer_id  # noqa: E402

HEADER = "event_id,platform,viewer_id,video_external_id,campaign_id,kind,watch_ms,value,currency,occurred_at\n"
KINDS = ["impression"] * 50 + ["view"] * 35 + ["like"] * 8 + ["click"] * 4 + ["share", "purchase", "comment"]
N_VIDEOS = 2_000
NULL = "\\N"  # COPY text format
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 1, tzinfo=UTC)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def rows(n: int, seed: int, tag: str):
    """(event_id, viewer index, video index, kind, watch_ms, value, occurred_at) for ``n`` synthetic events."""
    rng = random.Random(seed)
    viewers = max(n // 10, 1)
    for i in range(n):
        kind = rng.choice(KINDS)
        yield (f"{tag}-{i}", rng.randrange(viewers), rng.randrange(N_VIDEOS), kind,
               rng.randrange(100, 60_000) if kind == "view" else None,
               f"{rng.randrange(100, 50_000) / 100:.2f}" if kind == "purchase" else None,
               START + timedelta(seconds=i * 3))


def write_csv(path: Path, n: int, seed: int, tag: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(HEADER)
        for event_id, viewer, video, kind, watch, value, at in rows(n, seed, tag):
            out.write(f"{event_id},douyin,user-{viewer},vid-{video},,{kind},{'' if watch is None else watch},"
                      f"{'' if value is None else value},{'CNY' if value else ''},"
                      f"{at.astimezone(SHANGHAI).isoformat()}\n")



def fresh_brand(slug: str) -> Brand:
    brand = Brand.objects.create(name=slug, slug=slug)
    douyin = Platform.objects.get(code="douyin")
    Video.objects.bulk_create(
        [Video(brand=brand, platform=douyin, external_id=f"vid-{i}", title=f"Video {i}", duration_ms=30_000,
               moderation_status="approved") for i in range(N_VIDEOS)],
        batch_size=1000,
    )
    return brand


def child_import(path: str, slug: str) -> None:
    brand = Brand.objects.get(slug=slug)
    summary = import_file(path=path, brand=brand)
    print(json.dumps({"read": summary.read, "inserted": summary.inserted, "rejected": summary.rejected,
                      "seconds": summary.seconds, "peak_mb": peak_mb()}))


def run_child(path: Path, slug: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child-import", str(path), "--brand", slug],
                         check=True, capture_output=True, text=True, env=os.environ)
    return json.loads(out.stdout.strip().splitlines()[-1])


def raw_copy(n: int, seed: int, tag: str, *, brand: Brand, with_foreign_keys: bool) -> float:
    """Seconds to COPY ``n`` rows resolved to ids into an empty LIKE-table (data prepared beforehand).

    ``LIKE ... INCLUDING ALL`` copies columns, checks and indexes but not foreign keys; with
    ``with_foreign_keys`` the table also gets marketing_interaction's four deferred foreign keys (checked at
    commit, as for the importer) and the rows point at ``brand``'s real viewers and videos.
    """
    viewer_ids = {key: pk for key, pk in Viewer.objects.filter(brand=brand).values_list("viewer_key", "pk")}
    video_ids = dict(Video.objects.filter(brand=brand).values_list("external_id", "pk"))
    # .get: a viewer index the random draw never used has no row, and no event points at it
    viewer_pk = [viewer_ids.get(pseudonymise_viewer_id(brand_id=brand.pk, platform_code="douyin", raw_id=f"user-{i}"))
                 for i in range(max(n // 10, 1))]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_interaction")
        cursor.execute("CREATE TABLE bench_raw_interaction (LIKE marketing_interaction INCLUDING ALL)")
        if with_foreign_keys:
            for column, target in (("brand_id", "marketing_brand"), ("viewer_id", "marketing_viewer"),
                                   ("video_id", "marketing_video"), ("campaign_id", "marketing_campaign")):
                cursor.execute(f"ALTER TABLE bench_raw_interaction ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                               "DEFERRABLE INITIALLY DEFERRED")
    now = datetime.now(UTC).isoformat()
    lines = []
    for event_id, viewer, video, kind, watch, value, at in rows(n, seed, tag):
        watch_text = NULL if watch is None else watch
        value_text = NULL if value is None else value
        lines.append(f"{brand.pk}\t{event_id}\t{viewer_pk[viewer]}\t{video_ids[f'vid-{video}']}\t{NULL}\t{kind}\t"
                     f"{watch_text}\t{value_text}\t{'CNY' if value else ''}\t{at.isoformat()}\t{now}\n")
    payload = "".join(lines).encode()
    del lines
    raw = connection.connection
    started = time.perf_counter()
    with raw.cursor() as cursor:
        with cursor.copy("COPY bench_raw_interaction (brand_id, event_id, viewer_id, video_id, campaign_id, kind, "
                         "watch_ms, value, currency, occurred_at, ingested_at) FROM STDIN") as copy:
            block = 1 << 20
            for start in range(0, len(payload), block):
                copy.write(payload[start:start + block])
    raw.commit()  # deferred foreign keys are checked here
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_interaction")
    return seconds


def api_rate(brand: Brand, n: int) -> float:
    principal = Principal(user=None, is_global=True, token=object())  # an operator: every brand
    events = [{"event_id": f"api-{event_id}", "platform": "douyin", "viewer_id": f"user-{viewer}",
               "video_external_id": f"vid-{video}", "kind": kind, "watch_ms": watch, "value": value,
               "currency": "CNY" if value else "", "occurred_at": at.isoformat()}
              for event_id, viewer, video, kind, watch, value, at in rows(n, 7, "api")]
    started = time.perf_counter()
    accepted = 0
    for start in range(0, n, 1000):
        accepted += ingest_events(principal=principal, brand_id=brand.pk, events=events[start:start + 1000]).accepted
    seconds = time.perf_counter() - started
    assert accepted == n, accepted
    return n / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--api-rows", type=int, default=100_000)
    parser.add_argument("--child-import")
    parser.add_argument("--brand")
    args = parser.parse_args()
    if args.child_import:
        child_import(args.child_import, args.brand)
        return
    if not settings.IS_POSTGRES:
        sys.exit("benchmarks/ingest.py needs DATABASE_URL on PostgreSQL (a database of its own).")
    database = settings.DATABASES["default"]["NAME"]
    if "bench" not in database:
        sys.exit(f"refusing to run on {database!r}: the benchmark empties its database; use one named *bench*.")
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:  # start from empty tables, like the raw COPY's fresh table
        cursor.execute("TRUNCATE marketing_brand CASCADE")
    run = datetime.now().strftime("%Y%m%d%H%M%S")
    small_n = max(args.rows // 4, 1)
    with tempfile.TemporaryDirectory() as tmp:
        big, small = Path(tmp) / "big.csv", Path(tmp) / "small.csv"
        t0 = time.perf_counter()
        write_csv(big, args.rows, 1, f"b{run}")
        write_csv(small, small_n, 2, f"s{run}")
        print(f"generated {args.rows:,} + {small_n:,} rows in {time.perf_counter() - t0:.1f} s "
              f"({big.stat().st_size / 1e6:.0f} MB + {small.stat().st_size / 1e6:.0f} MB)")
        results = {}
        for label, path, n in (("big", big, args.rows), ("small", small, small_n)):
            slug = f"bench-{label}-{run}"
            fresh_brand(slug)
            results[label] = result = run_child(path, slug)
            assert result["inserted"] == n and result["rejected"] == 0, result
            print(f"import {n:>9,} rows ({path.stat().st_size / 1e6:5.0f} MB): {result['seconds']:6.1f} s, "
                  f"{n / result['seconds']:>9,.0f} rows/s, peak memory {result['peak_mb']:.0f} MB")
    big_brand = Brand.objects.get(slug=f"bench-big-{run}")
    import_rate = args.rows / results["big"]["seconds"]
    for with_fks, label in ((False, "LIKE-table (indexes + checks, no foreign keys)"),
                            (True, "LIKE-table + the same 4 deferred foreign keys")):
        copy_seconds = raw_copy(args.rows, 1, f"r{run}", brand=big_brand, with_foreign_keys=with_fks)
        copy_rate = args.rows / copy_seconds
        print(f"raw COPY {args.rows:,} rows into an empty {label}: {copy_seconds:.1f} s, {copy_rate:,.0f} rows/s; "
              f"import / raw COPY = {import_rate / copy_rate:.2f}")
    print(f"targets: import / raw COPY >= 0.5; import >= 100,000 rows/s (measured {import_rate:,.0f})")
    print(f"peak memory small vs big file: {results['small']['peak_mb']:.0f} MB vs {results['big']['peak_mb']:.0f} MB")
    brand = fresh_brand(f"bench-api-{run}")
    rate = api_rate(brand, args.api_rows)
    print(f"ingest_events in batches of 1,000: {args.api_rows:,} events, {rate:,.0f} events/s")


if __name__ == "__main__":
    main()
