"""The Celery app: broker and result backend from REDIS_URL, tasks autodiscovered per app."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketing.settings")

app = Celery("reelboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
