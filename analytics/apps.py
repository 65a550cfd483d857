from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"

    def ready(self) -> None:
        from analytics import aggregates  # noqa: F401 (registers the ``__any`` lookup on integer fields)
