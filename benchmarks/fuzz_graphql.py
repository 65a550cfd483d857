"""Fuzz /graphql with schemathesis on the production shape, authenticated, and count what the server did.

    .venv/bin/python benchmarks/locked.py .venv/bin/python benchmarks/fuzz_graphql.py [--backend sqlite]

Starts (and stops) a private redis-server and gunicorn serving ``reelboard.wsgi`` on a copy of the seeded
bench database (PostgreSQL: ``<name>_fuzz``, copied from ``--database-url``; SQLite with ``--backend sqlite``
or ``FUZZ_BACKEND=sqlite``: a copy of a seeded file kept in the temp directory, served by one worker as
``make run`` would), mints an editor API token on the first demo brand and runs ``schemathesis run``
against ``/graphql`` (schemathesis reads the schema by introspection, so it is on for this server; rate
limits are off, they would throttle one fuzzing host). Every root query and mutation gets
``--max-examples`` generated operations, valid and invalid ones.

Id arguments draw from an argument dictionary (``fuzz_graphql_hooks.py``): real ids of the demo world
(the token's brand's and other brands' rows of every type, dumped to ``demo-ids.json`` in the log
directory) and the malformed ids of docs/integrator/ids-and-errors.md, so cases reach the resolvers.

The figures come from the server, not from schemathesis: the gunicorn access log gives the number of
GraphQL requests and their status codes, the server log the number of tracebacks and ERROR records.
Exits 1 unless there were at least ``--min-operations`` requests, none answered 500 and no traceback
was logged. ``fuzz_graphql_hooks.py`` gives schemathesis a strategy for the ``Decimal`` scalar.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_stack import (  # noqa: E402
    BIN,
    DEFAULT_BENCH_DB,
    Stack,
    base_env,
    log,
    manage,
    mint_token,
    prepare_bench_database,
)
from results import record  # noqa: E402

# Prints a JSON list of real ids of the demo world: the first rows of every node-like type, of every brand.
DUMP_IDS = """
import json
from strawberry import relay
from analytics.models import KpiReport
from analytics.personas.models import Persona, PersonaModel
from marketing.jobs.models import Job
from marketing.models import ApiToken, Brand, Campaign, CampaignSpend, Interaction, Video, Viewer
from recommendations.models import RecommenderModel
ids = []
for model in (Brand, Video, Campaign, CampaignSpend, Viewer, Interaction, ApiToken, Job, RecommenderModel,
              KpiReport, PersonaModel, Persona):
    for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:40]:
        ids.append(str(relay.GlobalID(model.__name__, str(pk))))
