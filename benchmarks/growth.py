"""Growth curves: how every cost of the product grows with the interactions table, in one run.

Run (PostgreSQL only; a database of its own whose name contains "bench": it is migrated and emptied):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/growth_bench .venv/bin/python benchmarks/growth.py --quick
(``--quick``: steps of 0.1M / 0.5M / 2M interactions, a few minutes; without it 1M / 5M / 20M, hours,
run once per change of the write path and its result committed as data.)

Builds one brand's world step by step (``kpis.build_world`` / ``kpis.insert_events``: 300 videos, 30 days,
viewing sessions, generated in SQL) and, once the table holds each step's interactions, measures in the
same run:

1. **import**: the next ``--chunk`` rows of a CSV file through the product's importer (``import_file``, in
   a child process, into a brand of its own in the same table) and a raw COPY of the same rows into an
   empty table of the same shape with its foreign keys (``ingest.raw_copy``): rows/s and their ratio;
2. **GraphQL ingest**: ``ingestInteractions`` over HTTP (``ingest.graphql_http_rate``), events/s;
3. **delta rollup**: ``--new-events`` events on the last two days recorded as pending work in rows of
   1,000 ids, ``rollups.apply_pending`` then the stale-block rebuild it queues, events/s, with the seconds
   of its parts and the blocks each relation read from outside shared_buffers while it ran (after a
   ``CHECKPOINT``, so the dirty pages the import left are not written out on the delta's clock);
4. **campaign KPI p95** through GraphQL over HTTP, cold (reach cache off) and warm (reach cache on), and
   the hand-written SQL over the rollups (``kpis.read_with_raw_sql``), interleaved; ratio cold / SQL;
5. **recommendations p95**: ``recommendations(viewer, first: 20)`` over HTTP after training and
   activating the served hybrid from the database (``recommenders_speed.train_served_model``);
6. **training time** of that recommender and of a persona model (``persona_model_train``, k = 8);
7. **database size** per table and per index (summed over partitions when the table is partitioned).

Then a **historical backfill** in a brand of its own (``--backfill-videos`` videos): the recent-day delta
of ``--backfill-events`` events on one day, then as many events spread over three years, each rolled up
with ``apply_pending`` + the block rebuild (what ``apply_pending_rollups`` and ``rebuild_reach_blocks``
run); the brand's reach is checked against ``count(DISTINCT viewer_id)`` over the raw interactions.

Targets printed with the curve: import rate at the top step >= 0.8 x at the first; delta rollup and KPI
p95 at the top step <= 1.5 x at the middle; training time linear in interactions (the fitted power-law
exponent is printed); backfill rollup throughput >= 0.5 x the recent-day delta's. Every figure goes to
``benchmarks/results/growth-<UTC>.json`` through ``results.record`` with the load average.
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import signal
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")
os.environ.setdefault("VIEWER_ID_HMAC_KEY", "benchmark-only-viewer-id-key")  # a database needs a dedicated key

# The benchmark helpers set Django up (and ingest keeps the rollup task queued, never run in-process).
import ingest  # noqa: E402
import kpis  # noqa: E402
import recommenders_speed  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from results import record  # noqa: E402
from strawberry.relay import to_base64  # noqa: E402

from analytics import rollup_sql, rollups, selectors  # noqa: E402
from analytics.personas.services import persona_model_create, persona_model_train  # noqa: E402
from marketing.models import Brand, Tag, Video  # noqa: E402

FULL_STEPS = (1_000_000, 5_000_000, 20_000_000)
QUICK_STEPS = (100_000, 500_000, 2_000_000)
# Tables whose size the curve follows (the raw events, the rollups, the recommender's inputs).
SIZED_TABLES = ("marketing_interaction", "analytics_dailyviewerrollup", "analytics_dailyrollup",
                "analytics_dailyreach", "analytics_videoreachblock", "analytics_pendingrollup")
BACKFILL_YEARS = 3


class Stopped(Exception):
    """SIGTERM (e.g. ``timeout``) during the curve: the steps measured so far are recorded."""


def _stop(signum, frame) -> None:
    raise Stopped


def relation_sizes() -> dict[str, int]:
    """Bytes per table (heap + indexes + TOAST) and per index, each summed over its partitions.

    ``pg_partition_tree`` lists nothing for a plain relation, so the relation itself is added to its members:
    the same query serves the plain and the partitioned shape of a table (a partitioned parent has no storage).
    """
    sizes: dict[str, int] = {}
    with connection.cursor() as cursor:
        for table in SIZED_TABLES:
            cursor.execute("SELECT coalesce(sum(pg_total_relation_size(r)), 0) FROM (SELECT relid AS r FROM "
                           "pg_partition_tree(%s) UNION SELECT %s::regclass) members", [table, table])
            sizes[table] = int(cursor.fetchone()[0])
            cursor.execute(
                """SELECT i.indexrelid::regclass::text,
                          (SELECT coalesce(sum(pg_relation_size(t.r)), 0) FROM (SELECT relid AS r FROM
                             pg_partition_tree(i.indexrelid) UNION SELECT i.indexrelid::regclass) t)
                   FROM pg_index i WHERE i.indrelid = %s::regclass ORDER BY 1""", [table])
            for name, size in cursor.fetchall():
                sizes[f"{table} index {name}"] = int(size)
    return sizes


def p95_ms(samples: list[float]) -> float:
    return round(kpis.percentiles(samples)[1] * 1000, 1)


def measure_import(step: int, chunk: int, run: str) -> dict:
    """Import ``chunk`` rows through the product's importer and COPY them raw; rows/s of both."""
    slug = f"growth-import-{step}-{run}"
    brand = ingest.fresh_brand(slug)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chunk.csv"
        ingest.write_csv(path, chunk, step % 1000 + 1, f"g{step}-{run}")
        result = ingest.run_child(path, slug)
    assert result["inserted"] == chunk and result["rejected"] == 0, result
    copy_seconds = ingest.raw_copy(chunk, step % 1000 + 1, f"r{step}-{run}", brand=brand, with_foreign_keys=True)
    return {"import": chunk / result["seconds"], "copy": chunk / copy_seconds}


