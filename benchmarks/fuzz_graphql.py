"""Fuzz /graphql with schemathesis on the production shape, authenticated, and count what the server did.

    .venv/bin/python benchmarks/locked.py .venv/bin/python benchmarks/fuzz_graphql.py

Starts (and stops) a private redis-server and gunicorn serving ``marketing.wsgi`` on a copy of the seeded
bench database (``h7_fuzz_bench``, copied from ``h7_bench``), mints an editor API token on the first demo
brand and runs ``schemathesis run`` against ``/graphql`` (schemathesis reads the schema by introspection,
so it is on for this server; rate limits are off, they would throttle one fuzzing host). Every root
query and mutation gets ``--max-examples`` generated operations, valid and invalid ones.

The figures come from the server, not from schemathesis: the gunicorn access log gives the number of
GraphQL requests and their status codes, the server log the number of tracebacks and ERROR records.
Exits 1 unless there were at least ``--min-operations`` requests, none answered 500 and no traceback
was logged. ``fuzz_graphql_hooks.py`` gives schemathesis a strategy for the ``Decimal`` scalar.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_stack import BIN, DEFAULT_BENCH_DB, Stack, base_env, log, mint_token, prepare_bench_database  # noqa: E402
from results import record  # noqa: E402


def copy_database(template_url: str, name: str) -> str:
    host_part, _ = template_url.rsplit("/", 1)
    template = template_url.rsplit("/", 1)[1]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", "-T", template, name], check=True)
    return f"{host_part}/{name}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_BENCH_DB, help="seeded bench database (template)")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--redis-port", type=int, default=6391)
    parser.add_argument("--max-examples", type=int, default=60, help="generated operations per root field")
    parser.add_argument("--min-operations", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--log-dir", default=None)
    args = parser.parse_args()

    prepare_bench_database(args.database_url)
    fuzz_url = copy_database(args.database_url, "h7_fuzz_bench")
    token, brand_id = mint_token(fuzz_url)
    env = base_env(fuzz_url, f"redis://127.0.0.1:{args.redis_port}/0", GRAPHQL_INTROSPECTION="true",
                   RATELIMIT_ENABLE="false", LOG_FORMAT="plain")
    with Stack(args.log_dir) as stack:
        stack.redis(args.redis_port)
        stack.web(env, args.port, workers=2)
        log(f"schemathesis against http://127.0.0.1:{args.port}/graphql (brand {brand_id}), logs in {stack.log_dir}")
        started = time.monotonic()
        run = subprocess.run(
            [str(BIN / "st"), "run", f"http://127.0.0.1:{args.port}/graphql",
             "-H", f"Authorization: Bearer {token}", "--checks", "not_a_server_error",
             "--max-examples", str(args.max_examples), "--seed", str(args.seed), "--workers", "2",
             "--request-timeout", "30", "--no-color", "--generation-database", "none",
             "--report", "junit", "--report-junit-path", str(stack.log_dir / "junit.xml")],
            capture_output=True, text=True,
            env={**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_graphql_hooks",
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
    print(f"GraphQL requests (access log): {requests}; by status: {dict(sorted(statuses.items()))}")
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
