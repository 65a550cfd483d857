"""Compliance in the admin: the moderation queue, brands' own rules, overrides and alerts (read-only).

The queue lists pending videos, flagged first (unresolved block flags, then warn flags), with the
flagged spans highlighted in the copy. Bulk approve / reject run ``video_moderate`` per video with the
reason and the override reason typed in the action bar; approving a video with block flags without an
override reason fails for that video with the service's message.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Coalesce
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from compliance import services
from compliance.models import (
    BrandRule,
    ComplianceAlert,
    ComplianceFlag,
    ComplianceOverride,
    PendingVideo,
    Severity,
)
from compliance.rulesets import rule_set_names
from marketing.admin import ReadOnlyAdmin, ServiceAdmin, ServiceForm, VideoAdmin, apply_each, principal_of
from marketing.models import AuditSource, ModerationStatus
from marketing.services import videos as video_services


class ModerationActionForm(ActionForm):
    reason = forms.CharField(label=_("Reason"), required=False,
                             help_text=_("Required to reject: shown to the creator."))
    override_reason = forms.CharField(label=_("Override reason"), required=False,
                                      help_text=_("Required to approve videos with block flags (on the record)."))


class SeverityFilter(admin.SimpleListFilter):
    title = _("flag severity")
    parameter_name = "severity"

    def lookups(self, request, model_admin):
        return [(Severity.BLOCK, _("has block flags")), (Severity.WARN, _("has warn flags")),
                ("none", _("no flags"))]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.exclude(Exists(ComplianceFlag.objects.filter(video=OuterRef("pk"))))
        if self.value() in Severity.values:
            return queryset.filter(Exists(ComplianceFlag.objects.filter(video=OuterRef("pk"),
                                                                        severity=self.value())))
        return queryset


class RuleSetFilter(admin.SimpleListFilter):
    title = _("rule set")
    parameter_name = "rule_set"

    def lookups(self, request, model_admin):
        return [(name, name) for name in rule_set_names()] + [("brand", _("brand rules"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        flags = ComplianceFlag.objects.filter(video=OuterRef("pk"))
        flags = flags.filter(rule_set__startswith="brand-") if value == "brand" else flags.filter(rule_set=value)
        return queryset.filter(Exists(flags))


def highlighted(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` escaped, with each flagged span in a <mark> titled with its rule (spans may overlap)."""
    out, at = [], 0
    for start, end, title in sorted(spans):
        if start < at:
            continue
        out.append(escape(text[at:start]))
        style = "background:#f8b4b4" if title.startswith("[block]") else "background:#fde68a"
        out.append(f'<mark style="{style}" title="{escape(title)}">{escape(text[start:end])}</mark>')
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