def measure_delta(brand: Brand, campaign, n: int, step: int) -> dict:
    """Events/s of the delta rollup of ``n`` new events on the last two days, with the block rebuild, and
    where its time went: seconds per part (``delta_parts``) and the blocks each relation read from outside
    shared_buffers (``pg_statio``: index pages that no longer fit in memory show up there)."""
    start = datetime.combine(kpis.FIRST_DAY, datetime.min.time(), tzinfo=kpis.ZONE)
    new = kpis.insert_events(brand=brand, campaign=campaign, n=n, tag=f"new{step}",
                             first=start + timedelta(days=kpis.DAYS - 2), seconds=2 * 86400 - 1,
                             seed=0.5, pending_batch=1_000)
    with connection.cursor() as cursor:
        # The import and raw COPY just measured leave shared_buffers full of their dirty pages, which the
        # delta's backend would otherwise write out to make room, by however far the checkpoint cycle had
        # got. After a CHECKPOINT every step's delta starts from the same state: clean buffers, and a
        # full-page image in the WAL for each page it touches first (as after every checkpoint in production).
        cursor.execute("CHECKPOINT")
    before = blocks_read()
    with delta_parts() as parts:
        started = time.perf_counter()
        added = rollups.apply_pending(brand_id=brand.pk)
        parts["apply_pending, in all"] = time.perf_counter() - started
        rebuilt = time.perf_counter()
        rollups.rebuild_stale_blocks(brand_id=brand.pk)
        parts["rebuild_stale_blocks, in all"] = time.perf_counter() - rebuilt
        seconds = time.perf_counter() - started
    assert added == new, (added, new)
    after = blocks_read()
    read = {name: after[name] - before.get(name, 0) for name in after if after[name] > before.get(name, 0)}
    return {"rate": new / seconds, "parts": dict(parts), "blocks_read": dict(sorted(read.items(), key=lambda kv: -kv[1])[:8])}


