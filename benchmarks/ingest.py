"""Interaction ingest at scale: the file importer against a raw psycopg COPY of the same rows.

Run (PostgreSQL only; use a database of its own whose name contains "bench": it is emptied, then migrated):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reelboard_bench REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python benchmarks/ingest.py --rows 1000000 --large-rows 4000000

1. Generates ``--rows`` reelboard rows (then a file a quarter that size, and with ``--large-rows`` a
   larger one) into a temp directory.
2. Imports each file into a fresh brand through ``import_file`` (the ``import_interactions`` code path),
   each in its own child process, so each reports its own peak memory (ru_maxrss): equal peaks for
   larger files show that memory is flat (every file spans many chunks of CHUNK_ROWS records: the
   importer holds at most the chunk being validated and the chunk being written, whatever the file size).
3. COPYs the same rows, already resolved to ids, into an empty table created ``LIKE marketing_interaction
   INCLUDING ALL`` (same columns, constraints and indexes): the database's ceiling.
4. Starts a real HTTP server (gunicorn, ``reelboard.wsgi``, on a free local port, same database) and
   POSTs ``ingestInteractions`` mutations to ``/graphql`` with an editor's bearer token, in batches of
   1,000 events, from ``--http-clients`` keep-alive connections; events/s counts accepted events over
   the wall time of all requests (request bodies are encoded before the clock starts).
Targets: import >= 0.5 x raw COPY and >= 100k rows/s; GraphQL ingest >= 10,000 events/s; peak memory
flat in the file size (< 300 MB).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")
os.environ.setdefault("VIEWER_ID_HMAC_KEY", "benchmark-only-viewer-id-key")  # a database needs a dedicated key
os.environ.setdefault("AD_CREDENTIALS_KEY", "benchmark-only-ad-credentials-key")

import django  # noqa: E402

django.setup()

from reelboard.celery import app as celery_app  # noqa: E402

# Measure ingestion, not the rollup refresh it triggers: the task is queued (Redis, or the in-memory
# broker without REDIS_URL), never run in-process.
celery_app.conf.task_always_eager = False

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from results import record  # noqa: E402
from strawberry.relay import to_base64  # noqa: E402

from marketing.ingestion import import_file  # noqa: E402
from marketing.models import (  # noqa: E402
    ApiToken,
    Brand,
    Interaction,
    Platform,
    Role,
    Video,
    Viewer,
    hash_token,
    pseudonymise_viewer_id,
)

HEADER = "event_id,platform,viewer_id,video_external_id,campaign_id,kind,watch_ms,value,currency,occurred_at\n"
KINDS = ["impression"] * 50 + ["view"] * 35 + ["like"] * 8 + ["click"] * 4 + ["share", "purchase", "comment"]
N_VIDEOS = 2_000
NULL = "\\N"  # COPY text format
SHANGHAI = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 1, 1, tzinfo=UTC)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def load() -> str:
    """The machine's load averages (1, 5, 15 min): the cores are shared, so every figure says how busy."""
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


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


MUTATION = """mutation($b: ID!, $events: [InteractionEventInput!]!) {
  ingestInteractions(brandId: $b, events: $events) { accepted duplicates rejected errors { code message } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, workers: int) -> subprocess.Popen:
    """gunicorn serving reelboard.wsgi on ``port`` against this process's database; waits until it answers."""
    env = dict(os.environ, DEBUG="false", GRAPHQL_GRAPHIQL="false", LOG_LEVEL="WARNING")
    if not settings.REDIS_URL:  # no broker: queue the rollup refresh in memory, never run it in the request
        env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "reelboard.wsgi:application", "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "gthread", "--timeout", "120",
         "--log-level", "warning"],
        cwd=ROOT, env=env,
    )
    deadline = time.monotonic() + 180  # a loaded shared machine has taken over 60 s to boot the workers
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health/live")
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not answer /health/live within 180 s")


