"""Load on the production shape: 50 concurrent locust users for 60 s mixing KPI reads, recommendation
reads and ingest batches against gunicorn + PostgreSQL + Redis + a Celery worker.

    flock /tmp/reelboard-bench.lock .venv/bin/python benchmarks/load_graphql.py

Starts (and stops) a private redis-server (port 6392), gunicorn serving ``marketing.wsgi`` (port 8772,
``--workers`` gthread workers) and one Celery worker (the rollup refreshes the ingest batches queue), on the
seeded bench database ``h7_bench`` (created, migrated and seeded with ``seed_demo`` + ``bootstrap_demo``
when missing). ``RATELIMIT_ENABLE=false`` for this server: the limits are per IP and every locust user
comes from 127.0.0.1. Locust runs headless on the same 2-core machine (it takes CPU too).

Reports requests/s, p50/p95/p99 per operation (locust's figures), the error count, server tracebacks,
the RSS of gunicorn (master + workers) and of the worker sampled every 5 s from start to end, and checks
that every event of the successful ingest batches is stored exactly once.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_stack import (  # noqa: E402
    BIN,
    DEFAULT_BENCH_DB,
    ROOT,
    Stack,
    base_env,
    log,
    mint_token,
    prepare_bench_database,
    rss_mb,
)

READS = ("campaignKpis", "brandOverview", "recommendations", "similarVideos")


def psql(database_url: str, sql: str) -> str:
    return subprocess.run(["psql", database_url, "-tAc", sql], capture_output=True, text=True,
                          check=True).stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_BENCH_DB)
    parser.add_argument("--port", type=int, default=8772)
    parser.add_argument("--redis-port", type=int, default=6392)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn gthread workers")
    parser.add_argument("--batch", type=int, default=50, help="events per ingest batch")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of unreported warm-up load")
    parser.add_argument("--drain", type=int, default=120, help="seconds to wait for the rollup queue to empty")
    parser.add_argument("--log-dir", default=None)
    args = parser.parse_args()

    prepare_bench_database(args.database_url)
    token, brand_pk = mint_token(args.database_url)
    brand_gid = subprocess.run(
        [str(BIN / "python"), "-c", f"import strawberry; print(strawberry.relay.GlobalID('Brand', '{brand_pk}'))"],
        capture_output=True, text=True, check=True).stdout.strip()
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    env = base_env(args.database_url, redis_url, RATELIMIT_ENABLE="false", LOG_FORMAT="plain", LOG_LEVEL="WARNING")
    # The rollup refresh of every ingest batch rewrites whole days, leaving dead rows; start from a vacuumed
    # database so one run's leftovers do not slow the next (reported: autovacuum may be off on the cluster).
    autovacuum = psql(args.database_url, "SHOW autovacuum")
    for table in ("analytics_dailyrollup", "analytics_dailyviewerrollup", "marketing_interaction", "marketing_viewer"):
        psql(args.database_url, f"VACUUM ANALYZE {table}")
    stored_before = int(psql(args.database_url, "SELECT count(*) FROM marketing_interaction WHERE event_id LIKE 'load-%'"))

    with Stack(args.log_dir) as stack:
        stack.redis(args.redis_port)
        web = stack.web(env, args.port, workers=args.workers)
        worker = stack.worker(env, "load-worker@%h", concurrency=1)
        samples: list[tuple[float, float, float]] = []
        stop_sampling = threading.Event()

        def sample() -> None:
            started = time.monotonic()
            while not stop_sampling.is_set():
                samples.append((time.monotonic() - started, rss_mb(web.pid), rss_mb(worker.pid)))
                stop_sampling.wait(5)

        warmup_env = {**env, "RB_TOKEN": token, "RB_BRAND": brand_gid, "RB_INGEST_BATCH": str(args.batch),
                      "RB_RESULT_FILE": str(stack.log_dir / "warmup-ingested.json")}
        log(f"warm-up: 10 users for {args.warmup} s (not reported; loads code and models in every worker)")
        subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
                        "-u", "10", "-r", "10", "-t", f"{args.warmup}s", "--host", f"http://127.0.0.1:{args.port}",
                        "--only-summary", "--stop-timeout", "10"], env=warmup_env, capture_output=True, text=True)
        warm = json.loads((stack.log_dir / "warmup-ingested.json").read_text())
        log(f"locust: {args.users} users for {args.seconds} s against http://127.0.0.1:{args.port} "
            f"({args.workers} gunicorn workers); logs in {stack.log_dir}")
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        prefix = stack.log_dir / "load"
        locust_env = {**warmup_env, "RB_RESULT_FILE": str(stack.log_dir / "ingested.json")}
        run = subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.users), "-t", f"{args.seconds}s",
             "--host", f"http://127.0.0.1:{args.port}", "--csv", str(prefix), "--only-summary",
             "--stop-timeout", "10"],
            env=locust_env, capture_output=True, text=True)
        stop_sampling.set()
        sampler.join()
        samples.append((samples[-1][0] + 1, rss_mb(web.pid), rss_mb(worker.pid)))
        (stack.log_dir / "locust.txt").write_text(run.stdout + run.stderr)
        # Let the worker drain the rollup refreshes the batches queued, then count what is stored.
        def queued() -> int:
            return int(subprocess.run(["redis-cli", "-p", str(args.redis_port), "llen", "celery"],
                                      capture_output=True, text=True).stdout.strip() or 0)

        backlog, drain_started = queued(), time.monotonic()
        while time.monotonic() < drain_started + args.drain and queued():
            time.sleep(1)
        left, drain_seconds = queued(), time.monotonic() - drain_started
        server_log = (stack.log_dir / "web.log").read_text()

    with open(f"{prefix}_stats.csv", newline="") as handle:
        stats = {row["Name"]: row for row in csv.DictReader(handle)}
    failures_file = Path(f"{prefix}_failures.csv")
    failures = list(csv.DictReader(failures_file.open())) if failures_file.exists() else []
    measured = json.loads((stack.log_dir / "ingested.json").read_text())
    answered = {k: warm[k] + measured[k] for k in warm}
    stored = int(psql(args.database_url, "SELECT count(*) FROM marketing_interaction WHERE event_id LIKE 'load-%'"))
    new_events = stored - stored_before

    print(f"\n{'operation':<20}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'max ms':>8}")
    for name in (*READS, "ingestInteractions", "Aggregated"):
        row = stats[name]
        print(f"{name:<20}{row['Request Count']:>9}{row['Failure Count']:>9}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}{float(row['Max Response Time']):>8.0f}")
    total = stats["Aggregated"]
    reads_p95 = {name: int(stats[name]["95%"]) for name in READS}
    print(f"\nerrors: {total['Failure Count']} of {total['Request Count']} requests; server tracebacks: "
          f"{server_log.count('Traceback (most recent call last)')}")
    for failure in failures[:10]:
        print("  failure:", failure.get("Name"), failure.get("Occurrences"), failure.get("Error", "")[:200])
    first, last = samples[0], samples[-1]
    ten = next((s for s in samples if s[0] >= 10), first)
    print(f"gunicorn RSS (master + {args.workers} workers): start {first[1]:.0f} MB, after 10 s {ten[1]:.0f} MB, "
          f"end {last[1]:.0f} MB; celery worker RSS: start {first[2]:.0f} MB, end {last[2]:.0f} MB")
    print("RSS samples (s, web MB, worker MB):", json.dumps([(round(t), round(w), round(c)) for t, w, c in samples]))
    print(f"ingest (warm-up + run): {answered['batches']} batches answered, {answered['accepted']} events accepted, "
          f"{answered['duplicates']} duplicates; new 'load-' interactions stored: {new_events}")
    dead = psql(args.database_url, "SELECT string_agg(relname || ' ' || n_live_tup || ' live / ' || n_dead_tup || "
                "' dead', '; ') FROM pg_stat_user_tables WHERE relname LIKE 'analytics_daily%'")
    print(f"rollup refresh queue when the load stopped: {backlog} tasks; {left} left after {drain_seconds:.0f} s "
          "(1 worker process)")
    print(f"autovacuum on this cluster: {autovacuum}; rollup tables after the run: {dead}")
    print(f"reads p95 (ms): {reads_p95}; target < 100 ms: {'met' if max(reads_p95.values()) < 100 else 'MISSED'}")
    ok = int(total["Failure Count"]) == 0 and new_events == answered["accepted"]
    print("RESULT:", "PASS (zero errors, nothing lost)" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
