"""Schedule the ad-platform report sync with django-celery-beat: hourly today + yesterday, nightly the last 7 days."""

import json

from django.db import migrations

HOURLY = "Sync ad-platform reports: today and yesterday"
NIGHTLY = "Sync ad-platform reports: the last 7 days"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    hourly, _ = CrontabSchedule.objects.get_or_create(
        minute="20", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="40", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=HOURLY,
        defaults={"task": "adplatforms.sync_recent", "crontab": hourly, "kwargs": json.dumps({"days": 2}),
                  "enabled": True, "description": "Platforms restate today's and yesterday's figures all day."},
    )
    PeriodicTask.objects.get_or_create(
        name=NIGHTLY,
        defaults={"task": "adplatforms.sync_recent", "crontab": nightly, "kwargs": json.dumps({"days": 7}),
                  "enabled": True, "description": "Late conversions and corrections restate the last week."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[HOURLY, NIGHTLY]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("adplatforms", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
