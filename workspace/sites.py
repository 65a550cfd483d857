"""The admin site: Django's admin, with the brand overview as its first page and the dashboards beside it."""

from functools import partial

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from workspace import views


class ReelboardAdminSite(admin.AdminSite):
    site_header = _("Reelboard")
    site_title = _("Reelboard")
    index_title = _("Brand overview")

    def index(self, request, extra_context=None):
        return views.overview(request, site=self)

    def data_index(self, request):
        """Django's list of every model the user may manage (the index page before the dashboards)."""
        return super().index(request, extra_context={"title": _("All data")})

    def get_urls(self):
        def dashboard(view):
            return self.admin_view(partial(view, site=self))

        return [
            path("workspace/campaigns/<int:pk>/", dashboard(views.campaign_dashboard), name="workspace-campaign"),
            path("workspace/personas/", dashboard(views.personas_dashboard), name="workspace-personas"),
            path("workspace/recommendations/", dashboard(views.recommendations_preview),
                 name="workspace-recommendations"),
            path("workspace/data/", self.admin_view(self.data_index), name="workspace-data"),
            *super().get_urls(),
        ]
