"""The demo world's planted truth, read-only for superusers."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from demo.models import DemoSegment, DemoViewerSegment
from marketing.admin import SuperuserReadOnlyAdmin


@admin.register(DemoSegment)
class DemoSegmentAdmin(SuperuserReadOnlyAdmin):
    list_display = ("name", "description", "viewer_count")
    search_fields = ("name", "description")
    readonly_fields = ("name", "description", "tag_affinity", "demographics")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_viewers=Count("viewers"))

    @admin.display(description=_("viewers"), ordering="n_viewers")
    def viewer_count(self, obj) -> int:
        return obj.n_viewers


@admin.register(DemoViewerSegment)
class DemoViewerSegmentAdmin(SuperuserReadOnlyAdmin):
    list_display = ("viewer", "segment")
    list_filter = ("segment", "viewer__brand")
    search_fields = ("viewer__viewer_key", "segment__name")
    list_select_related = ("viewer", "segment")
    readonly_fields = ("viewer", "segment")
