from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics import reports, webhook_signing
from analytics.models import AlertEndpoint, DailyRollup, KpiReport, KpiReportSchedule, PacingAlert
from marketing.admin_access import BrandScopedAdmin, principal_of, role_action
from marketing.models import Campaign, Role


class EditorScopedAdmin(BrandScopedAdmin):
    """Changes and deletions need the editor role on the row's brand, as the schedules' and alerts' API does."""

    delete_role = Role.EDITOR


@admin.register(KpiReportSchedule)
class KpiReportScheduleAdmin(EditorScopedAdmin):
    list_display = ("name", "brand", "period", "language", "send_at", "is_active")
    list_filter = ("period", "is_active", "brand")
    search_fields = ("name", "recipients")
    filter_horizontal = ("campaigns",)

    actions = ["rotate_webhook_secret"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.webhook_url and not obj.webhook_secret_salt:
            self._show_secret(request, obj, webhook_signing.rotate_secret(obj))

    def _show_secret(self, request, schedule, secret: str) -> None:
        self.message_user(request, _("Webhook signing secret of %(schedule)s: %(secret)s  Copy it to the receiver "
                                     "now: it is shown only once.") % {"schedule": schedule, "secret": secret},
                          messages.WARNING)

    @role_action(Role.EDITOR, description=_("New webhook signing secret for the selected schedules (shown once)"))
    def rotate_webhook_secret(self, request, queryset):
        for schedule in queryset:
            self._show_secret(request, schedule, webhook_signing.rotate_secret(schedule))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "webhook_url":
            kwargs["assume_scheme"] = "https"  # "hooks.example.com/x" means https, not plain http
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "campaigns":
            kwargs["queryset"] = Campaign.objects.for_principal(principal_of(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(KpiReport)
class KpiReportAdmin(EditorScopedAdmin):
    list_display = ("schedule", "period_start", "period_end", "status", "attempts", "email_sent_at",
                    "webhook_sent_at", "error")
    list_filter = ("status", "brand")
    date_hierarchy = "period_end"
    readonly_fields = [f.name for f in KpiReport._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @role_action(Role.EDITOR, description=_("Re-send the selected reports (e-mail and webhook)"))
    def resend(self, request, queryset):
        for report in queryset:
            reports.resend(report_id=report.pk)
        self.message_user(request, gettext("%(count)d report(s) queued for sending.") % {"count": queryset.count()}, messages.SUCCESS)


@admin.register(DailyRollup)
class DailyRollupAdmin(EditorScopedAdmin):
    list_display = ("day", "brand", "campaign", "video", "impressions", "views", "clicks", "conversions", "revenue")
    list_filter = ("brand",)
    date_hierarchy = "day"
    readonly_fields = [f.name for f in DailyRollup._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AlertEndpoint)
class AlertEndpointAdmin(EditorScopedAdmin):
    list_display = ("brand", "recipients", "webhook_url", "language", "is_active")
    list_filter = ("is_active",)
    actions = ["rotate_webhook_secret"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.webhook_url and not obj.webhook_secret_salt:
            self._show_secret(request, obj, webhook_signing.rotate_secret(obj))

    def _show_secret(self, request, endpoint, secret: str) -> None:
        self.message_user(request, _("Webhook signing secret of the alerts of %(brand)s: %(secret)s  Copy it to the "
                                     "receiver now: it is shown only once.") % {"brand": endpoint.brand,
                                                                               "secret": secret},
                          messages.WARNING)

    @role_action(Role.EDITOR, description=_("New webhook signing secret for the selected endpoints (shown once)"))
    def rotate_webhook_secret(self, request, queryset):
        for endpoint in queryset:
            self._show_secret(request, endpoint, webhook_signing.rotate_secret(endpoint))

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "webhook_url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(PacingAlert)
class PacingAlertAdmin(EditorScopedAdmin):
    list_display = ("day", "campaign", "condition", "spend_to_date", "expected_spend", "spend_today",
                    "pacing_ratio", "email_sent_at", "webhook_sent_at", "error")
    list_filter = ("condition", "brand")
    date_hierarchy = "day"
    readonly_fields = [f.name for f in PacingAlert._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request):
        return False

    @role_action(Role.EDITOR, description=_("Re-send the selected pacing alerts (e-mail and webhook)"))
    def resend(self, request, queryset):
        from analytics.tasks import send_pacing_alert

        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(email_sent_at=None, webhook_sent_at=None)
        for alert_id in ids:
            send_pacing_alert.delay(alert_id)
        self.message_user(request, gettext("%(count)d alert(s) queued for sending.") % {"count": len(ids)},
                          messages.SUCCESS)
