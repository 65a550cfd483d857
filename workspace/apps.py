from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class WorkspaceConfig(AppConfig):
    """The marketer's workspace: dashboards in the admin and a self-hosted GraphiQL.

    It reads several domain apps (marketing, analytics, personas, recommendations), so it sits above them
    and nothing below imports it.
    """

    name = "workspace"
    verbose_name = _("Workspace")


class ReelboardAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Reelboard's site: the brand overview is its index page."""

    default = False  # named in INSTALLED_APPS; the workspace app's own config is WorkspaceConfig
    default_site = "workspace.sites.ReelboardAdminSite"