print("IDS", json.dumps(ids))
"""


def dump_ids(database_url: str, path: Path) -> int:
    out = manage(base_env(database_url, CELERY_TASK_ALWAYS_EAGER="true"), "shell", "-c", DUMP_IDS, capture=True)
    ids = json.loads(next(line for line in out.splitlines() if line.startswith("IDS "))[4:])
    path.write_text(json.dumps(ids))
    return len(ids)


def prepare_sqlite(log_dir: Path) -> str:
    """A copy of a seeded and bootstrapped SQLite demo world (built once, kept in the temp directory)."""
    template = Path(tempfile.gettempdir()) / "reelboard-fuzz-bench.sqlite3"
    if not template.exists():
        log(f"seed_demo + bootstrap_demo into {template} ...")
        building = template.with_suffix(".building")
        building.unlink(missing_ok=True)
        env = base_env(f"sqlite:///{building}", CELERY_TASK_ALWAYS_EAGER="true")
        env.pop("REDIS_URL", None)
        for command in ("migrate --noinput", "seed_demo", "bootstrap_demo"):
            manage(env, *command.split(), capture=True)
        building.rename(template)
    copy = log_dir / "fuzz.sqlite3"
    shutil.copyfile(template, copy)
    return f"sqlite:///{copy}"


def copy_database(template_url: str, name: str) -> str:
    host_part, _ = template_url.rsplit("/", 1)
    template = template_url.rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", template, name], check=True)
    return f"{host_part}/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default=os.environ.get("FUZZ_BACKEND", "postgres"),
                        help="database the server runs on (env FUZZ_BACKEND)")
    parser.add_argument("--database-url", default=DEFAULT_BENCH_DB,
                        help="PostgreSQL: seeded bench database (template; its name must contain 'bench')")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--max-examples", type=int, default=60, help="generated operations per root field")
    parser.add_argument("--min-operations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log-dir", default=None)
    args = parser.parse_args()

    with Stack(args.log_dir) as stack:
        if args.backend == "sqlite":
            fuzz_url = prepare_sqlite(stack.log_dir)
        else:
            prepare_bench_database(args.database_url)
            fuzz_url = copy_database(args.database_url, args.database_url.rsplit("/", 1)[1] + "_fuzz")
        token, brand_id = mint_token(fuzz_url)
        ids_file = stack.log_dir / "demo-ids.json"
        real_ids = dump_ids(fuzz_url, ids_file)
        env = base_env(fuzz_url, f"redis://127.0.0.1:{args.redis_port}/0", GRAPHQL_INTROSPECTION="true",
                       RATELIMIT_ENABLE="false", LOG_FORMAT="plain")
        stack.redis(args.redis_port)
        stack.web(env, args.port, workers=1 if args.backend == "sqlite" else 2, start_timeout=300)  # busy hosts
        log(f"schemathesis against http://127.0.0.1:{args.port}/graphql ({args.backend}, brand {brand_id}, "
            f"{real_ids} real ids), logs in {stack.log_dir}")
        started = time.monotonic()
        run = subprocess.run(
            [str(BIN / "st"), "run", f"http://127.0.0.1:{args.port}/graphql",
             "-H", f"Authorization: Bearer {token}", "--checks", "not_a_server_error",
             "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--workers", "2",
             "--request-timeout", "30", "--no-color", "--generation-database", "none",
             "--report", "junit", "--report-junit-path", str(stack.log_dir / "junit.xml")],
            capture_output=True, text=True,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_graphql_hooks", "REELBOARD_FUZZ_IDS": str(ids_file),
                 "PYTHONPATH": str(Path(__file__).resolve().parent)})
        seconds = time.monotonic() - started
        (stack.log_dir / "schemathesis.txt").write_text(run.stdout + run.stderr)
        time.sleep(1)  # let gunicorn flush its logs
        access = (stack.log_dir / "web-access.log").read_text().splitlines()
        server_log = (stack.log_dir / "web.log").read_text()

    statuses = collections.Counter(line.split()[2] for line in access if line.startswith("POST /graphql"))
    requests = sum(statuses.values())
    tracebacks = server_log.count("Traceback (most recent call last)")
    errors = len(re.findall(r" ERROR ", server_log))
    print(run.stdout[-3000:])
    print(f"schemathesis exit code: {run.returncode}; {seconds:.0f} s")
    print(f"backend: {args.backend}; GraphQL requests (access log): {requests}; "
          f"by status: {dict(sorted(statuses.items()))}")
    print(f"server log: {tracebacks} tracebacks, {errors} ERROR records; logs: {stack.log_dir}")
    generated = re.search(r"(\d+) generated", run.stdout)
    print(f"schemathesis: {generated.group(1) if generated else '?'} test cases generated; its own findings "
          "(ST113 = an answer with errors and no data, e.g. a malformed cursor) are listed above and in "
          f"{stack.log_dir / 'schemathesis.txt'}; they are not counted as failures here")
    ok = requests >= args.min_operations and statuses.get("500", 0) == 0 and tracebacks == 0
    print("RESULT:", "PASS" if ok else "FAIL")
    record("fuzz_graphql", figures={
        "generated cases": {"value": int(generated.group(1)) if generated else None},
        "GraphQL requests": {"value": requests, "target": f">= {args.min_operations}",
                             "met": requests >= args.min_operations},
        "answers with status 500": {"value": statuses.get("500", 0), "target": "0", "met": not statuses.get("500")},
        "server tracebacks": {"value": tracebacks, "target": "0", "met": tracebacks == 0},
        "ERROR log records": {"value": errors},
    })
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
