"""The Celery app: broker and result backend from REDIS_URL, tasks autodiscovered per app."""

import os

from celery import Celery, signals

from reelboard import observability
from reelboard.db_router import start_unit_of_work

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reelboard.settings")

app = Celery("reelboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each task starts with no write noted, so its lag-tolerant reads may use the replica (reelboard/db_router.py).
signals.task_prerun.connect(start_unit_of_work, weak=False)
# Task ids on log lines and task metrics, in workers and in eager (embedded) mode alike.
signals.task_prerun.connect(observability.on_task_prerun, weak=False, dispatch_uid="rb-task-prerun")
signals.task_postrun.connect(observability.on_task_postrun, weak=False, dispatch_uid="rb-task-postrun")
signals.task_failure.connect(observability.on_task_failure, weak=False, dispatch_uid="rb-task-failure")
