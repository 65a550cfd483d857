from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from analytics import (
            aggregates,  # noqa: F401 (registers the ``__any`` lookup on integer fields)
            retention,
            rollups,
        )
        from marketing.signals import interactions_stored, viewer_erasing

        # The rollup work of every ingest write, recorded in the write's own transaction (analytics.rollups).
        interactions_stored.connect(rollups.record_pending, dispatch_uid="analytics.pending_rollups")
        # An erased viewer's days whose raw events retention removed are rebuilt from the rollups too.
        viewer_erasing.connect(retention.erased_viewer_retained_span, dispatch_uid="analytics.erasure_span")
