from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MarketingConfig(AppConfig):
    name = "marketing"
    verbose_name = _("Marketing")

    def ready(self) -> None:
        # Task ids on log lines and task metrics, in workers and in eager (embedded) mode alike.
        from celery import signals

        from marketing import observability

        signals.task_prerun.connect(observability.on_task_prerun, weak=False, dispatch_uid="rb-task-prerun")
        signals.task_postrun.connect(observability.on_task_postrun, weak=False, dispatch_uid="rb-task-postrun")
        signals.task_failure.connect(observability.on_task_failure, weak=False, dispatch_uid="rb-task-failure")
