"""Schedule ``analytics.apply_all_retention`` with django-celery-beat: nightly at 04:00 UTC (after the recompute and the retraining)."""

from django.db import migrations

TASK_NAME = "Remove raw interactions past each brand's retention"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(minute="0", hour="4", day_of_week="*", day_of_month="*",
                                                       month_of_year="*", timezone="UTC")
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={"task": "analytics.apply_all_retention", "crontab": crontab, "enabled": True,
                  "description": "Raw-event retention (docs/operator/retention.md): batched deletes, KPIs kept."},
    )


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0019_merged_field_names"),
        ("marketing", "0013_brand_retention"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
