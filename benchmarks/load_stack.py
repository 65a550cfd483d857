"""The production shape on one host, for the fuzz, load and fault scripts: a bench PostgreSQL database,
a private redis-server, gunicorn serving ``reelboard.wsgi`` and a Celery worker, each a child process of
the calling script and stopped by it (never the shared Redis on 6379 or the shared PostgreSQL cluster).

Not a benchmark itself: ``fuzz_graphql.py``, ``load_graphql.py`` and ``faults.py`` import it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DEFAULT_BENCH_DB = "postgres://postgres@127.0.0.1:5432/h7_bench"

# Creates (or re-uses) an editor token on the first demo brand and prints it; tokens are stored hashed.
MINT_TOKEN = """
from demo.spec import DEMO_SLUGS
from marketing.models import ApiToken, Brand, hash_token
brand = Brand.objects.get(slug=DEMO_SLUGS[0])
ApiToken.objects.filter(brand=brand, name="reliability suites").delete()
raw = ApiToken.generate_raw()
ApiToken.objects.create(brand=brand, name="reliability suites", role="editor", prefix=raw[:12],
                        token_hash=hash_token(raw))
print("TOKEN", raw, brand.pk)
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def base_env(database_url: str, redis_url: str = "", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.setdefault("VIEWER_ID_HMAC_KEY", "benchmark-only-viewer-id-key")  # a database needs a dedicated key
    env.setdefault("AD_CREDENTIALS_KEY", "benchmark-only-ad-credentials-key")
    env.update(DATABASE_URL=database_url, DEBUG="false", LOG_LEVEL=env.get("LOG_LEVEL", "INFO"),
               PYTHONUNBUFFERED="1")
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, capture: bool = False) -> str:
    result = subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True,
                            text=True, capture_output=capture)
    return result.stdout if capture else ""


def prepare_bench_database(database_url: str, *, seed: bool = True) -> None:
    """Create the bench database if needed, migrate it and seed the demo world (idempotent)."""
    parts = urllib.parse.urlparse(database_url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to use {name!r}: the bench database's name must contain 'bench'")
    exists = subprocess.run(
        ["psql", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
         "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'", "postgres"],
        capture_output=True, text=True, check=True).stdout.strip()
    if not exists:
        subprocess.run(["createdb", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
                        "-U", parts.username or "postgres", name], check=True)
    env = base_env(database_url, CELERY_TASK_ALWAYS_EAGER="true")
    manage(env, "migrate", "--noinput", capture=True)
    seeded = subprocess.run(["psql", database_url, "-tAc", "SELECT count(DISTINCT brand_id) FROM "
                             "recommendations_recommendermodel WHERE is_active"], capture_output=True, text=True)
    if seed and seeded.returncode == 0 and int(seeded.stdout.strip() or 0) >= 3:
        log("bench database already seeded and bootstrapped")
    elif seed:
        log("seed_demo + bootstrap_demo (idempotent) ...")
        manage(env, "seed_demo", capture=True)
        manage(env, "bootstrap_demo", capture=True)


def mint_token(database_url: str) -> tuple[str, int]:
    out = manage(base_env(database_url, CELERY_TASK_ALWAYS_EAGER="true"), "shell", "-c", MINT_TOKEN, capture=True)
    line = next(line for line in out.splitlines() if line.startswith("TOKEN "))
    _, raw, brand_id = line.split()
    return raw, int(brand_id)


class Stack(contextlib.ExitStack):
    """Child processes started by this script, stopped (by pid) when the ``with`` block ends."""

    def __init__(self, log_dir: Path | None = None) -> None:
        super().__init__()
        self.log_dir = Path(log_dir or tempfile.mkdtemp(prefix="reelboard-stack-"))
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> Stack:
        # A script stopped with SIGTERM (e.g. by `timeout`) still stops its children.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        return super().__enter__()

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        handle = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed by the exit stack
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.callback(handle.close)
        self.callback(stop, proc)
        return proc

    def redis(self, port: int) -> subprocess.Popen:
        proc = self.spawn(f"redis-{port}", ["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                            "--save", "", "--appendonly", "no"], os.environ.copy())
        wait_for(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                        text=True).stdout.strip() == "PONG", f"redis on {port}")
        return proc

    def web(self, env: dict[str, str], port: int, *, workers: int = 2, threads: int = 1,
            name: str = "web", start_timeout: float = 60) -> subprocess.Popen:
        """gunicorn with the production settings (``reelboard/gunicorn_config.py``), ``workers`` x ``threads``."""
        env = {**env, "WEB_CONCURRENCY": str(workers), "WEB_THREADS": str(threads)}
        argv = [str(BIN / "gunicorn"), "-c", "python:reelboard.gunicorn_config", "reelboard.wsgi:application",
                "--bind", f"127.0.0.1:{port}", "--timeout", "60",
                "--access-logfile", str(self.log_dir / f"{name}-access.log"),
                "--access-logformat", '%(m)s %(U)s %(s)s %(M)s %(p)s %({x-request-id}i)s']
        proc = self.spawn(name, argv, env)
        wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/health/live"), f"gunicorn on {port}", start_timeout)
        return proc

    def worker(self, env: dict[str, str], hostname: str, *, concurrency: int = 1,
               visibility_timeout: int | None = None) -> subprocess.Popen:
        """A ``celery worker``; ``visibility_timeout`` (s) makes the broker redeliver a lost task sooner
        (kombu sweeps for expired unacknowledged messages every ~100 s by default: every 2 s here)."""
        if visibility_timeout is None:
            argv = [str(BIN / "celery"), "-A", "reelboard", "worker"]
        else:  # same app, shorter Redis visibility timeout (settings give CELERY_TASK_TIME_LIMIT + 300 s)
            argv = [str(BIN / "python"), "-c",
                    "import sys; from reelboard.celery import app; "
                    "app.conf.broker_transport_options = {"
                    f"'visibility_timeout': {visibility_timeout}, 'unacked_restore_interval': 2, "
                    "'unacked_restore_throttle': 1}; "
                    "app.worker_main(sys.argv[1:])", "worker"]
        argv += ["--loglevel=INFO", f"--concurrency={concurrency}", "--pool=prefork", "--without-gossip",
                 "--without-mingle", f"--hostname={hostname}"]
        return self.spawn(hostname.split("@")[0], argv, env)


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop one child started by this script (and its own process group), by pid."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def wait_for(check, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status == 200


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its children (gunicorn master + workers), in MB."""
    root = psutil.Process(pid)
    procs = [root, *root.children(recursive=True)]
    total = 0
    for proc in procs:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total / 2**20
