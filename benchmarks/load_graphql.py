"""Load on the production shape: 50 locust users for 60 s mixing KPI reads, recommendation reads and ingest
batches against gunicorn + PostgreSQL + Redis + a Celery worker.

    .venv/bin/python benchmarks/locked.py .venv/bin/python benchmarks/load_graphql.py [--capacity]

Starts (and stops) a private redis-server (port 6392), gunicorn serving ``reelboard.wsgi`` with the production
settings (``reelboard/gunicorn_config.py``; ``--workers`` processes, 1 thread each) and one Celery worker (the
rollup deltas the ingest batches queue), on the seeded bench database ``h7_bench`` (created, migrated and
seeded with ``seed_demo`` + ``bootstrap_demo`` when missing). ``RATELIMIT_ENABLE=false`` for this server: the
limits are per IP and every locust user comes from 127.0.0.1. Locust runs headless on the same 2-core machine
(it takes CPU too).

In order:

1. warm-up, not reported (10 users, 15 s: loads code and models in every worker);
2. service time alone: ``--service-requests`` requests of each operation from one client, one at a time;
3. the load: ``--users`` users for ``--seconds`` s, each waiting ``--think`` s (uniform, default 1-3 s: a
   marketer on a dashboard, a connector between batches; docs/architecture/reliability.md) between two requests;
4. with ``--capacity``: the same users with 0.05-0.3 s think time, a saturating closed loop whose throughput
   is the most the stack sustains (its latencies are queueing, not a target).

Reports for each run requests/s, the offered load, p50/p95/p99 per operation (locust's figures, client side),
the server-side p50/p95 (gunicorn access log), requests per gunicorn worker, the error count, server
tracebacks, the RSS of gunicorn (master + workers) and of the Celery worker sampled every 5 s, and checks that
every event of the successful ingest batches is stored exactly once.
"""

from __future__ import annotations

import argparse
import collections
import csv
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_operations import IDS_QUERY, INGEST_NAME, READS, ids_from, request  # noqa: E402
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
from results import record  # noqa: E402

OPERATIONS = (*READS, INGEST_NAME)
SATURATING_THINK = "0.05-0.3"


def psql(database_url: str, sql: str) -> str:
    return subprocess.run(["psql", database_url, "-tAc", sql], capture_output=True, text=True,
                          check=True).stdout.strip()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def mean_think(think: str) -> float:
    low, high = (float(s) for s in think.split("-"))
    return (low + high) / 2


def service_times(url: str, token: str, brand: str, *, requests_each: int,
                  batch: int) -> tuple[dict[str, list[float]], int]:
    """Each operation alone: ``requests_each`` requests from one client, one at a time (ms, client side),
    and the number of events its ingest batches stored."""
    session = requests.Session()
    headers = {"Authorization": f"Bearer {token}"}

    accepted = 0

    def post(query: str, variables: dict, rid: str) -> float:
        nonlocal accepted
        started = time.perf_counter()
        response = session.post(url, json={"query": query, "variables": variables},
                                headers={**headers, "X-Request-ID": rid}, timeout=30)
        elapsed = (time.perf_counter() - started) * 1000
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise RuntimeError(f"service-time request failed: {response.status_code} {str(body)[:300]}")
        accepted += (body["data"].get(INGEST_NAME) or {}).get("accepted") or 0
        return elapsed

    ids = ids_from(session.post(url, json={"query": IDS_QUERY}, headers=headers, timeout=30).json()["data"])
    times: dict[str, list[float]] = {}
    for name in OPERATIONS:
        times[name] = []
        for i in range(requests_each):
            times[name].append(post(*request(name, ids, brand=brand, batch=batch), f"service-{name}-{i}"))
            time.sleep(0.05)  # one request at a time, the Celery worker's delta off the measured path
    return times, accepted


