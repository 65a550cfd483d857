from django.apps import AppConfig


class ReelboardConfig(AppConfig):
    """The project itself, installed last: it has no models, only wiring that needs every app loaded."""

    name = "reelboard"
    verbose_name = "Reelboard"

    def ready(self) -> None:
        from reelboard.celery import app

        # Every app's tasks are registered in every process (web, shell, worker alike), so a task queued by its
        # registered name (``current_app.signature("analytics.send_report")``) runs eagerly in embedded mode
        # and is routed by name everywhere. Celery itself imports them only when a worker starts.
        app.autodiscover_tasks(force=True)
