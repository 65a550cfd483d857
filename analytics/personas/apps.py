from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonasConfig(AppConfig):
    name = "analytics.personas"
    label = "personas"
    verbose_name = _("Viewer personas")

    def ready(self) -> None:
        from analytics.personas import selectors
        from marketing.signals import viewer_exporting

        # A viewer's data export (marketing.services.privacy) includes their persona assignments.
        viewer_exporting.connect(selectors.viewer_export_sections, dispatch_uid="personas.viewer_export")
