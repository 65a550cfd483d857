from django.apps import AppConfig


class PersonasConfig(AppConfig):
    name = "analytics.personas"
    label = "personas"
    verbose_name = "Viewer personas"
