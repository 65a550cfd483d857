"""Compliance of video copy: the current flags of each video, the screening that produced them,
overrides on the record, alerts to brands, and the brands' own rules.

The built-in rules are data files (compliance/rules/*.yaml), not rows; a brand's own rules are rows
(``BrandRule``) because brands edit them in the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from marketing.models import Brand, BrandScopedQuerySet, Video


class Severity(models.TextChoices):
    BLOCK = "block", _("Block")
    WARN = "warn", _("Warn")


class CopyField(models.TextChoices):
    """The parts of a video's copy that are screened."""

    TITLE = "title", _("Title")
    DESCRIPTION = "description", _("Description")
    TAGS = "tags", _("Tags")
    SCRIPT = "script", _("Script / subtitles")
    COVER_TEXT = "cover_text", _("Cover text")
    ALL = "all", _("All copy")  # a required disclosure missing from the whole copy


class BrandRuleKind(models.TextChoices):
    BANNED_WORD = "banned_word", _("Banned word")
    COMPETITOR = "competitor", _("Competitor name")
    REQUIRED_DISCLOSURE = "required_disclosure", _("Required disclosure")


def _choices_q(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


class VideoScopedQuerySet(BrandScopedQuerySet):
    brand_path = "video__brand"


class PendingVideo(Video):
    """The admin's moderation queue: pending videos (a proxy: no table of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("video awaiting review")
        verbose_name_plural = _("moderation queue")


class BrandRule(models.Model):
    """A brand's own rule: banned words, competitor names, or a disclosure its copy must carry."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="compliance_rules",
                              verbose_name=_("brand"))
    code = models.SlugField(_("code"), max_length=60, help_text=_("Short id, unique within the brand."))
    kind = models.CharField(_("kind"), max_length=24, choices=BrandRuleKind.choices,
                            default=BrandRuleKind.BANNED_WORD)
    terms = models.TextField(_("terms"), help_text=_("One term per line. A required disclosure is satisfied by "
                                                      "any one of them."))
    allow = models.TextField(_("allowed words"), blank=True,
                             help_text=_("One per line: longer words containing a term that are not a hit."))
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.WARN)
    platforms = models.CharField(_("platforms"), max_length=200, blank=True,
                                 help_text=_("Platform codes, comma separated; empty for all."))
    categories = models.CharField(_("categories"), max_length=200, blank=True,
                                  help_text=_("Video categories, comma separated; empty for all."))
    reason = models.TextField(_("reason"), help_text=_("What the reviewer reads."))
    suggestion = models.TextField(_("suggested rewrite"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        ordering = ["brand", "code"]
        verbose_name = _("brand rule")
        verbose_name_plural = _("brand rules")
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="brandrule_unique_brand_code"),
            models.CheckConstraint(condition=_choices_q("severity", Severity), name="brandrule_severity_valid"),
            models.CheckConstraint(condition=_choices_q("kind", BrandRuleKind), name="brandrule_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} / {self.code}"

    @property
    def rule_id(self) -> str:
        return f"brand.{self.brand_id}.{self.code}"


class ComplianceOverride(models.Model):
    """An approval despite block flags: who, why, and which flags (append-only; also in the audit log)."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="compliance_overrides",
                              verbose_name=_("video"))
    reason = models.TextField(_("reason"))
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name=_("overridden by"))
    flags = models.JSONField(_("flags overridden"), default=list,
                             help_text=_("rule id, field and matched text of each block flag overridden."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = VideoScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("compliance override")
        verbose_name_plural = _("compliance overrides")
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="complianceoverride_has_reason")]

    def __str__(self) -> str:
        return f"override of {self.video_id} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Overrides are on the record and cannot be changed.")
        super().save(*args, **kwargs)


class ComplianceFlag(models.Model):
    """One rule hit in one field of a video's copy, from the video's latest screening."""

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="compliance_flags",
                              verbose_name=_("video"))
    rule_id = models.CharField(_("rule"), max_length=120)
    rule_set = models.CharField(_("rule set"), max_length=60)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    field = models.CharField(_("field"), max_length=16, choices=CopyField.choices)
    start = models.PositiveIntegerField(_("start"), help_text=_("Index of the first matched character."))
    end = models.PositiveIntegerField(_("end"), help_text=_("Index after the last matched character."))
    text = models.CharField(_("matched text"), max_length=300, blank=True)
    reason = models.JSONField(_("reason"), default=dict, help_text=_("language -> reason"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    suggestion = models.JSONField(_("suggested rewrite"), default=dict, blank=True)
    ruleset_version = models.CharField(_("rule-set version"), max_length=200)
    override = models.ForeignKey(ComplianceOverride, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="overridden_flags", verbose_name=_("override"))

    objects = VideoScopedQuerySet.as_manager()

    class Meta:
        ordering = ["video", "field", "start", "rule_id"]
        verbose_name = _("compliance flag")
        verbose_name_plural = _("compliance flags")
        constraints = [
            models.CheckConstraint(condition=_choices_q("severity", Severity), name="complianceflag_severity_valid"),
            models.CheckConstraint(condition=_choices_q("field", CopyField), name="complianceflag_field_valid"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="complianceflag_span_ordered"),
        ]
        indexes = [models.Index(fields=["severity", "rule_set"], name="cflag_severity_set_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} [{self.field} {self.start}:{self.end}] {self.text}"

    @property
    def unresolved(self) -> bool:
        return self.severity == Severity.BLOCK and self.override_id is None


class VideoScreening(models.Model):
    """The latest screening of a video: the rule-set version and its counts (the queue sorts by them)."""

    video = models.OneToOneField(Video, primary_key=True, on_delete=models.CASCADE, related_name="screening",
                                 verbose_name=_("video"))
    ruleset_version = models.CharField(_("rule-set version"), max_length=200, db_index=True)
    block_count = models.PositiveIntegerField(_("block flags"), default=0)
    warn_count = models.PositiveIntegerField(_("warn flags"), default=0)
    unresolved_blocks = models.PositiveIntegerField(_("block flags not overridden"), default=0)
    screened_at = models.DateTimeField(_("screened at"))

    objects = VideoScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("video screening")
        verbose_name_plural = _("video screenings")
        constraints = [models.CheckConstraint(condition=Q(unresolved_blocks__lte=models.F("block_count")),
                                              name="videoscreening_unresolved_le_blocks")]

    def __str__(self) -> str:
        return f"{self.video_id}: {self.block_count} block, {self.warn_count} warn ({self.ruleset_version})"


class ComplianceAlert(models.Model):
    """A brand is told that an approved video went back to review, with the campaigns that use it."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="compliance_alerts",
                              verbose_name=_("brand"))
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="compliance_alerts",
                              verbose_name=_("video"))
    campaigns = models.JSONField(_("campaigns"), default=list, help_text=_("id and name of each campaign."))
    rule_ids = models.JSONField(_("rules"), default=list)
    ruleset_version = models.CharField(_("rule-set version"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("compliance alert")
        verbose_name_plural = _("compliance alerts")
        indexes = [models.Index(fields=["brand", "created_at"], name="calert_brand_time_idx")]

    def __str__(self) -> str:
        return f"{self.video} back to review ({', '.join(self.rule_ids)})"
