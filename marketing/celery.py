"""The Celery app: broker and result backend from REDIS_URL, tasks autodiscovered per app."""

import os

from celery import Celery
from celery.signals import task_prerun

from marketing.db_router import start_unit_of_work

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing.settings")

app = Celery("reelboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Each task starts with no write noted, so its lag-tolerant reads may use the replica (marketing/db_router.py).
task_prerun.connect(start_unit_of_work, weak=False)
