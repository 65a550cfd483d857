from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AdPlatformsConfig(AppConfig):
    name = "adplatforms"
    verbose_name = _("Ad platforms")