@admin.register(PendingVideo)
class ModerationQueueAdmin(ReadOnlyAdmin):
    list_display = ("title", "brand", "platform", "category", "block_flags", "warn_flags", "flagged_copy")
    list_filter = (SeverityFilter, RuleSetFilter, "platform", "brand")
    search_fields = ("title", "description", "script", "cover_text")
    list_select_related = ("brand", "platform", "screening")
    action_form = ModerationActionForm
    actions = ("approve_videos", "reject_videos")
    list_per_page = 50

    def get_queryset(self, request):
        return (super().get_queryset(request).filter(moderation_status=ModerationStatus.PENDING)
                .annotate(unresolved=Coalesce("screening__unresolved_blocks", Value(0)),
                          warns=Coalesce("screening__warn_count", Value(0)))
                .order_by("-unresolved", "-warns", "created_at", "pk")
                .prefetch_related("compliance_flags", "tags"))

    @admin.display(description=_("block"), ordering="unresolved")
    def block_flags(self, obj) -> int:
        return obj.unresolved

    @admin.display(description=_("warn"), ordering="warns")
    def warn_flags(self, obj) -> int:
        return obj.warns

    @admin.display(description=_("copy (flagged spans highlighted)"))
    def flagged_copy(self, obj) -> str:
        by_field: dict[str, list[tuple[int, int, str]]] = {}
        for f in obj.compliance_flags.all():
            title = f"[{f.severity}] {f.rule_id}: {f.reason.get('zh-hans') or f.reason.get('en', '')}"
            by_field.setdefault(f.field, []).append((f.start, f.end, title))
        copy = {"title": obj.title, "description": obj.description, "tags": ", ".join(t.name for t in obj.tags.all()),
                "script": obj.script, "cover_text": obj.cover_text}
        parts = [(name, highlighted(text, by_field.get(name, []))) for name, text in copy.items() if text]
        missing = [title for _s, _e, title in by_field.get("all", [])]
        rows = format_html_join(mark_safe("<br>"), "<b>{}</b>: {}", parts)
        if missing:
            rows += mark_safe("<br><b>") + escape(_("missing")) + mark_safe("</b>: ") + escape("; ".join(missing))
        return rows

    def _moderate(self, request, queryset, status: str) -> None:
        reason = request.POST.get("reason", "")
        override = request.POST.get("override_reason", "")
        apply_each(self, request, queryset, lambda video: video_services.video_moderate(
            principal=principal_of(request), video_id=video.pk, status=status, reason=reason,
            override_reason=override, source=AuditSource.ADMIN),
            done_message=VideoAdmin.MODERATED[status], change_message=f"marked {status}")

    @admin.action(description=_("Approve the selected videos (override reason needed for block flags)"))
    def approve_videos(self, request, queryset):
        self._moderate(request, queryset, ModerationStatus.APPROVED)

    @admin.action(description=_("Reject the selected videos with the reason given"))
    def reject_videos(self, request, queryset):
        self._moderate(request, queryset, ModerationStatus.REJECTED)


class BrandRuleForm(ServiceForm):
    class Meta:
        model = BrandRule
        fields = ("brand", "code", "kind", "severity", "terms", "allow", "platforms", "categories", "reason",
                  "suggestion", "is_active")

    def run_service(self, principal, data):
        fields = {k: data.get(k) for k in self.Meta.fields if k != "brand"}
        if self.instance.pk is None:
            return services.brand_rule_create(principal=principal, brand_id=data["brand"].pk,
                                              source=AuditSource.ADMIN, **fields)
        return services.brand_rule_update(principal=principal, rule_id=self.instance.pk, source=AuditSource.ADMIN,
                                          **fields)


@admin.register(BrandRule)
class BrandRuleAdmin(ServiceAdmin):
    form = BrandRuleForm
    change_role = "admin"
    list_display = ("code", "brand", "kind", "severity", "is_active", "updated_at")
    list_filter = ("kind", "severity", "is_active", "brand")
    search_fields = ("code", "terms", "reason")

    def get_readonly_fields(self, request, obj=None):
        return ("brand",) if obj else ()


@admin.register(ComplianceOverride)
class ComplianceOverrideAdmin(ReadOnlyAdmin):
    list_display = ("video", "reason", "overridden_by", "created_at")
    list_select_related = ("video", "overridden_by")
    fields = ("video", "reason", "overridden_by", "flags", "created_at")
    readonly_fields = fields

    def brand_id_of(self, obj) -> int:
        return obj.video.brand_id


@admin.register(ComplianceAlert)
class ComplianceAlertAdmin(ReadOnlyAdmin):
    list_display = ("video", "brand", "campaign_names", "rules", "created_at")
    list_filter = ("brand",)
    list_select_related = ("video", "brand")
    fields = ("brand", "video", "campaigns", "rule_ids", "ruleset_version", "created_at")
    readonly_fields = fields

    @admin.display(description=_("campaigns"))
    def campaign_names(self, obj) -> str:
        return ", ".join(c["name"] for c in obj.campaigns) or "—"

    @admin.display(description=_("rules"))
    def rules(self, obj) -> str:
        return ", ".join(obj.rule_ids)
