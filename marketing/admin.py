"""Django admin for the marketing domain: thin, brand-scoped, writes through the services.

Visibility and rights come from brand roles, not Django model permissions: superusers see
everything; other staff see the rows of the brands they are members of (``for_principal``), may
change them as editors, and only pick their own brands' rows in foreign-key fields. Adding and
changing brands, videos, campaigns, spend and API tokens goes through ``marketing.services``
(the form runs the service and shows its typed errors on the fields); moderation and campaign
status changes are bulk actions that call ``video_moderate`` / ``campaign_transition`` per row
and report each failing row. Interactions are append-only facts: read-only here.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse
from django.template import engines
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from marketing.admin_access import BrandScopedAdmin, principal_of, role_action
from marketing.auth import Principal
from marketing.models import (
    ApiToken,
    AuditEntry,
    AuditSource,
    Brand,
    Campaign,
    CampaignSpend,
    CampaignStatus,
    Interaction,
    Membership,
    ModerationStatus,
    Platform,
    Role,
    SpendSource,
    Tag,
    Video,
    Viewer,
)
from marketing.services import brands as brand_services
from marketing.services import campaigns as campaign_services
from marketing.services import privacy as privacy_services
from marketing.services import retention as retention_services
from marketing.services import videos as video_services
from marketing.services.errors import ServiceValidationError

admin.site.site_header = _("Reelboard administration")
admin.site.site_title = _("Reelboard admin")


def report_failures(modeladmin, request, failures: list[tuple[object, ServiceValidationError]], done: int,
                    done_message: str) -> None:
    """One error message per failed row (with the service's reason), one success message for the rest.

    ``done_message`` is a translatable text with ``%(count)d``, e.g. ``_("%(count)d token(s) revoked.")``.
    """
    for obj, exc in failures:
        modeladmin.message_user(request, f"{obj}: {'; '.join(str(e.message) for e in exc.errors)}", messages.ERROR)
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)


def apply_each(modeladmin, request, queryset, service, *, done_message: str, change_message: str) -> None:
    """Run ``service(row)`` for each selected row; each success goes to the admin history and the
    audit log, each failure is reported with the service's reason."""
    failures, done = [], 0
    for obj in queryset:
        try:
            service(obj)
        except ServiceValidationError as exc:
            failures.append((obj, exc))
        else:
            done += 1
            modeladmin.log_change(request, obj, change_message)
    report_failures(modeladmin, request, failures, done, done_message)


class ServiceForm(forms.ModelForm):
    """A model form whose save is a service call: ``run_service`` writes and returns the row.

    The service runs at validation time so that its typed errors land on the form's fields; the
    model's own validation is skipped here because the service does ``full_clean`` itself (run after
    the write it would flag the new row as a duplicate of itself).
    """

    request = None  # set by ServiceAdmin.get_form
    saved = None
    # Service argument names that are a differently named form field.
    field_aliases = {"video_ids": "videos", "brand_id": "brand", "campaign_id": "campaign"}

    def run_service(self, principal: Principal, data: dict):
        raise NotImplementedError

    def _post_clean(self):
        if self.errors:
            return
        try:
            self.saved = self.run_service(principal_of(self.request), self.cleaned_data)
        except ServiceValidationError as exc:
            for error in exc.errors:
                field = self.field_aliases.get(error.field, error.field)
                self.add_error(field if field in self.fields else None, error.message)
            return
        # Inline formsets were built on self.instance: give it the saved row's identity and values.
        for model_field in self.saved._meta.concrete_fields:
            setattr(self.instance, model_field.attname, getattr(self.saved, model_field.attname))
        self.instance._state.adding = False


class ServiceAdmin(BrandScopedAdmin):
    """Saves through the form's service call instead of ``Model.save``."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"request": request})

    def save_form(self, request, form, change):
        return form.saved

    def save_model(self, request, obj, form, change):
        pass  # the service saved it

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


# --- Brands and access ------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    """A brand's members; managing them needs the admin role on the brand."""

    model = Membership
    extra = 0
    autocomplete_fields = ("user",)

    def _brand_role(self, request, brand, role) -> bool:
        principal = principal_of(request)
        return principal.is_global or (brand is not None and principal.has_role(brand.pk, role))

    def has_view_permission(self, request, obj=None):
        return self._brand_role(request, obj, Role.VIEWER)

    def has_add_permission(self, request, obj=None):
        return self._brand_role(request, obj, Role.ADMIN)

    def has_change_permission(self, request, obj=None):
        return self._brand_role(request, obj, Role.ADMIN)

    def has_delete_permission(self, request, obj=None):
        return self._brand_role(request, obj, Role.ADMIN)


class BrandForm(ServiceForm):
    # Set through marketing.services.retention (brand admins; the change form of an existing brand only).
    retention_fields = ("raw_event_retention_days", "purge_viewer_data")

    class Meta:
        model = Brand
        fields = ("name", "slug", "reporting_timezone", "currency", "raw_event_retention_days", "purge_viewer_data")

    def run_service(self, principal, data):
        retention_data = {name: data.pop(name) for name in self.retention_fields if name in data}
        if self.instance.pk is None:
            return brand_services.brand_create(principal=principal, **data)
        with transaction.atomic():  # a refused retention leaves the other fields unchanged too
            brand = brand_services.brand_update(principal=principal, brand_id=self.instance.pk, **data)
            if retention_data and any(name in self.changed_data for name in retention_data):
                brand = retention_services.brand_set_retention(
                    principal=principal, brand_id=brand.pk, source=AuditSource.ADMIN,
                    raw_event_retention_days=retention_data.get("raw_event_retention_days"),
                    purge_viewer_data=retention_data.get("purge_viewer_data", False))
        return brand


@admin.register(Brand)
class BrandAdmin(ServiceAdmin):
    form = BrandForm
    list_display = ("name", "slug", "reporting_timezone", "currency", "video_count", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("currency", "reporting_timezone")
    date_hierarchy = "created_at"
    list_select_related = ()
    change_role = Role.ADMIN
    inlines = (MembershipInline,)

    def brand_id_of(self, obj) -> int:
        return obj.pk

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # retention is set on an existing brand, by its admins (the add form has no brand role yet)
        return fields if obj is not None else [f for f in fields if f not in BrandForm.retention_fields]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_videos=Count("videos"))

    @admin.display(description=_("videos"), ordering="n_videos")
    def video_count(self, obj) -> int:
        return obj.n_videos

    def has_add_permission(self, request):
        # Any signed-in staff user may start a brand (they become its admin), as in the API.
        return request.user.is_active and request.user.is_staff


@admin.register(Membership)
class MembershipAdmin(BrandScopedAdmin):
    list_display = ("user", "brand", "role", "created_at")
    list_filter = ("role", "brand")
    search_fields = ("user__username", "user__email", "brand__name")
    autocomplete_fields = ("user", "brand")
    list_select_related = ("user", "brand")
    change_role = Role.ADMIN
    date_hierarchy = "created_at"


class ApiTokenForm(ServiceForm):
    expires_in_days = forms.IntegerField(
        label=_("Expires in (days)"), min_value=1, required=False,
        help_text=_("The token stops working after this many days (default API_TOKEN_DEFAULT_DAYS, at most "
                    "API_TOKEN_MAX_DAYS)."))

    class Meta:
        model = ApiToken
        fields = ("brand", "name", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expires_in_days"].initial = settings.API_TOKEN_DEFAULT_DAYS

    def run_service(self, principal, data):
        token, self.raw_token = brand_services.api_token_create(
            principal=principal, brand_id=data["brand"].pk, name=data["name"], role=data["role"],
            expires_in_days=data.get("expires_in_days"))
        return token


# Brand admins are warned on the token list this many days before a token of theirs expires.
TOKEN_EXPIRY_WARNING_DAYS = 30


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdmin):
    """Token metadata is for brand admins only, as in GraphQL (``ApiTokenType.min_role``)."""

    form = ApiTokenForm
    view_role = Role.ADMIN
    list_display = ("name", "brand", "role", "prefix", "created_by", "created_at", "last_used_at", "expires_at",
                    "revoked_at")
    list_filter = ("role", ("revoked_at", admin.EmptyFieldListFilter), "brand")
    search_fields = ("name", "prefix", "brand__name")
    date_hierarchy = "created_at"
    autocomplete_fields = ("brand",)
    list_select_related = ("brand", "created_by")
    change_role = Role.ADMIN
    actions = ("revoke_tokens",)
    readonly_fields = ("brand", "name", "role", "prefix", "created_by", "created_at", "last_used_at", "expires_at",
                       "revoked_at")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ("brand", "name", "role", "expires_in_days")

    def changelist_view(self, request, extra_context=None):
        # Tokens that existed before expiry got one (migration 0007); tell their admins before they stop.
        soon = self.get_queryset(request).active().filter(
            expires_at__lte=timezone.now() + timedelta(days=TOKEN_EXPIRY_WARNING_DAYS)).count()
        if soon and request.method == "GET":
            self.message_user(request, ngettext(
                "%(count)d active token expires within %(days)d days: issue a replacement and update its client.",
                "%(count)d active tokens expire within %(days)d days: issue replacements and update their clients.",
                soon) % {"count": soon, "days": TOKEN_EXPIRY_WARNING_DAYS}, messages.WARNING)
        return super().changelist_view(request, extra_context)

    def has_change_permission(self, request, obj=None):
        # Tokens are immutable once issued; only revocation (an action) changes them.
        return obj is None and super().has_change_permission(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        form_raw = getattr(request, "_issued_raw_token", None)
        if form_raw:
            self.message_user(request, gettext("Token issued for %(brand)s: %(token)s  Copy it now: it is shown only "
                                               "once.") % {"brand": obj.brand, "token": form_raw},
                              messages.WARNING)
        return super().response_add(request, obj, post_url_continue)

    def save_form(self, request, form, change):
        request._issued_raw_token = getattr(form, "raw_token", None)
        return super().save_form(request, form, change)

    @role_action(Role.ADMIN, description=_("Revoke the selected tokens"))
    def revoke_tokens(self, request, queryset):
        apply_each(self, request, queryset, lambda token: brand_services.api_token_revoke(
            principal=principal_of(request), token_id=token.pk), done_message=_("%(count)d token(s) revoked."),
            change_message="revoked")


# --- Catalogue ------------------------------------------------------------------------------


class GlobalCatalogueAdmin(admin.ModelAdmin):
    """Platforms are shared by every brand: any staff member reads, superusers edit."""

    search_fields = ("name",)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Platform)
class PlatformAdmin(GlobalCatalogueAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Tag)
class TagAdmin(BrandScopedAdmin):
    """A brand's tags (the changelist and the video form's autocomplete list the caller's brands' only).

    Tags come from the videos' forms and the API (``video_services``); here they are read, and editors
    may delete one their brand no longer wants.
    """

    list_display = ("name", "brand")
    list_filter = ("brand",)
    search_fields = ("name",)
    delete_role = Role.EDITOR

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VideoForm(ServiceForm):
    class Meta:
        model = Video
        fields = ("brand", "platform", "external_id", "title", "description", "script", "cover_text", "category", "tags",
                  "duration_ms", "published_at")

    def run_service(self, principal, data):
        fields = {"title": data["title"], "description": data.get("description", ""),
                  "script": data.get("script", ""), "cover_text": data.get("cover_text", ""),
                  "category": data.get("category", ""), "tags": [t.name for t in data.get("tags", [])],
                  "duration_ms": data["duration_ms"], "published_at": data.get("published_at")}
        if self.instance.pk is None:
            return video_services.video_create(principal=principal, brand_id=data["brand"].pk,
                                               platform=data["platform"].code, external_id=data["external_id"],
                                               **fields)
        return video_services.video_update(principal=principal, video_id=self.instance.pk, **fields)


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), required=True, strip=True,
                             label=_("Reason"), help_text=_("Shown to the creator: say what to change."))


