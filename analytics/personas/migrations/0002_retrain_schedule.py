"""Schedule ``personas.retrain_personas_all_brands`` with django-celery-beat: Mondays 03:00 UTC.

The schedule is a row (PeriodicTask + CrontabSchedule), so operators can change or disable it in
the admin without a deploy; ``celery -A reelboard beat`` (DatabaseScheduler) picks it up.
"""

from django.db import migrations

TASK_NAME = "Retrain personas for all brands"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="3", day_of_week="1", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "personas.retrain_personas_all_brands", "crontab": crontab, "enabled": True,
                  "description": "Weekly persona retraining; new versions are activated explicitly."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("personas", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
