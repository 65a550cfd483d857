"""gunicorn's settings (reelboard/gunicorn_config.py): a worker accepts only the connections its threads can
serve now, so waiting requests queue once for all workers instead of behind one busy worker."""

import importlib
import os

import pytest
from gunicorn.config import Config

import reelboard.gunicorn_config


def load(monkeypatch, **environ) -> Config:
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):  # restored after
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    module = importlib.reload(reelboard.gunicorn_config)
    config = Config()
    for name in ("workers", "worker_class", "threads", "worker_connections", "keepalive", "backlog"):
        config.set(name, getattr(module, name))
    return config


@pytest.mark.parametrize("threads", ["1", "3"])
def test_a_worker_takes_no_more_connections_than_it_has_threads(monkeypatch, threads):
    config = load(monkeypatch, WEB_CONCURRENCY="4", WEB_THREADS=threads)
    assert (config.workers, config.threads, config.worker_connections) == (4, int(threads), int(threads))
    assert config.worker_class_str == "gthread"
    assert config.keepalive == 0


def test_defaults_are_two_workers_per_cpu_with_one_thread(monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    config = load(monkeypatch)
    assert (config.workers, config.threads, config.worker_connections) == (4, 1, 1)


def test_blas_runs_single_threaded_in_the_workers_unless_set(monkeypatch):
    load(monkeypatch)
    assert (os.environ["OPENBLAS_NUM_THREADS"], os.environ["OMP_NUM_THREADS"]) == ("1", "1")
    load(monkeypatch, OPENBLAS_NUM_THREADS="2")
    assert (os.environ["OPENBLAS_NUM_THREADS"], os.environ["OMP_NUM_THREADS"]) == ("2", "1")
