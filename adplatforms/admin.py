"""Admin for ad accounts (brand admins), their external objects (mapping by hand) and the synced stats.

Credentials are write-only: the form has empty password inputs that are never filled back; a blank input
keeps the stored value. Adding, changing and removing an account is audit-logged (BrandScopedAdmin) with
the changed field names only, never a credential value.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from adplatforms import services
from adplatforms.models import AdAccount, ExternalObject, PlatformDailyStat
from marketing.admin_access import BrandScopedAdmin, principal_of, role_action
from marketing.models import Campaign, Role, Video
from marketing.services.errors import ServiceValidationError

SECRET_FIELDS = {
    "access_token": _("access token"),
    "refresh_token": _("refresh token"),
    "app_id": _("app ID"),
    "secret": _("app secret"),
}


class AdAccountForm(forms.ModelForm):
    clear_credentials = forms.BooleanField(required=False, label=_("remove the stored credentials"))

    class Meta:
        model = AdAccount
        fields = ("brand", "ad_platform", "advertiser_id", "name", "time_zone", "currency", "status")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, label in SECRET_FIELDS.items():
            self.fields[name] = forms.CharField(
                required=False, label=label, strip=True, widget=forms.PasswordInput(render_value=False),
                help_text=_("Write-only: leave blank to keep the stored value."))

    def clean(self):
        data = super().clean()
        brand, currency = data.get("brand"), data.get("currency")
        if brand and currency and currency.upper() != brand.currency.upper():
            self.add_error("currency", _("The account's currency must be the brand's (%(currency)s) in this version.")
                           % {"currency": brand.currency})
        return data

    def apply_credentials(self, account: AdAccount) -> None:
        current = {} if self.cleaned_data.get("clear_credentials") else account.credentials
        for name in SECRET_FIELDS:
            if self.cleaned_data.get(name):
                current[name] = self.cleaned_data[name]
        account.credentials = current


@admin.register(AdAccount)
class AdAccountAdmin(BrandScopedAdmin):
    form = AdAccountForm
    view_role = Role.EDITOR
    change_role = Role.ADMIN
    delete_role = Role.ADMIN
    list_display = ("name", "brand", "ad_platform", "advertiser_id", "currency", "time_zone", "status",
                    "credentials_stored", "last_synced_at")
    list_filter = ("ad_platform", "status", "brand")
    search_fields = ("name", "advertiser_id", "brand__name")
    readonly_fields = ("last_synced_at", "last_sync_error", "created_at", "updated_at")
    actions = ["sync_accounts"]

    @admin.display(description=_("credentials stored"), boolean=True)
    def credentials_stored(self, obj) -> bool:
        return bool(obj.credentials_encrypted)

    def save_model(self, request, obj, form, change):
        form.apply_credentials(obj)
        super().save_model(request, obj, form, change)

    @role_action(Role.EDITOR, description=_("Sync yesterday and today now"))
    def sync_accounts(self, request, queryset):
        principal, started = principal_of(request), 0
        for account in queryset:
            try:
                services.sync_job_create(principal=principal, account_id=account.pk)
                started += 1
            except ServiceValidationError as exc:
                self.message_user(request, f"{account}: {exc}", messages.ERROR)
        if started:
            self.message_user(request, ngettext("%(count)d sync job started.", "%(count)d sync jobs started.", started)
                              % {"count": started}, messages.SUCCESS)


class ExternalObjectForm(forms.ModelForm):
    class Meta:
        model = ExternalObject
        fields = ("campaign", "video", "mapped_by_hand")

    def clean(self):
        data = super().clean()
        brand_id = self.instance.ad_account.brand_id
        for name in ("campaign", "video"):
            if data.get(name) is not None and data[name].brand_id != brand_id:
                self.add_error(name, _("Choose one of the account's brand."))
        if self.has_changed() and {"campaign", "video"} & set(self.changed_data):
            data["mapped_by_hand"] = True  # a hand mapping is kept by later syncs
        return data


@admin.register(ExternalObject)
class ExternalObjectAdmin(BrandScopedAdmin):
    """Map a platform's campaign / ad group / ad to a Reelboard campaign (and video) by hand."""

    form = ExternalObjectForm
    view_role = Role.VIEWER
    change_role = Role.EDITOR
    delete_role = Role.ADMIN
    list_display = ("external_id", "level", "name", "ad_account", "campaign", "video", "mapped_by_hand")
    list_filter = ("level", "mapped_by_hand", "ad_account__ad_platform")
    search_fields = ("external_id", "name", "ad_account__name")
    list_select_related = ("ad_account", "ad_account__brand", "campaign", "video")
    readonly_fields = ("ad_account", "level", "external_id", "name", "parent_external_id", "external_video_id",
                       "updated_at")

    def brand_id_of(self, obj) -> int:
        return obj.ad_account.brand_id

    def has_add_permission(self, request):
        return False  # created by syncs and imports

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "campaign" in form.changed_data:
            moved = services.apply_mapping(external_object=obj)
            self.message_user(request, ngettext(
                "%(count)d stored report row now counts for the new campaign; its platform spend follows.",
                "%(count)d stored report rows now count for the new campaign; their platform spend follows.",
                moved) % {"count": moved})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model in (Campaign, Video):
            kwargs["queryset"] = db_field.related_model.objects.for_principal(principal_of(request),
                                                                              min_role=self.change_role)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(PlatformDailyStat)
class PlatformDailyStatAdmin(BrandScopedAdmin):
    """What the platforms reported, read-only (a sync or an import replaces a day)."""

    view_role = Role.VIEWER
    list_display = ("stat_date", "report_date", "ad_account", "level", "external_id", "campaign", "spend",
                    "impressions", "clicks", "plays", "effective_plays", "fetched_at")
    list_filter = ("level", "ad_account__ad_platform")
    search_fields = ("external_id", "ad_account__name")
    date_hierarchy = "stat_date"
    list_select_related = ("ad_account", "ad_account__brand", "campaign")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in PlatformDailyStat._meta.fields]

    def brand_id_of(self, obj) -> int:
        return obj.ad_account.brand_id

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
