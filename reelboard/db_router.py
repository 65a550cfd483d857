"""Read replica routing: the reads that tolerate lag go to the ``replica`` alias, everything else to default.

``DATABASE_REPLICA_URL`` adds the ``replica`` alias (settings); without it every read stays on default.
A read goes to the replica only when all of these hold:

* it runs inside :func:`lag_tolerant` (a decorator and context manager) — the named lag-tolerant reads:
  the KPI selectors over the rollups (``analytics.selectors``: totals, comparison, series, breakdowns,
  the brand overview, top videos; the reports build on them), persona serving
  (``analytics.personas.selectors``: a viewer's persona, persona KPIs) and recommendation serving
  (``recommendations.serving``). A few seconds of replica lag shows yesterday's numbers a few seconds
  late; nothing is decided on them;
* the model is not an authentication or permission table (users, sessions, memberships, API tokens,
  login throttling, the audit log, the Celery schedule): who may do what is always read fresh;
* nothing was written earlier in the same request or task (``db_for_write`` notes every ORM write but the
  request's own bookkeeping in the tables above; the
  middleware and a Celery signal clear the note at the start of each), so a mutation that returns KPIs,
  or a read inside a write transaction, sees its own writes. (A GraphQL query runs in a read-only
  transaction on default for its statement timeout: that one does not count as a write.)

The replica's own ``statement_timeout`` is set on its role (docs/operator/scaling.md): the GraphQL
extension bounds statements on default only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# Never on the replica, whatever the caller: who may do what, and what was done.
NEVER_ON_REPLICA_APPS = frozenset({"auth", "sessions", "axes", "admin", "contenttypes", "django_celery_beat"})
NEVER_ON_REPLICA_MODELS = frozenset({"marketing.membership", "marketing.apitoken", "marketing.auditentry",
                                     "analytics.pendingrollup"})

_lag_tolerant: ContextVar[bool] = ContextVar("reelboard_lag_tolerant", default=False)
_wrote: ContextVar[bool] = ContextVar("reelboard_wrote", default=False)

F = TypeVar("F", bound=Callable)


@contextmanager
def lag_tolerant_reads() -> Iterator[None]:
    """Reads inside may be served by the replica (see the module docstring)."""
    token = _lag_tolerant.set(True)
    try:
        yield
    finally:
        _lag_tolerant.reset(token)


def lag_tolerant(func: F) -> F:
    """Decorate a selector whose reads tolerate replica lag (it must return evaluated data, not a QuerySet)."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with lag_tolerant_reads():
            return func(*args, **kwargs)
    return wrapper  # type: ignore[return-value]


def start_unit_of_work(**_ignored) -> None:
    """A new request or task: forget the writes of the previous one on this thread."""
    _wrote.set(False)


def _always_fresh(model) -> bool:
    meta = model._meta
    return meta.app_label in NEVER_ON_REPLICA_APPS or meta.label_lower in NEVER_ON_REPLICA_MODELS


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not _lag_tolerant.get() or _wrote.get() or not replica_configured() or _always_fresh(model):
            return None
        return REPLICA

    def db_for_write(self, model, **hints):
        # Bookkeeping of the request itself (a token's last use, a session, the audit log) is never read
        # from the replica, so it does not send the request's reads back to default.
        if not _always_fresh(model):
            _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as default

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return False if db == REPLICA else None


class ReplicaRoutingMiddleware:
    """Starts each request with no write noted (a thread serves many requests)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start_unit_of_work()
        return self.get_response(request)
