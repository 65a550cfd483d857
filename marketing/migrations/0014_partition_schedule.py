"""Schedule ``marketing.create_interaction_partitions`` with django-celery-beat: daily at 01:00 UTC."""

from django.db import migrations

TASK_NAME = "Create the interactions' monthly partitions ahead"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="1", day_of_week="*", day_of_month="*",
                                                       month_of_year="*", timezone="UTC")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "marketing.create_interaction_partitions", "crontab": nightly, "enabled": True,
                  "description": "PostgreSQL: keeps INTERACTION_PARTITIONS_AHEAD_MONTHS months of partitions "
                                 "ready, so rows never wait for a partition."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("marketing", "0013_interaction_event_keys"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
