"""Fault injection on the production shape: killed workers, Redis down, PostgreSQL restarted under load.

    .venv/bin/python benchmarks/locked.py .venv/bin/python benchmarks/faults.py [--only kill,redis,postgres]

Works on ``h7_faults_bench``, a fresh copy of the seeded bench database ``h7_bench``, with a private
redis-server (port 6393), gunicorn (port 8773) and Celery workers it starts and stops itself. It never
touches the shared Redis (6379) or the shared PostgreSQL cluster; the PostgreSQL restart uses a private
cluster (``initdb`` in a temp dir, port 5440, run as the ``postgres`` user) that it creates and deletes.

kill      SIGKILL the worker's pool process in the middle of a recommender training and of a full rollup
          recompute (``reject_on_worker_lost`` requeues at once), then SIGKILL a whole worker in the middle
          of a training and start another one with a 10 s Redis visibility timeout (the broker redelivers
          the unacknowledged task). Each must finish with exactly one new model version, the job
          succeeded, and rollups identical to the ones recomputed before the fault.
redis     Stop Redis: KPI, persona and recommendation reads answer, /health/ready says degraded, an ingest
          batch is stored (its rollup refresh cannot be queued). Start Redis again: a new batch's refresh
          runs on the worker, and the nightly recompute catches up the outage's events.
postgres  Restart the private PostgreSQL (``pg_ctl restart -m fast``) while 8 clients send KPI reads and
          ingest batches: the app reconnects by itself, only requests in flight during the restart fail
          (with a clear error, no traceback in the answer), and every accepted event is stored once.
Exit code 1 if any check fails.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psutil  # noqa: E402
from load_stack import (  # noqa: E402
    DEFAULT_BENCH_DB,
    ROOT,
    Stack,
    base_env,
    log,
    mint_token,
    prepare_bench_database,
    stop,
    wait_for,
)
from results import record  # noqa: E402

FAULT_DB = "h7_faults_bench"
RESULTS: list[tuple[str, bool, str]] = []


def check(name: str, ok: bool, detail: str = "") -> bool:
    RESULTS.append((name, ok, detail))
    log(f"{'PASS' if ok else 'FAIL'}  {name}  {detail}")
    return ok


def copy_database(template_url: str, name: str) -> str:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", template_url.rsplit("/", 1)[1], name],
                   check=True)
    return f"{template_url.rsplit('/', 1)[0]}/{name}"


def graphql(port: int, token: str, query: str, variables: dict | None = None, timeout: float = 30) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        try:
            return exc.code, json.loads(body)
        except ValueError:
            return exc.code, {"raw": body.decode(errors="replace")[:300]}


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ.update(DATABASE_URL=database_url, REDIS_URL=redis_url, CELERY_TASK_ALWAYS_EAGER="false",
                      DJANGO_SETTINGS_MODULE="reelboard.settings")
    os.environ.setdefault("VIEWER_ID_HMAC_KEY", "benchmark-only-viewer-id-key")  # a database needs a dedicated key
    os.environ.setdefault("AD_CREDENTIALS_KEY", "benchmark-only-ad-credentials-key")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def pool_children(worker: subprocess.Popen) -> list[psutil.Process]:
    return psutil.Process(worker.pid).children(recursive=True)


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


# --- kill -------------------------------------------------------------------------------------


def rollup_rows(brand_id: int):
    from analytics.models import DailyRollup, DailyViewerRollup

    def rows(model):
        fields = [f.attname for f in model._meta.concrete_fields
                  if f.attname != "id" and not f.attname.endswith("_at")]
        return sorted(model.objects.filter(brand_id=brand_id).values_list(*fields), key=repr)

    return rows(DailyRollup), rows(DailyViewerRollup)


def kill_training(stack: Stack, env: dict, worker: subprocess.Popen, brand_id: int, *, whole_worker: bool,
                  label: str) -> subprocess.Popen:
    from django.db import close_old_connections

    from analytics.trained.models import TrainingStatus
    from analytics.trained.services import start_training
    from marketing.jobs.models import Job
    from recommendations.models import RecommenderModel
    from recommendations.services import JOB_KIND_TRAIN

    before = RecommenderModel.objects.filter(brand_id=brand_id).count()
    job = start_training(RecommenderModel, brand_id=brand_id, params={"grid": "full"}, task="recommendations.train",
                         job_kind=JOB_KIND_TRAIN)
    model_id = job.params["model_id"]

    def training():
        close_old_connections()
        return RecommenderModel.objects.filter(pk=model_id, status=TrainingStatus.TRAINING).exists()

    if not check(f"{label}: training started", wait_until(training, 120)):
        return worker
    time.sleep(0.5)  # inside the fit
    if whole_worker:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        log(f"{label}: SIGKILL to the whole worker (pid {worker.pid} and its pool); starting a new worker")
        worker = stack.worker(env, f"faults-b{time.monotonic_ns()}@%h", concurrency=1, visibility_timeout=10)
    else:
        children = pool_children(worker)
        for child in children:
            child.send_signal(signal.SIGKILL)
        log(f"{label}: SIGKILL to pool process(es) {[c.pid for c in children]}")
    killed_at = time.monotonic()

    def finished():
        close_old_connections()
        return Job.objects.get(pk=job.pk).is_finished

    done = wait_until(finished, 240, 0.5)
    close_old_connections()
    job = Job.objects.get(pk=job.pk)
    models = RecommenderModel.objects.filter(brand_id=brand_id)
    check(f"{label}: task redelivered and finished", done and job.status == "succeeded",
          f"job {job.status} {time.monotonic() - killed_at:.0f} s after the kill")
    check(f"{label}: exactly one new model version", models.count() == before + 1
          and models.get(pk=model_id).status == TrainingStatus.READY,
          f"versions {before} -> {models.count()}, model {model_id} {models.get(pk=model_id).status}")
    return worker


def kill_rollup(worker: subprocess.Popen, brand_id: int) -> None:
    from django.db import close_old_connections

    from analytics import rollups
    from analytics.models import DailyRollup, DailyViewerRollup
    from analytics.tasks import recompute_brand_rollups

    rollups.recompute_brand(brand_id=brand_id)
    expected = rollup_rows(brand_id)
    DailyRollup.objects.filter(brand_id=brand_id).delete()
    DailyViewerRollup.objects.filter(brand_id=brand_id).delete()
    result = recompute_brand_rollups.delay(brand_id)
    if not check("rollup: task started", wait_until(lambda: result.state == "STARTED", 60)):
        return
    time.sleep(0.3)
    children = pool_children(worker)
    for child in children:
        child.send_signal(signal.SIGKILL)
    log(f"rollup: SIGKILL to pool process(es) {[c.pid for c in children]}")

    def same():
        close_old_connections()
        return result.state == "SUCCESS" and rollup_rows(brand_id) == expected

    ok = wait_until(same, 180, 0.5)
    got = rollup_rows(brand_id)
    check("rollup: redelivered, rollups identical to a recompute before the fault", ok,
          f"state {result.state}; {len(got[0])} daily + {len(got[1])} viewer rows (expected "
          f"{len(expected[0])} + {len(expected[1])})")


# --- redis ------------------------------------------------------------------------------------

READS = {
    "campaignKpis": """query($c: ID!) { campaignKpis(campaign: $c, dateFrom: "%s", dateTo: "%s") { totals { kpi value } } }""",
    "brandOverview": """query($b: ID!) { brandOverview(brand: $b, dateFrom: "%s", dateTo: "%s") { totals { kpi value } } }""",
    "personas": """query($b: ID!) { personas(brand: $b) { edges { node { index label size } } } }""",
    "recommendations": """query($v: ID!) { recommendations(viewer: $v, first: 5) { videoId score } }""",
}
INGEST = """mutation($b: ID!, $events: [InteractionEventInput!]!) { ingestInteractions(brandId: $b, events: $events) {
  accepted duplicates rejected errors { field code message } } }"""
IDS = """{ campaigns(first: 1) { edges { node { id } } } viewers(first: 1) { edges { node { id } } }
  videos(first: 5, filters: {moderationStatus: APPROVED}) { edges { node { externalId platform { code } } } } }"""


def batch(videos, day: date, n: int, prefix: str) -> list[dict]:
    at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    return [{"eventId": f"{prefix}-{uuid.uuid4().hex}", "platform": videos[i % len(videos)][1],
             "viewerId": f"{prefix}-viewer-{i}", "videoExternalId": videos[i % len(videos)][0], "kind": "VIEW",
             "watchMs": 1000, "occurredAt": (at + timedelta(seconds=i)).isoformat()} for i in range(n)]


def read_ok(port: int, token: str, ids: dict, name: str) -> tuple[bool, str]:
    today = date.today()
    query = READS[name]
    if "%s" in query:
        query = query % ((today - timedelta(days=30)).isoformat(), today.isoformat())
    variables = {"c": ids["campaign"], "b": ids["brand"], "v": ids["viewer"]}
    status, body = graphql(port, token, query, {k: v for k, v in variables.items() if f"${k}" in query})
    ok = status == 200 and not body.get("errors") and body.get("data", {}).get(name) is not None
    return ok, "ok" if ok else json.dumps(body)[:200]


def redis_down(stack: Stack, port: int, redis_port: int, redis_proc, token: str, ids: dict, brand_id: int) -> None:
    from django.db import close_old_connections

    from analytics.models import DailyRollup
    from analytics.tasks import recompute_all_rollups
    from marketing.models import Interaction

    outage_day, after_day = date(2020, 1, 1), date(2020, 1, 2)
    stop(redis_proc)
    log(f"redis: stopped the private redis-server on {redis_port}")
    for name in READS:
        ok, detail = read_ok(port, token, ids, name)
        check(f"redis down: {name} answers", ok, detail)
    status, health = get_json(f"http://127.0.0.1:{port}/health/ready")
    check("redis down: /health/ready reports degraded", status == 200 and health["status"] == "degraded"
          and health["redis"] == "down", f"{status} {health}")
    started = time.monotonic()
    status, body = graphql(port, token, INGEST, {"b": ids["brand"], "events": batch(ids["videos"], outage_day, 20, "outage")})
    seconds = time.monotonic() - started
    accepted = body.get("data", {}).get("ingestInteractions", {}).get("accepted") if status == 200 else None
    stored = Interaction.objects.filter(brand_id=brand_id, event_id__startswith="outage-").count()
    check("redis down: ingest stores the batch", accepted == 20 and stored == 20,
          f"accepted {accepted}, stored {stored}, answered in {seconds:.1f} s")

    new_redis = stack.redis(redis_port)
    log("redis: started again")
    time.sleep(3)
    status, body = graphql(port, token, INGEST, {"b": ids["brand"], "events": batch(ids["videos"], after_day, 5, "after")})

    def day_views(day):
        close_old_connections()
        return sum(DailyRollup.objects.filter(brand_id=brand_id, day=day).values_list("views", flat=True))

    check("redis back: a new batch's rollup refresh runs on the worker", wait_until(lambda: day_views(after_day) == 5, 90, 0.5),
          f"views on {after_day}: {day_views(after_day)} (expected 5); outage day before catch-up: {day_views(outage_day)}")
    recompute_all_rollups.delay()
    check("redis back: the nightly recompute catches up the outage's events",
          wait_until(lambda: day_views(outage_day) == 20, 120, 0.5), f"views on {outage_day}: {day_views(outage_day)}")
    return new_redis


# --- postgres ---------------------------------------------------------------------------------


def private_postgres(pg_port: int, data_dir: Path) -> Path | None:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if not bins:
        return None
    pg_bin = bins[-1]
    shutil.chown(data_dir.parent, "postgres")
    subprocess.run(["runuser", "-u", "postgres", "--", str(pg_bin / "initdb"), "-D", str(data_dir), "-A", "trust",
                    "-U", "postgres"], check=True, capture_output=True)
    subprocess.run(["runuser", "-u", "postgres", "--", str(pg_bin / "pg_ctl"), "-D", str(data_dir), "-l",
                    str(data_dir.parent / "pg.log"), "-o", f"-p {pg_port} -k {data_dir.parent}", "-w", "start"],
                   check=True, stdout=subprocess.DEVNULL)
    return pg_bin


def postgres_restart(stack: Stack, args, redis_url: str) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="reelboard-pg-"))
    data_dir = tmp / "data"
    pg_bin = private_postgres(args.pg_port, data_dir)
    if pg_bin is None:
        check("postgres restart: private cluster", False, "no /usr/lib/postgresql/*/bin")
        return
    pg_ctl = ["runuser", "-u", "postgres", "--", str(pg_bin / "pg_ctl"), "-D", str(data_dir)]
    try:
        url = f"postgres://postgres@127.0.0.1:{args.pg_port}/h7_pgrestart_bench"
        subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "postgres", "h7_pgrestart_bench"],
                       check=True)
        dump = subprocess.Popen(["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", FAULT_DB], stdout=subprocess.PIPE)
        subprocess.run(["pg_restore", "-h", "127.0.0.1", "-p", str(args.pg_port), "-U", "postgres", "-d",
                        "h7_pgrestart_bench", "--no-owner"], stdin=dump.stdout, check=True)
        dump.wait()
        token, _ = mint_token(url)
        env = base_env(url, redis_url, LOG_FORMAT="plain")
        stack.web(env, args.port + 1, workers=2, name="web-pg")
        port = args.port + 1
        status, body = graphql(port, token, IDS)
        ids = body["data"]
        videos = [(e["node"]["externalId"], e["node"]["platform"]["code"]) for e in ids["videos"]["edges"]]
        campaign = ids["campaigns"]["edges"][0]["node"]["id"]
        brand_gid = json.loads(subprocess.run(
            [sys.executable, "-c", "import strawberry, json; print(json.dumps(str(strawberry.relay.GlobalID('Brand', '1'))))"],
            capture_output=True, text=True, check=True).stdout)
        outcomes: list[tuple[float, str, bool, str, int]] = []
        stop_at = time.monotonic() + 25
        t0 = time.monotonic()

        def client(n: int) -> None:
            i = 0
            while time.monotonic() < stop_at:
                i += 1
                started = time.monotonic() - t0
                if i % 2:
                    status, body = graphql(port, token, READS["campaignKpis"] % ("2026-10-01", "2026-11-23"), {"c": campaign}, 15)
                    ok = status == 200 and not body.get("errors")
                    outcomes.append((started, "read", ok, "" if ok else json.dumps(body)[:160], 0))
                else:
                    events = batch(videos, date(2021, 1, 1 + n), 10, f"pg{n}-{i}")
                    status, body = graphql(port, token, INGEST, {"b": brand_gid, "events": events}, 15)
                    data = (body.get("data") or {}).get("ingestInteractions") or {}
                    ok = status == 200 and not body.get("errors") and data.get("accepted") == 10
                    outcomes.append((started, "ingest", ok, "" if ok else json.dumps(body)[:160], data.get("accepted") or 0))
                time.sleep(0.05)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(8)
        restart_started = time.monotonic() - t0
        # stop + start rather than `restart`: restart has no -l, and the postmaster would hold our pipes open
        subprocess.run([*pg_ctl, "-m", "fast", "-w", "stop"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*pg_ctl, "-w", "-l", str(tmp / "pg.log"), "-o", f"-p {args.pg_port} -k {tmp}", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        restart_done = time.monotonic() - t0
        log(f"postgres: restarted the private cluster ({restart_started:.1f}-{restart_done:.1f} s)")
        for thread in threads:
            thread.join()
        failed = [o for o in outcomes if not o[2]]
        after = [o for o in outcomes if o[0] > restart_done + 1 and not o[2]]
        accepted = sum(o[4] for o in outcomes)
        stored = int(subprocess.run(["psql", url, "-tAc", "SELECT count(*) FROM marketing_interaction WHERE event_id LIKE 'pg%'"],
                                    capture_output=True, text=True, check=True).stdout)
        web_log = (stack.log_dir / "web-pg.log").read_text()
        leaked = [o for o in failed if "Traceback" in o[3] or "psycopg" in o[3] or "SELECT" in o[3]]
        check("postgres restart: the app reconnects; only requests around the restart fail",
              not after and len(outcomes) > 100,
              f"{len(outcomes)} requests, {len(failed)} failed (all started between "
              f"{min((o[0] for o in failed), default=0):.1f} and {max((o[0] for o in failed), default=0):.1f} s; "
              f"restart {restart_started:.1f}-{restart_done:.1f} s); after it: {len(after)} failures")
        check("postgres restart: failures are clear errors, no SQL or traceback in the answer", not leaked,
              f"e.g. {failed[0][3] if failed else '-'}")
        check("postgres restart: every accepted event stored exactly once", stored == accepted,
              f"accepted {accepted}, stored {stored}; server log tracebacks: {web_log.count('Traceback')}")
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_BENCH_DB)
    parser.add_argument("--only", default="kill,redis,postgres")
    parser.add_argument("--port", type=int, default=8773)
    parser.add_argument("--redis-port", type=int, default=6393)
    parser.add_argument("--pg-port", type=int, default=5440)
    parser.add_argument("--log-dir", default=None)
    args = parser.parse_args()
    only = set(args.only.split(","))

    prepare_bench_database(args.database_url)
    url = copy_database(args.database_url, FAULT_DB)
    token, brand_id = mint_token(url)
    redis_url = f"redis://127.0.0.1:{args.redis_port}/0"
    env = base_env(url, redis_url, LOG_FORMAT="plain")
    setup_django(url, redis_url)
    import strawberry

    with Stack(args.log_dir) as stack:
        log(f"logs in {stack.log_dir}")
        redis_proc = stack.redis(args.redis_port)
        stack.web(env, args.port, workers=2)
        worker = stack.worker(env, "faults-a@%h", concurrency=1, visibility_timeout=10)
        from reelboard.celery import app

        wait_for(lambda: any("faults-a@" in k for r in (app.control.ping(timeout=1) or []) for k in r), "worker")
        if "kill" in only:
            worker = kill_training(stack, env, worker, brand_id, whole_worker=False, label="training, pool process killed")
            kill_rollup(worker, brand_id)
            worker = kill_training(stack, env, worker, brand_id, whole_worker=True, label="training, whole worker killed")
        if "redis" in only:
            _, body = graphql(args.port, token, IDS)
            data = body["data"]
            ids = {"brand": str(strawberry.relay.GlobalID("Brand", str(brand_id))),
                   "campaign": data["campaigns"]["edges"][0]["node"]["id"],
                   "viewer": data["viewers"]["edges"][0]["node"]["id"],
                   "videos": [(e["node"]["externalId"], e["node"]["platform"]["code"]) for e in data["videos"]["edges"]]}
            redis_down(stack, args.port, args.redis_port, redis_proc, token, ids, brand_id)
        if "postgres" in only:
            postgres_restart(stack, args, redis_url)
        with contextlib.suppress(Exception):
            web_log = (stack.log_dir / "web.log").read_text()
            log(f"server log: {web_log.count('Traceback (most recent call last)')} tracebacks")

    failed = [r for r in RESULTS if not r[1]]
    print(f"\n{len(RESULTS) - len(failed)} of {len(RESULTS)} fault checks passed")
    for name, ok, detail in RESULTS:
        print(f"  {'PASS' if ok else 'FAIL'}  {name}: {detail}")
    record("faults", figures={"checks passed": {"value": len(RESULTS) - len(failed), "target": str(len(RESULTS)),
                                                "met": not failed},
                              **{name: {"value": "pass" if ok else "fail", "met": ok} for name, ok, _ in RESULTS}})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
