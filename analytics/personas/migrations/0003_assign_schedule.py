"""Schedule ``personas.assign_new_viewers_all_brands`` hourly (minute 15) with django-celery-beat.

New viewers get a persona from the active model within the hour, without retraining.
"""

from django.db import migrations

TASK_NAME = "Assign new viewers to personas"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "personas.assign_new_viewers_all_brands", "crontab": crontab, "enabled": True,
                  "description": "Hourly: assign viewers seen since training with each brand's active model."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("personas", "0002_retrain_schedule")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
