"""Reelboard's domain: brands (the tenants), their videos, campaigns, viewers and interactions.

Integrity lives in the database (check and unique constraints, foreign keys); visibility lives in
one place, the ``for_principal`` querysets, which every API and admin read goes through.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from marketing.auth import Principal


# Allowed raw-event retention, in days (docs/operator/retention.md): at least one day, at most ten years.
RETENTION_MIN_DAYS = 1
RETENTION_MAX_DAYS = 3650


# --- Enumerations (one source of truth, imported by services, GraphQL and admin) -------------


class Role(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    ADMIN = "admin", _("Admin")

    @classmethod
    def rank(cls, role: str) -> int:
        return {cls.VIEWER: 1, cls.EDITOR: 2, cls.ADMIN: 3}[cls(role)]


class ModerationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class CampaignObjective(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    TRAFFIC = "traffic", _("Traffic")
    ENGAGEMENT = "engagement", _("Engagement")
    CONVERSIONS = "conversions", _("Conversions")
    SALES = "sales", _("Sales")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    COMPLETED = "completed", _("Completed")
    ARCHIVED = "archived", _("Archived")


# The campaign lifecycle, enforced by marketing.services.campaigns.campaign_transition only.
CAMPAIGN_TRANSITIONS: dict[str, frozenset[str]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.SCHEDULED, CampaignStatus.ARCHIVED}),
    CampaignStatus.SCHEDULED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.DRAFT, CampaignStatus.ARCHIVED}),
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.PAUSED, CampaignStatus.COMPLETED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.COMPLETED, CampaignStatus.ARCHIVED}),
    CampaignStatus.COMPLETED: frozenset({CampaignStatus.ARCHIVED}),
    CampaignStatus.ARCHIVED: frozenset(),
}


class InteractionKind(models.TextChoices):
    IMPRESSION = "impression", _("Impression")
    VIEW = "view", _("View")
    LIKE = "like", _("Like")
    COMMENT = "comment", _("Comment")
    SHARE = "share", _("Share")
    FOLLOW = "follow", _("Follow")
    CLICK = "click", _("Click")
    CONVERSION = "conversion", _("Conversion")
    PURCHASE = "purchase", _("Purchase")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")


class AgeBand(models.TextChoices):
    A13_17 = "13-17", _("13–17")
    A18_24 = "18-24", _("18–24")
    A25_30 = "25-30", _("25–30")
    A31_40 = "31-40", _("31–40")
    A41_50 = "41-50", _("41–50")
    A50_PLUS = "50+", _("50+")


def _choices_q(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": choices.values})


# --- Brand-scoped querysets ---------------------------------------------------------------


class BrandScopedQuerySet(models.QuerySet):
    """Rows visible to a principal: the single place that decides tenant visibility."""

    brand_path = "brand"

    def for_principal(self, principal: Principal | None, *, min_role: str = Role.VIEWER):
        if principal is None or not principal.is_authenticated:
            return self.none()
        if principal.is_global:
            return self
        brand_ids = principal.brand_ids(min_role=min_role)
        return self.filter(**{f"{self.brand_path}_id__in": brand_ids})


class BrandQuerySet(BrandScopedQuerySet):
    def for_principal(self, principal: Principal | None, *, min_role: str = Role.VIEWER):
        if principal is None or not principal.is_authenticated:
            return self.none()
        if principal.is_global:
            return self
        return self.filter(pk__in=principal.brand_ids(min_role=min_role))


# --- Tenancy and access -------------------------------------------------------------------


class Brand(models.Model):
    """A brand that advertises: the tenant every other row belongs to."""

    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(max_length=80, unique=True, verbose_name=_("slug"))
    reporting_timezone = models.CharField(
        max_length=64, default="Asia/Shanghai", help_text=_("IANA zone; KPI days are this zone's days."), verbose_name=_("reporting timezone")
    )
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    # Retention (marketing.services.retention, docs/operator/retention.md): set by brand admins only.
    raw_event_retention_days = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("raw event retention (days)"),
        validators=[MinValueValidator(RETENTION_MIN_DAYS), MaxValueValidator(RETENTION_MAX_DAYS)],
        help_text=_("Raw interactions older than this many days (brand days) are removed every night; KPIs "
                    "keep their values. Empty: kept for ever."))
    purge_viewer_data = models.BooleanField(
        default=False, verbose_name=_("purge per-viewer data"),
        help_text=_("With a retention period, also remove the per-viewer rollups and viewer sets of those days "
                    "(their daily reach is kept as a number; demographic breakdowns of those days are empty)."))
    # State written by the retention run: the first brand day still backed by raw interactions, and the
    # first day whose per-viewer rows and sets are still kept (null: nothing removed yet).
    raw_events_removed_before = models.DateField(null=True, blank=True, editable=False,
                                                 verbose_name=_("raw events removed before"))
    viewer_data_purged_before = models.DateField(null=True, blank=True, editable=False,
                                                 verbose_name=_("per-viewer data purged before"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = BrandQuerySet.as_manager()

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(raw_event_retention_days__isnull=True)
                | Q(raw_event_retention_days__gte=RETENTION_MIN_DAYS, raw_event_retention_days__lte=RETENTION_MAX_DAYS),
                name="brand_retention_days_range"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("brand"))
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER, verbose_name=_("role"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "brand"], name="membership_unique_user_brand"),
            models.CheckConstraint(condition=_choices_q("role", Role), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.brand} ({self.role})"


TOKEN_PREFIX = "rbt"


def hash_token(raw: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast unsalted digest is safe and indexable.
    return hashlib.sha256(raw.encode()).hexdigest()


def default_token_expiry():
    """Now plus ``API_TOKEN_DEFAULT_DAYS``: new tokens, and (migration 0007) the tokens that existed before expiry."""
    return timezone.now() + timedelta(days=settings.API_TOKEN_DEFAULT_DAYS)


class ApiTokenQuerySet(BrandScopedQuerySet):
    def active(self):
        """Tokens that authenticate now: not revoked and not expired (checked on every request)."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A machine client's credential: one brand, one role, stored hashed, shown once."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("brand"))
    name = models.CharField(max_length=120, verbose_name=_("name"))
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER, verbose_name=_("role"))
    prefix = models.CharField(max_length=16, db_index=True, help_text=_("First characters, to recognise a token."), verbose_name=_("prefix"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("token hash"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    expires_at = models.DateTimeField(default=default_token_expiry, help_text=_("The token stops working then."),
                                      verbose_name=_("expires at"))

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [models.CheckConstraint(condition=_choices_q("role", Role), name="apitoken_role_valid")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @staticmethod
    def generate_raw() -> str:
        return f"{TOKEN_PREFIX}_{secrets.token_urlsafe(32)}"


# --- Catalogue ----------------------------------------------------------------------------


class Platform(models.Model):
    """A short-video platform (Douyin, Kuaishou, Taobao, ...); rows, so new ones need no deploy."""

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=80, verbose_name=_("name"))

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    """A brand's label for its videos: each brand has its own tags (a tag name can reveal a plan)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="tags", verbose_name=_("brand"))
    name = models.CharField(max_length=64, verbose_name=_("name"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["brand", "name"], name="tag_unique_brand_name")]

    def __str__(self) -> str:
        return self.name


class VideoQuerySet(BrandScopedQuerySet):
    def approved(self):
        return self.filter(moderation_status=ModerationStatus.APPROVED)


class Video(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="videos", verbose_name=_("brand"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="videos", verbose_name=_("platform"))
    external_id = models.CharField(max_length=128, help_text=_("The platform's id for the video."), verbose_name=_("external ID"))
    title = models.CharField(max_length=300, verbose_name=_("title"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    script = models.TextField(blank=True, default="", db_default="", help_text=_("The spoken script or subtitles (screened for compliance)."),
                              verbose_name=_("script"))
    cover_text = models.CharField(max_length=300, blank=True, default="", db_default="", help_text=_("Text on the cover image."),
                                  verbose_name=_("cover text"))
    category = models.CharField(max_length=64, blank=True, db_index=True, verbose_name=_("category"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="videos", verbose_name=_("tags"))
    duration_ms = models.PositiveIntegerField(validators=[MinValueValidator(1)], verbose_name=_("duration (ms)"))
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    moderation_status = models.CharField(
        max_length=16, choices=ModerationStatus.choices, default=ModerationStatus.PENDING, verbose_name=_("moderation status")
    )
    moderation_reason = models.TextField(blank=True, verbose_name=_("moderation reason"))
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("moderated by")
    )
    moderated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("moderated at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = VideoQuerySet.as_manager()

    class Meta:
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "platform", "external_id"], name="video_unique_brand_platform_external_id"
            ),
            models.CheckConstraint(condition=Q(duration_ms__gt=0), name="video_duration_positive"),
            models.CheckConstraint(
                condition=_choices_q("moderation_status", ModerationStatus), name="video_moderation_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(moderation_status=ModerationStatus.REJECTED) | ~Q(moderation_reason=""),
                name="video_rejection_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "moderation_status"], name="video_brand_moderation_idx"),
            models.Index(fields=["brand", "-published_at"], name="video_brand_published_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_promotable(self) -> bool:
        return self.moderation_status == ModerationStatus.APPROVED


# --- Campaigns ----------------------------------------------------------------------------


class Campaign(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="campaigns", verbose_name=_("brand"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    objective = models.CharField(max_length=16, choices=CampaignObjective.choices, verbose_name=_("objective"))
    status = models.CharField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT, verbose_name=_("status"))
    budget_lifetime = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, verbose_name=_("lifetime budget"))
    budget_daily = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, verbose_name=_("daily budget"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ends at"))
    videos = models.ManyToManyField(Video, blank=True, related_name="campaigns", verbose_name=_("videos"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    status_changed_at = models.DateTimeField(default=timezone.now, verbose_name=_("status changed at"))
    external_ids = models.JSONField(
        default=list, blank=True,
        help_text=_("Ad platforms' campaign ids that report into this campaign (a sync maps them automatically)."),
        verbose_name=_("external campaign IDs"),
    )

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="campaign_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(budget_lifetime__isnull=True) | Q(budget_lifetime__gte=0),
                name="campaign_budget_lifetime_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(budget_daily__isnull=True) | Q(budget_daily__gte=0),
                name="campaign_budget_daily_non_negative",
            ),
            models.CheckConstraint(condition=_choices_q("status", CampaignStatus), name="campaign_status_valid"),
            models.CheckConstraint(
                condition=_choices_q("objective", CampaignObjective), name="campaign_objective_valid"
            ),
        ]
        indexes = [models.Index(fields=["brand", "status"], name="campaign_brand_status_idx")]

    def __str__(self) -> str:
        return self.name

    def can_transition_to(self, status: str) -> bool:
        return status in CAMPAIGN_TRANSITIONS[CampaignStatus(self.status)]


class CampaignSpendQuerySet(BrandScopedQuerySet):
    brand_path = "campaign__brand"


class SpendSource(models.TextChoices):
    MANUAL = "manual", _("typed by hand")
    PLATFORM = "platform", _("synced from an ad platform")


class CampaignSpend(models.Model):
    """Money spent on a campaign on one day (the brand's reporting day): feeds CPM, CPA, ROAS.

    Typed by hand (one row per campaign day) or synced from ad accounts (one row per campaign day and account;
    several accounts add up). A day with platform spend ignores the manual row: see
    ``adplatforms.selectors.effective_spend``.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spend", verbose_name=_("campaign"))
    date = models.DateField(verbose_name=_("date"))
    amount = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("amount"))
    currency = models.CharField(max_length=3, default="CNY", verbose_name=_("currency"))
    source = models.CharField(max_length=8, choices=SpendSource.choices, default=SpendSource.MANUAL, verbose_name=_("source"))
    ad_account = models.ForeignKey("adplatforms.AdAccount", null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="campaign_spend", verbose_name=_("ad account"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = CampaignSpendQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign spend day")
        verbose_name_plural = _("campaign spend days")
        ordering = ["campaign", "date"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "date"], condition=Q(source="manual"),
                                    name="campaignspend_unique_manual_day"),
            models.UniqueConstraint(fields=["campaign", "date", "ad_account"], condition=Q(source="platform"),
                                    name="campaignspend_unique_platform_account_day"),
            models.CheckConstraint(
                condition=Q(source="manual", ad_account__isnull=True) | Q(source="platform", ad_account__isnull=False),
                name="campaignspend_source_account_consistent",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="campaignspend_amount_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.date}: {self.amount} {self.currency}"


# --- Audience -----------------------------------------------------------------------------


def pseudonymise_viewer_id(*, brand_id: int, platform_code: str, raw_id: str) -> str:
    """Keyed hash of a platform user id; raw ids are never stored.

    The brand is part of the message so that two brands cannot link their audiences.
    """
    return pseudonymise_viewer_ids(brand_id=brand_id, platform_code=platform_code, raw_ids=[raw_id])[0]


def pseudonymise_viewer_ids(*, brand_id: int, platform_code: str, raw_ids: Iterable[str]) -> list[str]:
    """``pseudonymise_viewer_id`` of many user ids of one brand and platform (the bulk ingest path).

    HMAC-SHA256(VIEWER_ID_HMAC_KEY, "brand id|platform code|raw id"), hex: ``hmac.digest`` is the
    one-shot OpenSSL call, several times faster per id than building an ``hmac.HMAC`` object.
    """
    key, prefix = settings.VIEWER_ID_HMAC_KEY.encode(), f"{brand_id}|{platform_code}|"
    digest = hmac.digest
    return [digest(key, (prefix + raw_id).encode(), "sha256").hex() for raw_id in raw_ids]


class Viewer(models.Model):
    """A pseudonymous audience member of one brand on one platform.

    Ingest widens first/last seen of the viewers it touches: on PostgreSQL the table's fillfactor is 70
    (migration 0006), so those updates stay in their page (HOT) and skip the indexes.
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="viewers", verbose_name=_("brand"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="viewers", verbose_name=_("platform"))
    viewer_key = models.CharField(max_length=64, help_text=_("HMAC-SHA256 of the platform user id."), verbose_name=_("viewer key"))
    gender = models.CharField(max_length=8, choices=Gender.choices, blank=True, verbose_name=_("gender"))
    age_band = models.CharField(max_length=8, choices=AgeBand.choices, blank=True, verbose_name=_("age band"))
    region = models.CharField(max_length=64, blank=True, verbose_name=_("region"))
    first_seen_at = models.DateTimeField(null=True, blank=True, verbose_name=_("first seen at"))
    last_seen_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last seen at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("viewer")
        verbose_name_plural = _("viewers")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "platform", "viewer_key"], name="viewer_unique_brand_platform_key"),
            models.CheckConstraint(
                condition=Q(gender="") | _choices_q("gender", Gender), name="viewer_gender_valid"
            ),
            models.CheckConstraint(
                condition=Q(age_band="") | _choices_q("age_band", AgeBand), name="viewer_age_band_valid"
            ),
            models.CheckConstraint(
                condition=Q(first_seen_at__isnull=True)
                | Q(last_seen_at__isnull=True)
                | Q(last_seen_at__gte=models.F("first_seen_at")),
                name="viewer_seen_order",
            ),
        ]

    def __str__(self) -> str:
        return f"viewer {self.viewer_key[:10]}…"


class Interaction(models.Model):
    """An append-only fact: a viewer did something with a video, maybe within a campaign."""

    # No single-column indexes on the foreign keys: each is the leading column of a composite index below
    # (brand: the unique event id and brand_time; viewer, video, campaign: their *_time index), which serves
    # the same lookups, cascades included. Every index costs each ingested row an insertion.
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="interactions", db_index=False, verbose_name=_("brand"))
    event_id = models.CharField(max_length=64, help_text=_("Unique per brand: a delivery seen twice is stored once."), verbose_name=_("event ID"))
    viewer = models.ForeignKey(Viewer, on_delete=models.CASCADE, related_name="interactions", db_index=False, verbose_name=_("viewer"))
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="interactions", db_index=False, verbose_name=_("video"))
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="interactions", db_index=False, verbose_name=_("campaign")
    )
    kind = models.CharField(max_length=16, choices=InteractionKind.choices, verbose_name=_("kind"))
    watch_ms = models.PositiveIntegerField(null=True, blank=True, help_text=_("Watch time of a view, in ms."), verbose_name=_("watch time (ms)"))
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, verbose_name=_("value"))
    currency = models.CharField(max_length=3, blank=True, verbose_name=_("currency"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    ingested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("ingested at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "event_id"], name="interaction_unique_brand_event"),
            models.CheckConstraint(condition=_choices_q("kind", InteractionKind), name="interaction_kind_valid"),
            models.CheckConstraint(
                condition=Q(watch_ms__isnull=True) | Q(watch_ms__gte=0), name="interaction_watch_ms_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0), name="interaction_value_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(kind=InteractionKind.VIEW) | Q(watch_ms__isnull=True),
                name="interaction_watch_ms_only_for_views",
            ),
        ]
        indexes = [
            models.Index(fields=["brand", "occurred_at"], name="interaction_brand_time_idx"),
            models.Index(fields=["campaign", "occurred_at"], name="interaction_campaign_time_idx"),
            models.Index(fields=["video", "occurred_at"], name="interaction_video_time_idx"),
            models.Index(fields=["viewer", "occurred_at"], name="interaction_viewer_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.event_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Interactions are append-only facts and cannot be changed.")
        # The event key first, as the ingest writers do: a known (brand, event ID) raises IntegrityError on
        # every database, partitioned or not.
        using = kwargs.get("using") or "default"
        with transaction.atomic(using=using):
            InteractionEventKey.objects.using(using).create(brand_id=self.brand_id, event_id=self.event_id)
            super().save(*args, **kwargs)


class InteractionEventKey(models.Model):
    """The (brand, event ID) of every stored interaction: idempotency across the interactions' partitions.

    On PostgreSQL the interactions table is partitioned by ``occurred_at`` and a unique key on a partitioned
    table must include that column, so the interactions cannot hold "one event ID per brand" themselves. The
    ingest writers insert the batch's keys here first (``ON CONFLICT DO NOTHING``, in key order) and the
    interactions of the newly inserted keys only, in the same transaction. Erasure and retention delete
    interactions but keep their keys: a late redelivery of a removed event is not stored again.
    """

    pk = models.CompositePrimaryKey("brand", "event_id")
    # No index of its own: the primary key leads with brand (the cascade of a brand's deletion uses it).
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("brand"))
    event_id = models.CharField(max_length=64, verbose_name=_("event ID"))

    class Meta:
        verbose_name = _("interaction event key")
        verbose_name_plural = _("interaction event keys")

    def __str__(self) -> str:
        return f"{self.brand_id}/{self.event_id}"


# --- Audit ---------------------------------------------------------------------------------------


class AuditSource(models.TextChoices):
    API = "api", _("API")
    ADMIN = "admin", _("Admin")
    COMMAND = "command", _("Management command")


class AuditEntry(models.Model):
    """Who did what, when: every API mutation, admin change and privacy request (append-only).

    ``details`` never holds raw platform ids or personal data, only ids, counts and field names.
    """

    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("brand"))
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("actor user"))
    actor_token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("actor token"))
    source = models.CharField(max_length=8, choices=AuditSource.choices, verbose_name=_("source"))
    action = models.CharField(max_length=80, help_text=_("e.g. eraseViewer, updateCampaign, change."), verbose_name=_("action"))
    object_type = models.CharField(max_length=60, blank=True, verbose_name=_("object type"))
    object_id = models.CharField(max_length=64, blank=True, verbose_name=_("object ID"))
    succeeded = models.BooleanField(default=True, verbose_name=_("succeeded"))
    details = models.JSONField(default=dict, blank=True, verbose_name=_("details"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["brand", "created_at"], name="audit_brand_time_idx"),
                   models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]
        constraints = [models.CheckConstraint(condition=_choices_q("source", AuditSource), name="audit_source_valid")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.source} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)