CONFIRM_TEMPLATE = """{% extends "admin/base_site.html" %}
{% block content %}
<p>{{ question }}</p>
<ul>{% for obj in objects %}<li>{{ obj }}</li>{% endfor %}</ul>
<form method="post">{% csrf_token %}
  {% for obj in objects %}<input type="hidden" name="_selected_action" value="{{ obj.pk }}">{% endfor %}
  <input type="hidden" name="action" value="{{ action }}">
  {% if form %}{{ form.as_p }}{% endif %}
  <input type="submit" name="apply" value="{{ button }}">
  <a href="">{{ cancel }}</a>
</form>
{% endblock %}"""


def confirmation_page(modeladmin, request, queryset, *, action: str, title: str, question: str, button: str,
                      form=None) -> HttpResponse:
    """The intermediate page of a bulk action that asks first (and maybe for a form); posting it back
    with ``apply`` runs the action for the same rows."""
    page = engines["django"].from_string(CONFIRM_TEMPLATE)
    context = {**modeladmin.admin_site.each_context(request), "title": title, "question": question,
               "objects": list(queryset), "action": action, "button": button, "form": form,
               "opts": modeladmin.model._meta, "cancel": gettext("Cancel")}
    return HttpResponse(page.render(context, request))


@admin.register(Video)
class VideoAdmin(ServiceAdmin):
    form = VideoForm
    list_display = ("title", "brand", "platform", "category", "moderation_status", "duration_ms", "published_at")
    list_filter = ("moderation_status", "platform", "category", "brand")
    search_fields = ("title", "external_id", "description", "tags__name")
    date_hierarchy = "published_at"
    autocomplete_fields = ("brand", "tags")
    list_select_related = ("brand", "platform")
    readonly_fields = ("moderation_status", "moderation_reason", "moderated_by", "moderated_at", "created_at")
    actions = ("approve_videos", "reject_videos", "send_back_to_review")

    def get_readonly_fields(self, request, obj=None):
        # The identity of a video (brand, platform, platform id) is fixed once created.
        return (*self.readonly_fields, "brand", "platform", "external_id") if obj else self.readonly_fields

    MODERATED = {ModerationStatus.APPROVED: _("%(count)d video(s) approved."),
                 ModerationStatus.PENDING: _("%(count)d video(s) sent back to review."),
                 ModerationStatus.REJECTED: _("%(count)d video(s) rejected.")}

    def _moderate(self, request, queryset, status: str, reason: str = "") -> None:
        apply_each(self, request, queryset, lambda video: video_services.video_moderate(
            principal=principal_of(request), video_id=video.pk, status=status, reason=reason),
            done_message=self.MODERATED[status], change_message=f"marked {status}")

    @role_action(Role.EDITOR, description=_("Approve the selected videos"))
    def approve_videos(self, request, queryset):
        self._moderate(request, queryset, ModerationStatus.APPROVED)

    @role_action(Role.EDITOR, description=_("Send the selected videos back to review"))
    def send_back_to_review(self, request, queryset):
        self._moderate(request, queryset, ModerationStatus.PENDING)

    @role_action(Role.EDITOR, description=_("Reject the selected videos (asks for a reason)"))
    def reject_videos(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self._moderate(request, queryset, ModerationStatus.REJECTED, form.cleaned_data["reason"])
            return None  # back to the changelist
        return confirmation_page(self, request, queryset, action="reject_videos", title=gettext("Reject videos"),
                                 question=gettext("Reject %(count)d video(s):") % {"count": queryset.count()},
                                 button=gettext("Reject"), form=form)


# --- Campaigns ---------------------------------------------------------------------------------


class CampaignForm(ServiceForm):
    class Meta:
        model = Campaign
        fields = ("brand", "name", "objective", "starts_at", "ends_at", "budget_daily", "budget_lifetime", "currency",
                  "videos")

    def run_service(self, principal, data):
        fields = {key: data.get(key) for key in ("name", "objective", "starts_at", "ends_at", "budget_daily",
                                                  "budget_lifetime", "currency")}
        video_ids = [v.pk for v in data.get("videos", [])]
        if self.instance.pk is None:
            return campaign_services.campaign_create(principal=principal, brand_id=data["brand"].pk,
                                                     video_ids=video_ids, **fields)
        return campaign_services.campaign_update(principal=principal, campaign_id=self.instance.pk,
                                                 video_ids=video_ids, **fields)


class CampaignSpendInline(admin.TabularInline):
    model = CampaignSpend
    extra = 0
    fields = ("date", "amount", "currency", "source", "ad_account", "overridden")
    readonly_fields = fields

    @admin.display(description=_("overridden by platform spend"), boolean=True)
    def overridden(self, obj) -> bool:
        # A manual entry of a day that an ad account reports is not summed (adplatforms.selectors.effective_spend).
        return obj.source == SpendSource.MANUAL and CampaignSpend.objects.filter(
            campaign_id=obj.campaign_id, date=obj.date, source=SpendSource.PLATFORM).exists()
    ordering = ("-date",)
    can_delete = False
    show_change_link = True

    def has_view_permission(self, request, obj=None):
        return True  # the parent campaign is already brand-scoped

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ServiceAdmin):
    form = CampaignForm
    list_display = ("name", "brand", "objective", "status", "budget_daily", "currency", "starts_at", "ends_at",
                    "dashboard")
    list_filter = ("status", "objective", "brand")
    search_fields = ("name", "brand__name")
    date_hierarchy = "starts_at"
    autocomplete_fields = ("brand", "videos")
    readonly_fields = ("status", "status_changed_at", "created_at", "updated_at")
    inlines = (CampaignSpendInline,)
    actions = ("activate_campaigns", "pause_campaigns", "complete_campaigns")

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "brand") if obj else self.readonly_fields

    @admin.display(description=_("Dashboard"))
    def dashboard(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("admin:workspace-campaign", args=[obj.pk]), _("KPIs"))

    TRANSITIONED = {CampaignStatus.ACTIVE: _("%(count)d campaign(s) now active."),
                    CampaignStatus.PAUSED: _("%(count)d campaign(s) now paused."),
                    CampaignStatus.COMPLETED: _("%(count)d campaign(s) now completed.")}

    def _transition(self, request, queryset, to: str) -> None:
        apply_each(self, request, queryset, lambda campaign: campaign_services.campaign_transition(
            principal=principal_of(request), campaign_id=campaign.pk, to=to),
            done_message=self.TRANSITIONED[to], change_message=f"status -> {to}")

    @role_action(Role.EDITOR, description=_("Activate the selected campaigns"))
    def activate_campaigns(self, request, queryset):
        self._transition(request, queryset, CampaignStatus.ACTIVE)

    @role_action(Role.EDITOR, description=_("Pause the selected campaigns"))
    def pause_campaigns(self, request, queryset):
        self._transition(request, queryset, CampaignStatus.PAUSED)

    @role_action(Role.EDITOR, description=_("Complete the selected campaigns"))
    def complete_campaigns(self, request, queryset):
        self._transition(request, queryset, CampaignStatus.COMPLETED)


