import os

import pytest
from django.conf import settings
from django.utils import translation

from marketing.auth import principal_for_user
from tests.factories import BrandFactory, MembershipFactory, UserFactory


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    broker = "redis" if settings.REDIS_URL else "none (tasks run eagerly)"
    return f"reelboard: database={engine} broker={broker}"


def pytest_configure(config):
    # Production collects static files with hashed names (collectstatic, WhiteNoise); tests render pages
    # without collecting, so they name the files plainly. tests/workspace/test_static.py runs the real thing.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def pytest_collection_modifyitems(config, items):
    # Tests of the embedded database's own behaviour have nothing to check on PostgreSQL: deselected there,
    # not skipped (CI runs them in its SQLite pass, where nothing is deselected).
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        embedded = [item for item in items if item.get_closest_marker("embedded")]
        if embedded:
            config.hook.pytest_deselected(items=embedded)
            items[:] = [item for item in items if not item.get_closest_marker("embedded")]
    # In CI every test must run: a skip there means the environment is missing a service.
    if os.environ.get("CI") and not os.environ.get("REELBOARD_ALLOW_SKIPS"):
        config.pluginmanager.register(_FailOnSkip(), "reelboard-fail-on-skip")


class _FailOnSkip:
    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.skipped and not hasattr(report, "wasxfail"):
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"


@pytest.fixture
def brand(db):
    return BrandFactory()


@pytest.fixture
def other_brand(db):
    return BrandFactory()


def member(brand, role):
    user = UserFactory()
    MembershipFactory(user=user, brand=brand, role=role)
    return user


@pytest.fixture
def editor(brand):
    return member(brand, "editor")


@pytest.fixture
def editor_principal(editor):
    return principal_for_user(editor)


@pytest.fixture(autouse=True)
def _english_after_each_test():
    # LocaleMiddleware activates a request's language in the thread and leaves it active after the response:
    # a test that asked in zh-hans must not make the next test's in-process calls (reasons, labels) Chinese.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Suites make many requests from one address; tests of the limits turn them back on."""
    settings.RATELIMIT_ENABLE = False


# --- Celery -----------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _eager_celery_unless_worker(request):
    """Ordinary tests run tasks in-process; tests marked ``worker`` go through Redis to a real worker."""
    from reelboard.celery import app

    eager = request.node.get_closest_marker("worker") is None
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    yield
    app.conf.task_always_eager = previous


def _database_url_for(db_settings) -> str:
    if db_settings["ENGINE"].endswith("postgresql"):
        user = db_settings.get("USER") or "postgres"
        password = f":{db_settings['PASSWORD']}" if db_settings.get("PASSWORD") else ""
        host = db_settings.get("HOST") or "127.0.0.1"
        port = db_settings.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{db_settings['NAME']}"
    return f"sqlite:///{db_settings['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` process on the Redis broker, reading the test database.

    Skips (with the reason) without REDIS_URL or PostgreSQL; CI sets both and fails on skips.
    """
    import shutil
    import subprocess
    import sys
    import time

    from reelboard.celery import app

    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL: a real Celery worker needs a Redis broker (CI provides one)")
    if not settings.IS_POSTGRES:
        pytest.skip("needs DATABASE_URL on PostgreSQL: the worker process must share the test database")
    env = dict(os.environ)
    env["DATABASE_URL"] = _database_url_for(settings.DATABASES["default"])
    env["CELERY_TASK_ALWAYS_EAGER"] = "false"
    celery_bin = shutil.which("celery", path=os.path.dirname(sys.executable)) or "celery"
    app.control.purge()
    proc = subprocess.Popen(
        [celery_bin, "-A", "reelboard", "worker", "--loglevel=INFO", "--concurrency=1", "--pool=prefork",
         "--without-gossip", "--without-mingle", "--hostname=ci-worker@%h",
         "--queues=" + ",".join(settings.CELERY_QUEUES_ALL)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker exited early:\n{proc.stdout.read()}")
            replies = app.control.ping(timeout=1.0) or []
            if any("ci-worker@" in name for reply in replies for name in reply):
                break
        else:
            raise RuntimeError("celery worker did not answer a ping within 60 s")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
