"""Schedule attribution of served lists (every 5 minutes) and experiment evaluation (every 15 minutes)."""

from django.db import migrations

TASKS = (
    ("Attribute interactions to served recommendation lists", "recommendations.attribute_all_brands", 5,
     "Credits new interactions to the earliest served list of their video within the attribution window."),
    ("Evaluate running recommender experiments", "recommendations.evaluate_experiments", 15,
     "Verdicts once the sample is reached; stops an experiment whose guardrail is breached."),
)


def create_schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minutes, description in TASKS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=minutes, period="minutes")
        PeriodicTask.objects.get_or_create(
            name=name, defaults={"task": task, "interval": interval, "enabled": True, "description": description})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0004_served_lists_experiments"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