@contextmanager
def delta_parts():
    """Seconds spent in the delta path's parts while the block runs (the functions are wrapped, then restored)."""
    spent: dict[str, float] = defaultdict(float)
    wrapped = []

    def wrap(owner, name: str, label) -> None:
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label(args, kwargs)] += time.perf_counter() - began

        setattr(owner, name, timed)
        wrapped.append((owner, name, original))

    wrap(rollup_sql, "upsert_sums", lambda args, kwargs: f"upsert of {args[0]._meta.db_table}")
    wrap(rollup_sql, "fetch_rows", lambda args, kwargs: "per-(video, day) viewer lists")
    wrap(rollups, "_rebuild_level", lambda args, kwargs: f"blocks of level {kwargs['level']}")
    try:
        yield spent
    finally:
        for owner, name, original in wrapped:
            setattr(owner, name, original)


def blocks_read() -> dict[str, int]:
    """Heap and index blocks each relation has read from outside shared_buffers so far (``pg_statio``)."""
    time.sleep(1.1)  # the statistics are flushed at most once a second
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT relname, coalesce(heap_blks_read, 0) FROM pg_statio_user_tables "
                       "UNION ALL SELECT indexrelname, coalesce(idx_blks_read, 0) FROM pg_statio_user_indexes")
        return {name: int(count) for name, count in cursor.fetchall()}


def measure_kpis(brand: Brand, campaign, repeat: int) -> dict:
    """Campaign KPI p95 over HTTP, cold and warm, and the raw SQL over the rollups, interleaved."""
    token = kpis.viewer_token(brand)
    variables = {"c": to_base64("Campaign", campaign.pk), "from": str(kpis.PERIOD.date_from),
                 "to": str(kpis.PERIOD.date_to)}
    cold, warm = kpis.GraphQLServer(KPI_REACH_CACHE_SECONDS="0"), kpis.GraphQLServer()
    try:
        answer = cold.graphql(kpis.GRAPHQL_QUERY, variables, token)["campaignKpis"]
        kpis.check_http_answer(answer, brand, [campaign.pk])
        samples = kpis.interleaved(
            lambda: cold.graphql(kpis.GRAPHQL_QUERY, variables, token),
            lambda: warm.graphql(kpis.GRAPHQL_QUERY, variables, token),
            lambda: kpis.read_with_raw_sql(brand, [campaign.pk]), repeat=repeat)
    finally:
        cold.stop()
        warm.stop()
    return {"cold": p95_ms(samples[0]), "warm": p95_ms(samples[1]), "sql": p95_ms(samples[2])}


def measure_recommendations(brand: Brand, requests: int) -> dict:
    """Train and activate the served hybrid from the database, then time ``recommendations`` over HTTP."""
    training = recommenders_speed.train_served_model(brand.pk)
    token = kpis.viewer_token(brand)
    viewers = list(brand.viewers.filter(interactions__isnull=False).distinct().order_by("pk")
                   .values_list("pk", flat=True)[:requests])
    server = kpis.GraphQLServer(**recommenders_speed.SINGLE_THREADED_BLAS)
    try:
        def ask(pk: int) -> None:
            viewer = base64.b64encode(f"Viewer:{pk}".encode()).decode()
            answer = server.graphql(recommenders_speed.QUERY, {"viewer": viewer}, token)
            assert len(answer["recommendations"]) == 20, answer

        ask(viewers[0])  # loads the active version into the server process
        samples = []
        for pk in viewers:
            started = time.perf_counter()
            ask(pk)
            samples.append(time.perf_counter() - started)
    finally:
        server.stop()
    return {"training": training, "p95": p95_ms(samples)}