def post_batches(port: int, token: str, bodies: list[bytes], results: list) -> None:
    """POST each body on one keep-alive connection; append (accepted, duplicates, rejected) per response."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    try:
        for body in bodies:
            conn.request("POST", "/graphql", body=body, headers=headers)
            response = conn.getresponse()
            payload = json.loads(response.read())
            if response.status != 200 or payload.get("errors") or payload["data"]["ingestInteractions"]["errors"]:
                raise RuntimeError(f"HTTP {response.status}: {str(payload)[:500]}")
            data = payload["data"]["ingestInteractions"]
            results.append((data["accepted"], data["duplicates"], data["rejected"]))
    except Exception as exc:  # reported by the caller
        results.append(exc)
    finally:
        conn.close()


def graphql_http_rate(brand: Brand, n: int, *, batch: int, clients: int, workers: int) -> tuple[float, float]:
    """(events/s, seconds) of ``n`` events POSTed to /graphql in batches of ``batch`` by ``clients`` connections."""
    raw_token = ApiToken.generate_raw()
    ApiToken.objects.create(brand=brand, role=Role.EDITOR, name="ingest benchmark", prefix=raw_token[:12],
                            token_hash=hash_token(raw_token))
    brand_gid = to_base64("Brand", brand.pk)

    def body(events: list[dict]) -> bytes:
        return json.dumps({"query": MUTATION, "variables": {"b": brand_gid, "events": events}}).encode()

    def event(event_id, viewer, video, kind, watch, value, at) -> dict:
        item = {"eventId": f"http-{event_id}", "platform": "douyin", "viewerId": f"user-{viewer}",
                "videoExternalId": f"vid-{video}", "kind": kind.upper(), "occurredAt": at.isoformat()}
        if watch is not None:
            item["watchMs"] = watch
        if value is not None:
            item |= {"value": value, "currency": "CNY"}
        return item

    events = [event(*row) for row in rows(n, 7, "api")]
    warmup = [event(*row) for row in rows(batch, 8, "warm")]
    bodies = [body(events[start:start + batch]) for start in range(0, n, batch)]
    port = free_port()
    server = start_server(port, workers)
    try:
        for _ in range(workers):  # each worker loads the schema on its first request: not measured
            post_batches(port, raw_token, [body(warmup)], warm := [])
            if isinstance(warm[0], Exception):
                raise warm[0]
        results: list = []
        threads = [threading.Thread(target=post_batches, args=(port, raw_token, bodies[i::clients], results))
                   for i in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    failures = [r for r in results if isinstance(r, Exception)]
    if failures:
        raise failures[0]
    accepted = sum(r[0] for r in results)
    assert accepted == n and not any(r[1] or r[2] for r in results), results[:5]
    stored = Interaction.objects.filter(brand=brand, event_id__startswith="http-api-").count()
    assert stored == n, stored
    return n / seconds, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--api-rows", type=int, default=100_000, help="events sent to /graphql")
    parser.add_argument("--api-batch", type=int, default=1_000, help="events per ingestInteractions call")
    parser.add_argument("--http-clients", type=int, default=2, help="concurrent keep-alive connections")
    parser.add_argument("--http-workers", type=int, default=2, help="gunicorn gthread workers (1 thread each)")
    parser.add_argument("--large-rows", type=int, default=0,
                        help="also import a file this large (peak memory only; 10,000,000 rows ~ 1 GB)")
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
    print(f"ingest benchmark, {os.cpu_count()} cores, {load()} at start", flush=True)
    with connection.cursor() as cursor:  # start from empty tables, like the raw COPY's fresh table
        cursor.execute("TRUNCATE marketing_brand CASCADE")
    run = datetime.now().strftime("%Y%m%d%H%M%S")
    # The measured import first (into empty tables, like the raw COPY), then the files for the memory series.
    sizes = [("big", args.rows), ("small", max(args.rows // 4, 1))]
    if args.large_rows:
        sizes.append(("large", args.large_rows))
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed, (label, n) in enumerate(sizes, start=1):
            path = Path(tmp) / f"{label}.csv"
            t0 = time.perf_counter()
            write_csv(path, n, seed, f"{label[0]}{run}")
            size_mb = path.stat().st_size / 1e6
            generated = time.perf_counter() - t0
            slug = f"bench-{label}-{run}"
            fresh_brand(slug)
            results[label] = result = run_child(path, slug) | {"mb": size_mb, "rows": n}
            path.unlink()
            assert result["inserted"] == n and result["rejected"] == 0, result
            print(f"import {n:>10,} rows ({size_mb:5.0f} MB file, generated in {generated:4.1f} s): "
                  f"{result['seconds']:6.1f} s, {n / result['seconds']:>9,.0f} rows/s, "
                  f"peak memory {result['peak_mb']:.0f} MB ({load()} after)", flush=True)
    big_brand = Brand.objects.get(slug=f"bench-big-{run}")
    import_rate = args.rows / results["big"]["seconds"]
    for with_fks, label in ((False, "LIKE-table (indexes + checks, no foreign keys)"),
                            (True, "LIKE-table + the same 4 deferred foreign keys")):
        copy_seconds = raw_copy(args.rows, 1, f"r{run}", brand=big_brand, with_foreign_keys=with_fks)
        copy_rate = args.rows / copy_seconds
        print(f"raw COPY {args.rows:,} rows into an empty {label}: {copy_seconds:.1f} s, {copy_rate:,.0f} rows/s; "
              f"import / raw COPY = {import_rate / copy_rate:.2f} ({load()} after)", flush=True)
    print(f"targets: import / raw COPY >= 0.5; import >= 100,000 rows/s (measured {import_rate:,.0f})")
    series = sorted(results.values(), key=lambda r: r["mb"])
    print("peak memory by file size: " + ", ".join(f"{r['mb']:.0f} MB file -> {r['peak_mb']:.0f} MB" for r in series)
          + " (target: flat, < 300 MB)")
    brand = fresh_brand(f"bench-api-{run}")
    rate, seconds = graphql_http_rate(brand, args.api_rows, batch=args.api_batch, clients=args.http_clients,
                                      workers=args.http_workers)
    print(f"GraphQL ingestInteractions over HTTP (gunicorn, {args.http_workers} gthread workers, "
          f"{args.http_clients} client connections, bearer token), batches of {args.api_batch:,}: "
          f"{args.api_rows:,} events in {seconds:.1f} s, {rate:,.0f} events/s (target >= 10,000) ({load()} after)")
    record("ingest", figures={
        f"import, {args.rows:,} rows": {"value": round(import_rate), "unit": "rows/s", "target": ">= 100,000",
                                        "met": import_rate >= 100_000},
        "raw COPY into the identical table (with its 4 foreign keys)": {"value": round(copy_rate), "unit": "rows/s"},
        **{f"peak memory, {r['mb']:.0f} MB file": {"value": round(r["peak_mb"]), "unit": "MB", "target": "< 300",
                                                    "met": r["peak_mb"] < 300} for r in series},
        "GraphQL ingestInteractions over HTTP": {"value": round(rate), "unit": "events/s", "target": ">= 10,000",
                                                 "met": rate >= 10_000},
    }, ratios={"import / raw COPY": {"value": round(import_rate / copy_rate, 2), "target": ">= 0.5",
                                     "met": import_rate / copy_rate >= 0.5}})


if __name__ == "__main__":
    main()
