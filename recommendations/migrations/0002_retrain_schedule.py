"""Schedule ``recommendations.retrain_all_brands`` with django-celery-beat: daily at 02:30 UTC.

A row, so operators change or disable it in the admin; new versions are activated explicitly
(a brand's first version goes live by itself).
"""

from django.db import migrations

TASK_NAME = "Retrain recommenders for all brands"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "recommendations.retrain_all_brands", "crontab": crontab, "enabled": True,
                  "description": "Nightly recommender retraining and evaluation."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