def tag_videos(brand: Brand) -> None:
    """Approve the world's videos (recommendable) and give each two of 40 tags (the personas' taste block)."""
    Video.objects.filter(brand=brand).update(moderation_status="approved")
    tags = Tag.objects.bulk_create([Tag(brand=brand, name=f"tag-{i}") for i in range(40)])
    videos = list(Video.objects.filter(brand=brand).order_by("pk").values_list("pk", flat=True))
    Video.tags.through.objects.bulk_create(
        [Video.tags.through(video_id=video, tag_id=tags[(i + offset) % 40].pk)
         for i, video in enumerate(videos) for offset in (0, 1 + (i // 40) % 39)])


def measure_personas(brand: Brand) -> float:
    model = persona_model_create(brand_id=brand.pk, params={"k": 8, "window_days": None})
    started = time.perf_counter()
    persona_model_train(persona_model_id=model.pk)
    return time.perf_counter() - started


def rolled_up_rate(brand: Brand) -> tuple[float, int]:
    """(events/s, events) of ``apply_pending`` + the block rebuild over the brand's pending work."""
    started = time.perf_counter()
    added = rollups.apply_pending(brand_id=brand.pk)
    rollups.rebuild_stale_blocks(brand_id=brand.pk)
    return added / (time.perf_counter() - started), added


def measure_backfill(*, videos: int, viewers: int, events: int) -> dict:
    """Rollup throughput of ``events`` on one recent day, then of as many spread over three years."""
    brand, campaign = kpis.build_world(videos=videos, viewers=viewers)
    Brand.objects.filter(pk=brand.pk).update(slug="growth-backfill", name="Growth backfill")
    recent_day = datetime.combine(kpis.FIRST_DAY + timedelta(days=kpis.DAYS - 1), datetime.min.time(),
                                  tzinfo=kpis.ZONE)
    kpis.insert_events(brand=brand, campaign=campaign, n=events, tag="recent", first=recent_day,
                       seconds=86400 - 1, seed=0.1, pending_batch=1_000)
    recent, recent_n = rolled_up_rate(brand)
    first = recent_day - timedelta(days=365 * BACKFILL_YEARS)
    kpis.insert_events(brand=brand, campaign=campaign, n=events, tag="backfill", first=first,
                       seconds=365 * BACKFILL_YEARS * 86400, seed=0.2, pending_batch=1_000)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(DISTINCT (video_id, (occurred_at AT TIME ZONE %s)::date)) FROM marketing_interaction
               WHERE brand_id = %s AND event_id LIKE 'backfill-%%'""", [kpis.ZONE.key, brand.pk])
        pairs = cursor.fetchone()[0]
    backfill, backfill_n = rolled_up_rate(brand)
    total = selectors.kpi_totals(brand=brand, campaign_ids=None,
                                 period=selectors.Period(first.date() - timedelta(days=1), recent_day.date()))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT viewer_id), count(*) FROM marketing_interaction WHERE brand_id = %s",
                       [brand.pk])
        reach, stored = cursor.fetchone()
    assert total["reach"] == reach and recent_n + backfill_n == stored, (total["reach"], reach, stored)
    return {"recent": recent, "backfill": backfill, "events": backfill_n, "pairs": pairs}


def power_law_exponent(sizes: list[int], seconds: list[float]) -> float:
    """Least-squares slope of log(seconds) on log(size): 1.0 is linear."""
    xs, ys = [math.log(s) for s in sizes], [math.log(t) for t in seconds]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="steps of 0.1M / 0.5M / 2M and smaller batches")
    parser.add_argument("--steps", help="comma-separated interaction counts (default 1M,5M,20M)")
    parser.add_argument("--chunk", type=int, help="rows imported at each step (default 1M; --quick 100k)")
    parser.add_argument("--new-events", type=int, help="events of the delta rollup (default 100k; --quick 20k)")
    parser.add_argument("--api-rows", type=int, help="events sent to /graphql per step (default 20k; --quick 5k)")
    parser.add_argument("--videos", type=int, default=300)
    parser.add_argument("--viewers", type=int, help="viewers of the world (default 200k; --quick 20k)")
    parser.add_argument("--repeat", type=int, help="timed KPI reads per reader (default 30; --quick 15)")
    parser.add_argument("--requests", type=int, default=100, help="timed recommendation requests")
    parser.add_argument("--backfill-events", type=int, help="(default 150k; --quick 30k)")
    parser.add_argument("--backfill-videos", type=int, help="(default 10,000; --quick 3,000)")
    parser.add_argument("--only-backfill", action="store_true", help="skip the curve, time the backfill only")
    args = parser.parse_args()
    quick = args.quick
    steps = [int(s) for s in args.steps.split(",")] if args.steps else list(QUICK_STEPS if quick else FULL_STEPS)
    chunk = args.chunk or (100_000 if quick else 1_000_000)
    new_events = args.new_events or (20_000 if quick else 100_000)
    api_rows = args.api_rows or (5_000 if quick else 20_000)
    viewers = args.viewers or (20_000 if quick else 200_000)
    repeat = args.repeat or (15 if quick else 30)
    backfill_events = args.backfill_events or (30_000 if quick else 150_000)
    backfill_videos = args.backfill_videos or (3_000 if quick else 10_000)

    if not settings.IS_POSTGRES:
        sys.exit("benchmarks/growth.py measures PostgreSQL (the production database) and refuses SQLite: "
                 "set DATABASE_URL to a PostgreSQL database of its own, e.g. .../growth_bench.")
    database = settings.DATABASES["default"]["NAME"]
    if "bench" not in database:
        sys.exit(f"refusing to run on {database!r}: the benchmark empties its database; use one named *bench*.")
    call_command("migrate", verbosity=0)
    kpis.empty_brands()
    print(f"growth benchmark, {os.cpu_count()} cores, {ingest.load()} at start", flush=True)
    run = datetime.now().strftime("%Y%m%d%H%M%S")
    figures: dict = {}
    curve: list[dict] = []

    backfill = measure_backfill(videos=backfill_videos, viewers=max(viewers // 2, 10_000), events=backfill_events)
    ratio = backfill["backfill"] / backfill["recent"]
    print(f"\nbackfill: {backfill['events']:,} events over {BACKFILL_YEARS} years and {backfill_videos:,} videos "
          f"({backfill['pairs']:,} (video, day) pairs) rolled up at {backfill['backfill']:,.0f} events/s; the same "
          f"number on one recent day at {backfill['recent']:,.0f} events/s; ratio {ratio:.2f} (target >= 0.5)")
    figures |= {
        f"backfill rollup, {backfill['events']:,} events over {BACKFILL_YEARS} years, {backfill['pairs']:,} "
        "(video, day) pairs": {"value": round(backfill["backfill"]), "unit": "events/s"},
        f"recent-day delta rollup, {backfill['events']:,} events": {"value": round(backfill["recent"]),
                                                                   "unit": "events/s"},
    }
    ratios = {"backfill / recent-day rollup throughput": {"value": round(ratio, 2), "target": ">= 0.5",
                                                          "met": ratio >= 0.5}}
    stopped = False
    signal.signal(signal.SIGTERM, _stop)
    if not args.only_backfill:
        try:
            brand, campaign = kpis.build_world(videos=args.videos, viewers=viewers)
            Brand.objects.filter(pk=brand.pk).update(slug="growth-bench", name="Growth bench")
            tag_videos(brand)
            brand.refresh_from_db()
            start = datetime.combine(kpis.FIRST_DAY, datetime.min.time(), tzinfo=kpis.ZONE)
            held = 0
            for index, step in enumerate(steps):
                t0 = time.perf_counter()
                # The importer's chunks of earlier steps are in the table too: the world tops it up to the step.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM marketing_interaction")
                    held = cursor.fetchone()[0]
                if step > held:
                    kpis.insert_events(brand=brand, campaign=campaign, n=step - held, tag=f"base{index}", first=start,
                                       seconds=kpis.DAYS * 86400, seed=0.25 + index / 10)
                rollups.recompute_brand(brand_id=brand.pk)
                kpis.vacuum_rollups()
                print(f"\n== step {index + 1}: {step:,} interactions in the table (built and rolled up in "
                      f"{time.perf_counter() - t0:.0f} s; {ingest.load()})", flush=True)
                point: dict = {"interactions": step}
                rates = measure_import(step, chunk, run)
                point |= {"import": rates["import"], "copy": rates["copy"]}
                print(f"import of the next {chunk:,} rows: {rates['import']:,.0f} rows/s; raw COPY into an empty "
                      f"table of the same shape {rates['copy']:,.0f} rows/s; ratio {rates['import'] / rates['copy']:.2f}",
                      flush=True)
                api_brand = ingest.fresh_brand(f"growth-api-{index}-{run}")
                point["graphql_ingest"], _ = ingest.graphql_http_rate(api_brand, api_rows, batch=1_000, clients=2,
                                                                      workers=2)
                print(f"GraphQL ingestInteractions: {point['graphql_ingest']:,.0f} events/s", flush=True)
                delta = measure_delta(brand, campaign, new_events, step)
                point |= {"delta": delta["rate"], "delta_parts": delta["parts"], "delta_blocks_read": delta["blocks_read"]}
                print(f"delta rollup of {new_events:,} new events (+ block rebuild): {point['delta']:,.0f} events/s; "
                      + ", ".join(f"{part} {spent:.2f} s" for part, spent in delta["parts"].items())
                      + "; blocks read from outside shared_buffers: "
                      + ", ".join(f"{name} {count:,}" for name, count in delta["blocks_read"].items()), flush=True)
                kpis.vacuum_rollups()
                point["kpi"] = measure_kpis(brand, campaign, repeat)
                print(f"campaign KPI p95: cold {point['kpi']['cold']} ms, warm {point['kpi']['warm']} ms, raw SQL on the "
                      f"rollups {point['kpi']['sql']} ms", flush=True)
                recs = measure_recommendations(brand, args.requests)
                point |= {"recommender_training": recs["training"], "recommendations_p95": recs["p95"]}
                point["persona_training"] = measure_personas(brand)
                print(f"recommendations p95 {recs['p95']} ms; training: recommender {recs['training']:.1f} s, "
                      f"personas {point['persona_training']:.1f} s", flush=True)
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM marketing_interaction WHERE brand_id = %s", [brand.pk])
                    point["brand_interactions"] = cursor.fetchone()[0]
                point["sizes"] = relation_sizes()
                print("size: " + ", ".join(f"{name} {size / 1e6:,.0f} MB" for name, size in point["sizes"].items()
                                           if " index " not in name), flush=True)
                point["load"] = ingest.load()
                curve.append(point)
        except Stopped:
            stopped = True
            print(f"\nstopped (SIGTERM) after {len(curve)} of {len(steps)} steps: recording those", flush=True)
        if curve:
            figures |= curve_figures(curve, chunk=chunk, new_events=new_events)
    if len(curve) >= 2:
        ratios |= curve_ratios(curve)
    print(f"\n{ingest.load()} at the end")
    done = ", ".join(f"{p['interactions']:,}" for p in curve)
    record("growth", figures=figures, ratios=ratios,
           notes=(f"steps measured: {done or 'none'}" + (f" of {', '.join(f'{s:,}' for s in steps)} (stopped by "
                  "SIGTERM before the rest)" if stopped else "") + f"; {ingest.load()} at the end; 2 cores shared "
                  "with other engineers' runs"))


def curve_figures(curve: list[dict], *, chunk: int, new_events: int) -> dict:
    """The curve as figures, one per measurement and step, and the table printed."""
    print("\n| interactions | import rows/s | raw COPY rows/s | import/COPY | GraphQL ingest ev/s | delta ev/s | "
          "KPI p95 cold ms | warm ms | SQL ms | recs p95 ms | recommender s | personas s | table MB | load |")
    print("|" + "---|" * 14)
    figures: dict = {}
    for p in curve:
        tag = f"{p['interactions']:,}"
        print(f"| {tag} | {p['import']:,.0f} | {p['copy']:,.0f} | {p['import'] / p['copy']:.2f} | "
              f"{p['graphql_ingest']:,.0f} | {p['delta']:,.0f} | {p['kpi']['cold']} | {p['kpi']['warm']} | "
              f"{p['kpi']['sql']} | {p['recommendations_p95']} | {p['recommender_training']:.1f} | "
              f"{p['persona_training']:.1f} | {p['sizes']['marketing_interaction'] / 1e6:,.0f} | {p['load']} |")
        figures |= {
            f"{tag}: import of the next {chunk:,} rows": {"value": round(p["import"]), "unit": "rows/s"},
            f"{tag}: raw COPY of them into an empty table": {"value": round(p["copy"]), "unit": "rows/s"},
            f"{tag}: GraphQL ingest": {"value": round(p["graphql_ingest"]), "unit": "events/s"},
            f"{tag}: delta rollup of {new_events:,} events": {"value": round(p["delta"]), "unit": "events/s"},
            **{f"{tag}: delta rollup, {part}": {"value": round(spent, 2), "unit": "s"}
               for part, spent in p.get("delta_parts", {}).items()},
            **{f"{tag}: delta rollup, blocks of {name} read from outside shared_buffers": {"value": count,
                                                                                          "unit": "blocks"}
               for name, count in p.get("delta_blocks_read", {}).items()},
            f"{tag}: campaign KPI p95, cold": {"value": p["kpi"]["cold"], "unit": "ms"},
            f"{tag}: campaign KPI p95, warm": {"value": p["kpi"]["warm"], "unit": "ms"},
            f"{tag}: campaign KPI p95, raw SQL on the rollups": {"value": p["kpi"]["sql"], "unit": "ms"},
            f"{tag}: recommendations p95": {"value": p["recommendations_p95"], "unit": "ms"},
            f"{tag}: recommender training": {"value": round(p["recommender_training"], 1), "unit": "s"},
            f"{tag}: persona training": {"value": round(p["persona_training"], 1), "unit": "s"},
            **{f"{tag}: size of {name}": {"value": round(size / 1e6, 1), "unit": "MB"}
               for name, size in p["sizes"].items()},
        }
    return figures


def curve_ratios(curve: list[dict]) -> dict:
    """The targets: top step against the first (import) or the middle (delta, KPI p95); training exponent.

    A curve stopped before its third step has no middle: the top is compared with the step before it, under
    that name and with no verdict (the targets are about the whole curve).
    """
    complete = len(curve) >= 3
    first, top = curve[0], curve[-1]
    middle = curve[len(curve) // 2] if complete else curve[max(len(curve) - 2, 0)]
    against = "middle step" if complete else "step before (curve stopped)"
    import_ratio = top["import"] / first["import"]
    # the delta is a rate: its time per event at the top against the middle
    delta_ratio = middle["delta"] / top["delta"]
    kpi_ratio = top["kpi"]["cold"] / middle["kpi"]["cold"]
    sizes = [p["brand_interactions"] for p in curve]
    recommender = power_law_exponent(sizes, [p["recommender_training"] for p in curve])
    personas = power_law_exponent(sizes, [p["persona_training"] for p in curve])
    ratios = {
        "import / raw COPY, each step": {"value": ", ".join(f"{p['import'] / p['copy']:.2f}" for p in curve)},
        "import rate, top step / first step": {"value": round(import_ratio, 2), "target": ">= 0.8",
                                               "met": import_ratio >= 0.8},
        f"delta rollup time per event, top step / {against}": {
            "value": round(delta_ratio, 2), "target": "<= 1.5", **({"met": delta_ratio <= 1.5} if complete else {})},
        f"campaign KPI p95 (cold), top step / {against}": {
            "value": round(kpi_ratio, 2), "target": "<= 1.5", **({"met": kpi_ratio <= 1.5} if complete else {})},
        "campaign KPI p95 cold / raw SQL, each step": {
            "value": ", ".join(f"{p['kpi']['cold'] / p['kpi']['sql']:.1f}" for p in curve)},
        "recommender training time exponent (time ~ interactions^k)": {"value": round(recommender, 2),
                                                                       "target": "~ 1 (linear)"},
        "persona training time exponent (time ~ interactions^k)": {"value": round(personas, 2),
                                                                   "target": "~ 1 (linear)"},
    }
    for name, figure in ratios.items():
        print(f"{name}: {figure['value']}" + (f" (target {figure['target']})" if "target" in figure else ""))
    return ratios


if __name__ == "__main__":
    main()
