"""``make bench``: every benchmark, one after the other, each printing its figures and ratios.

Run:  make bench                      # the sizes the issues set (long: tens of minutes)
      make bench BENCH_ARGS="--quick" # small sizes, a few minutes, for a smoke run
      make bench BENCH_ARGS="--only ingest,kpis"

The PostgreSQL benchmarks use ``BENCH_DATABASE_URL`` (default
postgres://postgres@127.0.0.1:5432/reelboard_bench; the name must contain "bench": the scripts
migrate and empty it), created here if it does not exist. MovieLens-100K is read from
``../shared/datasets/ml-100k`` (the ``REELBOARD_DATASETS_DIR`` setting overrides), never copied into the repository.
Benchmarks run one at a time: on a 2-core machine concurrent runs would distort each other.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/reelboard_bench"
sys.path.insert(0, str(ROOT))
from recommendations.datasets import shared_dataset  # noqa: E402

ML100K = str(shared_dataset("ml-100k"))

# name -> (script arguments at the issues' sizes, arguments for --quick, needs PostgreSQL)
BENCHMARKS: dict[str, tuple[list[str], list[str], bool]] = {
    "ingest": (["--rows", "1000000", "--large-rows", "4000000"], ["--rows", "100000", "--api-rows", "20000"], True),
    "kpis": (["--events", "10000000"], ["--events", "200000", "--viewers", "20000", "--repeat", "10"], True),
    "personas_scale": (["--viewers", "1000000"], ["--viewers", "100000"], False),
    "personas_ml100k": (["--path", ML100K], ["--path", ML100K], False),
    "recommenders_ml100k": (["--path", ML100K], ["--path", ML100K], False),
    "recommenders_speed": (["--movielens", ML100K], ["--movielens", ML100K, "--videos", "5000", "--viewers",
                                                     "100000", "--active-viewers", "20000", "--interactions",
                                                     "100000", "--requests", "200"], True),
    # the growth curve: 1M / 5M / 20M interactions (hours) or --quick 0.1M / 0.5M / 2M
    "growth": ([], ["--quick"], True),
}


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: benchmark databases must have 'bench' in their name")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run, not the targets)")
    parser.add_argument("--only", help=f"comma-separated subset of: {', '.join(BENCHMARKS)}")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks: {', '.join(sorted(unknown))}")
    database = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    if any(BENCHMARKS[name][2] for name in names):
        ensure_database(database)
    failed = []
    for name in names:
        full, quick, needs_postgres = BENCHMARKS[name]
        env = dict(os.environ, DATABASE_URL=database) if needs_postgres else dict(os.environ)
        env.setdefault("VIEWER_ID_HMAC_KEY", "benchmark-only-viewer-id-key")  # a database needs a dedicated key
        env.setdefault("AD_CREDENTIALS_KEY", "benchmark-only-ad-credentials-key")
        command = [sys.executable, "-u", str(ROOT / "benchmarks" / f"{name}.py"), *(quick if args.quick else full)]
        print(f"\n=== {name}: {' '.join(command[2:])}", flush=True)
        started = time.monotonic()
        code = subprocess.call(command, cwd=ROOT, env=env)
        print(f"=== {name}: exit {code} after {time.monotonic() - started:,.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
