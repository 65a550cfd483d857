from django.contrib import admin

from marketing.admin_access import BrandScopedAdmin
from marketing.jobs.models import Job


@admin.register(Job)
class JobAdmin(BrandScopedAdmin):
    list_display = ("id", "kind", "brand", "status", "progress", "message", "created_at", "finished_at")
    list_filter = ("status", "kind", "brand")
    search_fields = ("kind", "message", "error", "task_id")
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