class Run:
    """One locust run: its CSV stats, the server's view from the access log and the RSS samples."""

    def __init__(self, label: str, think: str, users: int, seconds: int) -> None:
        self.label, self.think, self.users, self.seconds = label, think, users, seconds
        self.stats: dict[str, dict] = {}
        self.failures: list[dict] = []
        self.samples: list[tuple[float, float, float]] = []
        self.ingested: dict[str, int] = {}
        self.server_ms: dict[str, list[float]] = collections.defaultdict(list)
        self.per_worker: collections.Counter = collections.Counter()

    def start(self, stack: Stack, env: dict[str, str], host: str, web_pid: int, worker_pid: int) -> None:
        stop_sampling = threading.Event()

        def sample() -> None:
            started = time.monotonic()
            while not stop_sampling.is_set():
                self.samples.append((time.monotonic() - started, rss_mb(web_pid), rss_mb(worker_pid)))
                stop_sampling.wait(5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        prefix = stack.log_dir / self.label
        result_file = stack.log_dir / f"{self.label}-ingested.json"
        run = subprocess.run(
            [str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
             "-u", str(self.users), "-r", str(self.users), "-t", f"{self.seconds}s", "--host", host,
             "--csv", str(prefix), "--only-summary", "--stop-timeout", "10"],
            env={**env, "RB_THINK": self.think, "RB_RUN": self.label, "RB_RESULT_FILE": str(result_file)},
            capture_output=True, text=True)
        stop_sampling.set()
        sampler.join()
        self.samples.append((self.samples[-1][0] + 1, rss_mb(web_pid), rss_mb(worker_pid)))
        (stack.log_dir / f"{self.label}-locust.txt").write_text(run.stdout + run.stderr)
        with open(f"{prefix}_stats.csv", newline="") as handle:
            self.stats = {row["Name"]: row for row in csv.DictReader(handle)}
        failures_file = Path(f"{prefix}_failures.csv")
        self.failures = list(csv.DictReader(failures_file.open())) if failures_file.exists() else []
        self.ingested = json.loads(result_file.read_text())

    def read_access_log(self, lines: list[str]) -> None:
        # "POST /graphql 200 <ms> <pid> <run>-<operation>-<n>"
        for line in lines:
            parts = line.split()
            if len(parts) == 6 and parts[5].startswith(f"{self.label}-"):
                self.server_ms[parts[5].split("-")[1]].append(float(parts[3]))
                self.per_worker[parts[4].strip("<>")] += 1

    def report(self) -> None:
        total = self.stats["Aggregated"]
        rps = float(total["Requests/s"])
        mean_response_s = float(total["Average Response Time"]) / 1000
        offered = self.users / (mean_think(self.think) + mean_response_s)
        print(f"\n== {self.label}: {self.users} users x {self.seconds} s, think time {self.think} s (uniform) ==")
        print(f"offered load: {self.users} users / ({mean_think(self.think):.3f} s mean think + "
              f"{mean_response_s * 1000:.0f} ms mean response) = {offered:.1f} req/s "
              f"(at most {self.users / mean_think(self.think):.1f}); served {rps:.1f} req/s")
        print(f"{'operation':<20}{'requests':>9}{'failures':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
              f"{'max ms':>8}{'srv p50':>9}{'srv p95':>9}")
        for name in (*OPERATIONS, "Aggregated"):
            row = self.stats[name]
            server = self.server_ms.get(name) or [v for values in self.server_ms.values() for v in values]
            print(f"{name:<20}{row['Request Count']:>9}{row['Failure Count']:>9}{float(row['Requests/s']):>8.1f}"
                  f"{row['50%']:>8}{row['95%']:>8}{row['99%']:>8}{float(row['Max Response Time']):>8.0f}"
                  f"{percentile(server, 0.5):>9.0f}{percentile(server, 0.95):>9.0f}")
        print(f"errors: {total['Failure Count']} of {total['Request Count']} requests")
        for failure in self.failures[:10]:
            print("  failure:", failure.get("Name"), failure.get("Occurrences"), failure.get("Error", "")[:200])
        print("requests per gunicorn worker:", dict(sorted(self.per_worker.items())))
        first, last = self.samples[0], self.samples[-1]
        ten = next((s for s in self.samples if s[0] >= 10), first)
        print(f"gunicorn RSS (master + workers): start {first[1]:.0f} MB, after 10 s {ten[1]:.0f} MB, end "
              f"{last[1]:.0f} MB; celery worker RSS: start {first[2]:.0f} MB, end {last[2]:.0f} MB")
        print("RSS samples (s, web MB, worker MB):",
              json.dumps([(round(t), round(w), round(c)) for t, w, c in self.samples]))

    def reads_p95(self) -> dict[str, int]:
        return {name: int(self.stats[name]["95%"]) for name in READS}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_BENCH_DB)
    parser.add_argument("--port", type=int, default=8772)
    parser.add_argument("--redis-port", type=int, default=6392)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--think", default="1-3", help="seconds between a user's requests, uniform low-high")
    parser.add_argument("--capacity", action="store_true",
                        help=f"also run the saturating variant (think {SATURATING_THINK} s): the most req/s served")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (1 thread each)")
    parser.add_argument("--batch", type=int, default=50, help="events per ingest batch")
    parser.add_argument("--warmup", type=int, default=15, help="seconds of unreported warm-up load")
    parser.add_argument("--service-requests", type=int, default=40,
                        help="requests per operation for the one-client service times (0: skip)")
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
    # Rollup writes leave dead rows; start from a vacuumed database so one run's leftovers do not slow the
    # next (reported: autovacuum may be off on the cluster).
    autovacuum = psql(args.database_url, "SHOW autovacuum")
    for table in ("analytics_dailyrollup", "analytics_dailyviewerrollup", "marketing_interaction", "marketing_viewer"):
        psql(args.database_url, f"VACUUM ANALYZE {table}")
    stored_before = int(psql(args.database_url, "SELECT count(*) FROM marketing_interaction WHERE event_id LIKE 'load-%'"))
    host = f"http://127.0.0.1:{args.port}"
    runs = [Run("load", args.think, args.users, args.seconds)]
    if args.capacity:
        runs.append(Run("capacity", SATURATING_THINK, args.users, args.seconds))

    with Stack(args.log_dir) as stack:
        stack.redis(args.redis_port)
        web = stack.web(env, args.port, workers=args.workers)
        worker = stack.worker(env, "load-worker@%h", concurrency=1)
        locust_env = {**env, "RB_TOKEN": token, "RB_BRAND": brand_gid, "RB_INGEST_BATCH": str(args.batch)}
        log(f"warm-up: 10 users for {args.warmup} s (not reported; loads code and models in every worker)")
        warm_file = stack.log_dir / "warmup-ingested.json"
        subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless",
                        "-u", "10", "-r", "10", "-t", f"{args.warmup}s", "--host", host,
                        "--only-summary", "--stop-timeout", "10"],
                       env={**locust_env, "RB_THINK": SATURATING_THINK, "RB_RUN": "warmup",
                            "RB_RESULT_FILE": str(warm_file)}, capture_output=True, text=True)
        ingested = json.loads(warm_file.read_text())
        service: dict[str, list[float]] = {}
        if args.service_requests:
            log(f"service time alone: {args.service_requests} requests per operation, one client, one at a time")
            service, accepted = service_times(f"{host}/graphql", token, brand_gid,
                                              requests_each=args.service_requests, batch=args.batch)
            ingested["accepted"] += accepted
        for run in runs:
            log(f"locust ({run.label}): {run.users} users for {run.seconds} s, think {run.think} s, against {host} "
                f"({args.workers} gunicorn workers); logs in {stack.log_dir}")
            run.start(stack, locust_env, host, web.pid, worker.pid)
            for key in ingested:
                ingested[key] += run.ingested[key]

        # Let the worker drain the rollup deltas the batches queued, then count what is stored.
        def queued() -> int:
            return int(subprocess.run(["redis-cli", "-p", str(args.redis_port), "llen", "celery"],
                                      capture_output=True, text=True).stdout.strip() or 0)

        backlog, drain_started = queued(), time.monotonic()
        while time.monotonic() < drain_started + args.drain and queued():
            time.sleep(1)
        left, drain_seconds = queued(), time.monotonic() - drain_started
        server_log = (stack.log_dir / "web.log").read_text()
        access_log = (stack.log_dir / "web-access.log").read_text().splitlines()

    if service:
        print(f"\n== service time alone: {args.service_requests} requests per operation, 1 client, "
              "one at a time (ms, client side) ==")
        print(f"{'operation':<20}{'mean':>8}{'p50':>8}{'p95':>8}{'max':>8}")
        for name, times in service.items():
            print(f"{name:<20}{statistics.mean(times):>8.1f}{percentile(times, 0.5):>8.1f}"
                  f"{percentile(times, 0.95):>8.1f}{max(times):>8.1f}")
    for run in runs:
        run.read_access_log(access_log)
        run.report()
    stored = int(psql(args.database_url, "SELECT count(*) FROM marketing_interaction WHERE event_id LIKE 'load-%'"))
    new_events = stored - stored_before
    errors = sum(int(run.stats["Aggregated"]["Failure Count"]) for run in runs)
    print(f"\nserver tracebacks: {server_log.count('Traceback (most recent call last)')}")
    print(f"ingest (warm-up + service times + runs): {ingested['batches']} locust batches answered, "
          f"{ingested['accepted']} events accepted, {ingested['duplicates']} duplicates; new 'load-' interactions "
          f"stored: {new_events}")
    dead = psql(args.database_url, "SELECT string_agg(relname || ' ' || n_live_tup || ' live / ' || n_dead_tup || "
                "' dead', '; ') FROM pg_stat_user_tables WHERE relname LIKE 'analytics_daily%'")
    print(f"rollup delta queue when the load stopped: {backlog} tasks; {left} left after {drain_seconds:.0f} s "
          "(1 worker process)")
    print(f"autovacuum on this cluster: {autovacuum}; rollup tables after the run: {dead}")
    reads_p95 = runs[0].reads_p95()
    print(f"reads p95 ({runs[0].label}, ms): {reads_p95}; target < 100 ms: "
          f"{'met' if max(reads_p95.values()) < 100 else 'MISSED'}")
    if args.capacity:
        print(f"capacity (saturating, think {SATURATING_THINK} s): "
              f"{float(runs[1].stats['Aggregated']['Requests/s']):.1f} req/s")
    ok = errors == 0 and new_events == ingested["accepted"]
    print("RESULT:", "PASS (zero errors, nothing lost)" if ok else "FAIL")
    record("load_graphql", figures={
        f"{args.users} users x {args.seconds} s, think {args.think} s: errors": {"value": errors, "target": "0",
                                                                              "met": errors == 0},
        "served": {"value": round(float(runs[0].stats["Aggregated"]["Requests/s"]), 1), "unit": "req/s"},
        **{f"{name} p95": {"value": value, "unit": "ms", "target": "< 100", "met": value < 100}
           for name, value in reads_p95.items()},
        **({"capacity (saturating)": {"value": round(float(runs[1].stats["Aggregated"]["Requests/s"]), 1),
                                      "unit": "req/s"}} if args.capacity else {}),
        "accepted events stored exactly once": {"value": new_events == ingested["accepted"], "target": "true",
                                                "met": new_events == ingested["accepted"]},
    })
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