class CampaignSpendForm(ServiceForm):
    class Meta:
        model = CampaignSpend
        fields = ("campaign", "date", "amount", "currency")

    def run_service(self, principal, data):
        return campaign_services.campaign_record_spend(principal=principal, campaign_id=data["campaign"].pk,
                                                       date=data["date"], amount=data["amount"],
                                                       currency=data.get("currency"))


@admin.register(CampaignSpend)
class CampaignSpendAdmin(ServiceAdmin):
    form = CampaignSpendForm
    list_display = ("campaign", "date", "amount", "currency", "updated_at")
    list_filter = ("campaign__brand", "currency")
    search_fields = ("campaign__name",)
    date_hierarchy = "date"
    autocomplete_fields = ("campaign",)
    list_select_related = ("campaign", "campaign__brand")
    delete_role = Role.EDITOR

    def brand_id_of(self, obj) -> int:
        return obj.campaign.brand_id


# --- Audience and facts (read-only) ---------------------------------------------------------------


class ReadOnlyAdmin(BrandScopedAdmin):
    """Facts that arrive through ingestion: nobody adds, changes or deletes them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Viewer)
class ViewerAdmin(ReadOnlyAdmin):
    # Only the pseudonymous key identifies a viewer; raw platform ids are never stored.
    list_display = ("short_key", "brand", "platform", "gender", "age_band", "region", "first_seen_at",
                    "last_seen_at")
    list_filter = ("platform", "gender", "age_band", "region", "brand")
    search_fields = ("viewer_key",)
    date_hierarchy = "last_seen_at"
    list_select_related = ("brand", "platform")
    fields = ("viewer_key", "brand", "platform", "gender", "age_band", "region", "first_seen_at", "last_seen_at")
    readonly_fields = fields

    actions = ("erase_viewers",)

    @admin.display(description=_("pseudonymous key"), ordering="viewer_key")
    def short_key(self, obj) -> str:
        return f"{obj.viewer_key[:16]}…"

    @role_action(Role.ADMIN, description=_("Erase the selected viewers and all their data (irreversible; asks first)"))
    def erase_viewers(self, request, queryset):
        if "apply" in request.POST:
            apply_each(self, request, queryset, lambda viewer: privacy_services.viewer_erase(
                principal=principal_of(request), viewer_id=viewer.pk, source=AuditSource.ADMIN),
                done_message=_("%(count)d viewer(s) erased."), change_message="erased")
            return None
        return confirmation_page(
            self, request, queryset, action="erase_viewers", title=gettext("Erase viewers"), button=gettext("Erase"),
            question=gettext("Erase %(count)d viewer(s) with their interactions, persona assignments and per-viewer "
                             "rollups? KPIs are recomputed. This cannot be undone.") % {"count": queryset.count()})

    def log_change(self, request, obj, message):
        # The erasure service records its own audit entry; the viewer row no longer exists for LogEntry.
        return None


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "source", "action", "object_type", "object_id", "succeeded", "brand", "actor_user",
                    "actor_token")
    list_filter = ("source", "succeeded", "object_type", "brand")
    search_fields = ("action", "object_id")
    date_hierarchy = "created_at"
    list_select_related = ("brand", "actor_user", "actor_token")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


@admin.register(Interaction)
class InteractionAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "brand", "video", "campaign", "viewer", "watch_ms", "value", "currency")
    list_filter = ("kind", "brand")
    search_fields = ("event_id", "video__title", "campaign__name")
    date_hierarchy = "occurred_at"
    list_select_related = ("brand", "video", "campaign", "viewer")
    readonly_fields = [f.name for f in Interaction._meta.fields]
    # A count over millions of rows on every page is the slow part of this changelist.
    show_full_result_count = False


# --- Demo planted truth (superusers only) -------------------------------------------------------


class SuperuserReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
