from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = _("Recommendations")

    def ready(self):
        # Served lists are per-viewer data: they follow the brand's raw-event retention.
        from analytics.signals import raw_events_removed
        from recommendations import served

        raw_events_removed.connect(served.on_raw_events_removed, dispatch_uid="recommendations.served_lists")
