from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplianceConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "compliance"
    verbose_name = _("Content compliance")

    def ready(self) -> None:
        from compliance import services
        from marketing.review import register_content_review

        # Marketing's video and campaign services screen copy and gate approvals and activation through it.
        register_content_review(services)
