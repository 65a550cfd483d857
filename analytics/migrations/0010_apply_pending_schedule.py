"""Schedule ``analytics.apply_all_pending_rollups`` with django-celery-beat: every minute."""

from django.db import migrations

TASK_NAME = "Apply pending interactions to the KPI rollups"


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    every_minute, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "analytics.apply_all_pending_rollups", "interval": every_minute, "enabled": True,
                  "description": "Safety net: adds interactions whose post-ingest enqueue was lost."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0009_pending_rollups"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
