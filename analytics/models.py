"""Daily KPI rollups: one row per (campaign, video, brand reporting day) with additive sums.

Interactions without a campaign roll up too (campaign is null), so brand-level numbers are whole.
Rows are derived data: ``analytics.rollups`` rebuilds any (brand, days) slice from the raw
interactions, which makes every refresh idempotent.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from analytics import webhooks
from marketing.models import BrandScopedQuerySet


class RollupSums(models.Model):
    """The additive sums of ``analytics.kpis.ROLLUP_SUMS`` that every rollup row carries for its slice."""

    impressions = models.PositiveIntegerField(default=0, verbose_name=_("impressions"))
    views = models.PositiveIntegerField(default=0, verbose_name=_("views"))
    watch_ms_sum = models.PositiveBigIntegerField(default=0, verbose_name=_("total watch time (ms)"))
    completed_views = models.PositiveIntegerField(default=0, verbose_name=_("completed views"))
    views_2s = models.PositiveIntegerField(default=0, verbose_name=_("2-second views"))
    views_6s = models.PositiveIntegerField(default=0, verbose_name=_("6-second views"))
    likes = models.PositiveIntegerField(default=0, verbose_name=_("likes"))
    comments = models.PositiveIntegerField(default=0, verbose_name=_("comments"))
    shares = models.PositiveIntegerField(default=0, verbose_name=_("shares"))
    follows = models.PositiveIntegerField(default=0, verbose_name=_("follows"))
    clicks = models.PositiveIntegerField(default=0, verbose_name=_("clicks"))
    conversions = models.PositiveIntegerField(default=0, verbose_name=_("conversions"))
    purchases = models.PositiveIntegerField(default=0, verbose_name=_("purchases"))
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0, verbose_name=_("revenue"))

    class Meta:
        abstract = True


class DerivedVideoRow(RollupSums):
    """Keys of a derived per-video rollup row (brand, campaign or none, video, platform) with its sums.

    The rows are copied from interactions, which already enforce these references: no database foreign
    keys (a per-row RI trigger check per column made a refresh ~2x slower) and no single-column indexes
    (the subclasses' composite ones lead with these columns). Deletes still cascade, through Django's
    collector.
    """

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", db_constraint=False,
                              db_index=False, verbose_name=_("brand"))
    campaign = models.ForeignKey("marketing.Campaign", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", db_constraint=False, db_index=False, verbose_name=_("campaign"))
    video = models.ForeignKey("marketing.Video", on_delete=models.CASCADE, related_name="+", db_constraint=False,
                              db_index=False, verbose_name=_("video"))
    platform = models.ForeignKey("marketing.Platform", on_delete=models.PROTECT, related_name="+",
                                 db_constraint=False, db_index=False, verbose_name=_("platform"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class DailyRollup(RollupSums):
    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    campaign = models.ForeignKey("marketing.Campaign", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("campaign"))
    video = models.ForeignKey("marketing.Video", on_delete=models.CASCADE, related_name="+", verbose_name=_("video"))
    platform = models.ForeignKey("marketing.Platform", on_delete=models.PROTECT, related_name="+", verbose_name=_("platform"))
    day = models.DateField(help_text=_("Day in the brand's reporting time zone."), verbose_name=_("day"))
    # The level-0 VideoReachBlock row holds the same sums with the day's viewer set: the KPI selectors read
    # those blocks and DailyReach, not this table (kept as the plain daily table of the admin).

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "video", "day"], condition=Q(campaign__isnull=False),
                                    name="rollup_unique_campaign_video_day"),
            models.UniqueConstraint(fields=["brand", "video", "day"], condition=Q(campaign__isnull=True),
                                    name="rollup_unique_uncampaigned_video_day"),
        ]
        indexes = [
            models.Index(fields=["campaign", "day"], name="rollup_campaign_day_idx"),
            models.Index(fields=["brand", "day"], name="rollup_brand_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} campaign={self.campaign_id} video={self.video_id}"


class DailyViewerRollup(DerivedVideoRow):
    """One row per (campaign, video, brand reporting day, viewer) with that viewer's additive sums.

    It deduplicates a viewer's events of a day, so demographic breakdowns join ``Viewer`` here (and
    count their groups' distinct viewers) instead of scanning raw interactions. ``DailyRollup`` is the
    sum of these rows over viewers; both are rebuilt together from the raw interactions.
    """

    day = models.DateField(help_text=_("Day in the brand's reporting time zone."), verbose_name=_("day"))
    # indexed alone so erasing a viewer (cascade) does not scan the table
    viewer = models.ForeignKey("marketing.Viewer", on_delete=models.CASCADE, related_name="+", db_constraint=False, verbose_name=_("viewer"))

    class Meta:
        verbose_name = _("daily viewer rollup")
        verbose_name_plural = _("daily viewer rollups")
        constraints = [
            # brand first (campaign implies it) so the per-video reach of campaigns, which selectors
            # always also filter by brand, is an index-only scan in (video, ...) order
            models.UniqueConstraint(fields=["brand", "campaign", "video", "day", "viewer"],
                                    condition=Q(campaign__isnull=False), name="viewerrollup_unique_campaign"),
            models.UniqueConstraint(fields=["brand", "video", "day", "viewer"],
                                    condition=Q(campaign__isnull=True), name="viewerrollup_unique_uncampaigned"),
        ]
        indexes = [
            # Demographic breakdowns of a whole brand over a day range (a campaign's use the unique
            # index's (brand, campaign) prefix). Reach reads DailyReach / VideoReachBlock, not this
            # table, so no covering reach index here: each would cost every rollup write an index
            # insertion per viewer row.
            models.Index(fields=["brand", "day"], name="viewerroll_brand_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} campaign={self.campaign_id} video={self.video_id} viewer={self.viewer_id}"


class DailyReach(RollupSums):
    """The set of viewers of a campaign (or of a brand's interactions outside campaigns) on one brand day.

    A Roaring bitmap of viewer ids (``analytics.reach``): reach of any date range is the size of the
    union of its days' sets, read from one row per day instead of per-viewer rows. Derived, like the
    rollups, and rebuilt with them. It also carries the sums of the campaign's day (the sum of its
    ``DailyRollup`` rows), so totals and series of a scope read one row per campaign day.
    """

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    campaign = models.ForeignKey("marketing.Campaign", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", verbose_name=_("campaign"))
    day = models.DateField(help_text=_("Day in the brand's reporting time zone."), verbose_name=_("day"))
    viewers = models.BinaryField(default=b"", verbose_name=_("viewers"))
    reach = models.PositiveIntegerField(default=0, help_text=_("Distinct viewers of the day (size of the set)."), verbose_name=_("reach"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily reach")
        verbose_name_plural = _("daily reach")
        constraints = [
            models.UniqueConstraint(fields=["brand", "campaign", "day"], condition=Q(campaign__isnull=False),
                                    name="reach_unique_campaign_day"),
            models.UniqueConstraint(fields=["brand", "day"], condition=Q(campaign__isnull=True),
                                    name="reach_unique_uncampaigned_day"),
        ]
        indexes = [models.Index(fields=["brand", "day"], name="reach_brand_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} campaign={self.campaign_id} reach={self.reach}"


class VideoReachBlock(DerivedVideoRow):
    """The viewers of one video (in one campaign, or outside campaigns) over a block of days.

    Level 0 is one brand day; level ``l`` is the ``2**l`` days starting on ``start``, a day whose ordinal
    is a multiple of ``2**l`` (``analytics.reach_blocks``). A set is a Roaring bitmap (``analytics.reach``).
    Per-video and per-platform reach over any range is the size of the union of the few blocks that
    cover it. Each block also carries the sums of its days (level 0: the ``DailyRollup`` row), so a
    breakdown by video or platform reads sums and sets from the same few rows per video. Derived, like the
    rollups: rebuilt from the day rows, which are rebuilt from interactions.
    """

    level = models.PositiveSmallIntegerField(help_text=_("The block spans 2**level days (0: one day)."), verbose_name=_("level"))
    start = models.DateField(help_text=_("First day of the block, in the brand's reporting time zone."), verbose_name=_("start"))
    viewers = models.BinaryField(default=b"", verbose_name=_("viewers"))

    class Meta:
        verbose_name = _("video reach block")
        verbose_name_plural = _("video reach blocks")
        constraints = [
            # (brand, campaign, level, start) first: a read fetches a few (level, start) blocks of a scope
            models.UniqueConstraint(fields=["brand", "campaign", "level", "start", "video"],
                                    condition=Q(campaign__isnull=False), name="reachblock_unique_campaign"),
            models.UniqueConstraint(fields=["brand", "level", "start", "video"],
                                    condition=Q(campaign__isnull=True), name="reachblock_unique_uncampaigned"),
        ]
        indexes = [models.Index(fields=["brand", "level", "start"], name="reachblock_brand_block_idx")]

    def __str__(self) -> str:
        return f"{self.start} level={self.level} campaign={self.campaign_id} video={self.video_id}"


class BlockMark(models.Model):
    """A mark on one block (level >= 1) of a brand's reach blocks (``analytics.reach_blocks``): its per-video
    rows are not to be read, and readers union the block's halves instead."""

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    start = models.DateField(verbose_name=_("start"))

    mark = ""  # what the mark says, in __str__

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"brand={self.brand_id} level={self.level} start={self.start} ({self.mark})"


class StaleReachBlock(BlockMark):
    """A block whose stored unions miss changes made to its days since.

    Written by the delta path with the day-set changes; cleared by ``rollups.rebuild_stale_blocks``.
    Reads never use a stale block (they union its halves instead), so they stay exact meanwhile.
    """

    mark = "stale"

    class Meta:
        verbose_name = _("stale reach block")
        verbose_name_plural = _("stale reach blocks")
        constraints = [models.UniqueConstraint(fields=["brand", "level", "start"], name="stalereachblock_unique")]


class SparseReachBlock(BlockMark):
    """A block whose per-video rows are not stored: readers use its halves.

    Written by the block rebuild when few of the block's videos appear in both halves (a backfill spread
    over years): a row per video would then mostly copy a half's row, a write that saves reads almost
    nothing. A block with a sparse half is sparse too, so a stored block is always the union of stored halves.
    """

    mark = "sparse"

    class Meta:
        verbose_name = _("sparse reach block")
        verbose_name_plural = _("sparse reach blocks")
        constraints = [models.UniqueConstraint(fields=["brand", "level", "start"], name="sparsereachblock_unique")]


class RollupGeneration(models.Model):
    """A counter per brand, bumped in the transaction of every write to the brand's rollups.

    Cached reach numbers are keyed by it (``analytics.reach_cache``), so a cached value is only ever
    read while the rollups it was computed from are unchanged.
    """

    brand = models.OneToOneField("marketing.Brand", on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("brand"))
    generation = models.PositiveBigIntegerField(default=0, verbose_name=_("generation"))

    class Meta:
        verbose_name = _("rollup generation")
        verbose_name_plural = _("rollup generations")

    def __str__(self) -> str:
        return f"brand={self.brand_id} generation={self.generation}"


class PendingRollup(models.Model):
    """Interactions stored but not yet added to the rollups: one row per ingest write (chunk or batch).

    Written in the same transaction as the interactions (``analytics.rollups.record_pending``, the receiver
    of ``marketing.signals.interactions_stored`` that the ingest writers send), so the
    rollup work is durable even when no broker or worker is up; ``analytics.rollups.apply_pending``
    consumes rows and adds exactly their interactions, then deletes them in one transaction, which is
    what makes a task delivered twice (or a second worker) count nothing twice.
    """

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    interaction_ids = models.JSONField(help_text=_("Ids of the inserted interactions (a JSON array)."), verbose_name=_("interaction IDs"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending rollup")
        verbose_name_plural = _("pending rollups")
        indexes = [models.Index(fields=["brand", "id"], name="pendingrollup_brand_idx")]

    def __str__(self) -> str:
        return f"brand={self.brand_id} pending={len(self.interaction_ids)}"


# --- Scheduled KPI reports ------------------------------------------------------------------------


class ReportPeriod(models.TextChoices):
    DAILY = "daily", _("Daily (yesterday)")
    WEEKLY = "weekly", _("Weekly (last Monday–Sunday)")
    MONTHLY = "monthly", _("Monthly (last calendar month)")


class ReportLanguage(models.TextChoices):
    # Each language named in itself, as a language switcher shows it (settings.LANGUAGES).
    ENGLISH = "en", "English"
    SIMPLIFIED_CHINESE = "zh-hans", "简体中文"


class KpiReportSchedule(models.Model):
    """A recurring KPI report of a brand: sent after each period ends, at a time of the brand's day."""

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="report_schedules", verbose_name=_("brand"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    campaigns = models.ManyToManyField("marketing.Campaign", blank=True, related_name="+",
                                       help_text=_("Leave empty for all of the brand's interactions."), verbose_name=_("campaigns"))
    period = models.CharField(max_length=16, choices=ReportPeriod.choices, default=ReportPeriod.WEEKLY, verbose_name=_("period"))
    send_at = models.TimeField(help_text=_("Time of day in the brand's reporting time zone."), verbose_name=_("send at"))
    recipients = models.TextField(blank=True, help_text=_("E-mail addresses, one per line or comma-separated."), verbose_name=_("recipients"))
    webhook_url = models.URLField(blank=True, help_text=_("Receives the report as JSON (POST)."), verbose_name=_("webhook URL"))
    language = models.CharField(max_length=8, choices=ReportLanguage.choices, default=ReportLanguage.ENGLISH,
                                verbose_name=_("language"),
                                help_text=_("Language of the e-mail, its chart and its KPI labels."))
    # Random salt of the webhook signing secret (analytics.webhook_signing): the secret itself is not stored.
    webhook_secret_salt = models.CharField(max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI report schedule")
        verbose_name_plural = _("KPI report schedules")
        ordering = ["brand", "name"]
        constraints = [models.CheckConstraint(condition=Q(period__in=ReportPeriod.values),
                                              name="reportschedule_period_valid")]

    def __str__(self) -> str:
        return f"{self.name} ({self.period})"

    def clean(self):
        super().clean()
        if self.webhook_url:
            # Without DNS (forms must not hang on it): delivery vets the resolved addresses again.
            try:
                webhooks.check_url(self.webhook_url)
            except webhooks.WebhookBlocked as exc:
                raise ValidationError({"webhook_url": ValidationError(
                    _("Webhook URL: %(reason)s."), code="webhook_blocked",
                    params={"reason": exc})}) from None

    @property
    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.replace(",", "\n").splitlines() if r.strip()]


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (retrying)")


class KpiReport(models.Model):
    """One generated report: one per schedule and period, so a retried task never sends twice."""

    schedule = models.ForeignKey(KpiReportSchedule, on_delete=models.CASCADE, related_name="reports", verbose_name=_("schedule"))
    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    period_start = models.DateField(verbose_name=_("period start"))
    period_end = models.DateField(verbose_name=_("period end"))
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.PENDING, verbose_name=_("status"))
    kpis = models.JSONField(default=dict, help_text=_("KPIs with the previous period's values and changes."), verbose_name=_("kpis"))
    platform_kpis = models.JSONField(default=list, blank=True, verbose_name=_("ad platform KPIs"),
                                     help_text=_("Per ad platform, its own reported KPIs of the period (null: not "
                                                 "reported)."))
    csv_file = models.FileField(upload_to="reports/", blank=True, verbose_name=_("csv file"))
    chart_file = models.FileField(upload_to="reports/", blank=True, verbose_name=_("chart file"))
    email_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("email sent at"))
    webhook_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("webhook sent at"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    error = models.TextField(blank=True, help_text=_("Why the last delivery failed, in detail (for operators)."),
                             verbose_name=_("error"))
    # What brand viewers see of a failure (GraphQL): a short classified message (marketing.jobs.failures).
    failure_message = models.CharField(max_length=300, blank=True, verbose_name=_("failure message"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("KPI report")
        verbose_name_plural = _("KPI reports")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "period_start", "period_end"],
                                    name="kpireport_one_per_schedule_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                   name="kpireport_period_order"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} {self.period_start}–{self.period_end} ({self.status})"


# --- Budget pacing alerts (analytics.pacing, analytics.pacing_alerts) ---------------------------


class AlertEndpoint(models.Model):
    """Where a brand's pacing alerts go: e-mail addresses and a webhook (signed like the report webhooks)."""

    brand = models.OneToOneField("marketing.Brand", on_delete=models.CASCADE, related_name="alert_endpoint",
                                 verbose_name=_("brand"))
    recipients = models.TextField(blank=True, help_text=_("E-mail addresses, one per line or comma-separated."),
                                  verbose_name=_("recipients"))
    webhook_url = models.URLField(blank=True, help_text=_("Receives each alert as JSON (POST)."),
                                  verbose_name=_("webhook URL"))
    language = models.CharField(max_length=8, choices=ReportLanguage.choices, default=ReportLanguage.ENGLISH,
                                verbose_name=_("language"), help_text=_("Language of the alert e-mails."))
    # Random salt of the webhook signing secret (analytics.webhook_signing): the secret itself is not stored.
    webhook_secret_salt = models.CharField(max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(default=True, verbose_name=_("active"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert endpoint")
        verbose_name_plural = _("alert endpoints")
        ordering = ["brand"]

    def __str__(self) -> str:
        return str(self.brand)

    def clean(self):
        super().clean()
        if self.webhook_url:
            try:
                webhooks.check_url(self.webhook_url)
            except webhooks.WebhookBlocked as exc:
                raise ValidationError({"webhook_url": ValidationError(
                    _("Webhook URL: %(reason)s."), code="webhook_blocked",
                    params={"reason": exc})}) from None

    @property
    def recipient_list(self) -> list[str]:
        return [r.strip() for r in self.recipients.replace(",", "\n").splitlines() if r.strip()]


class PacingCondition(models.TextChoices):
    UNDER_PACING = "under_pacing", _("Under-pacing")
    OVER_PACING = "over_pacing", _("Over-pacing")
    DAILY_CAP_EARLY = "daily_cap_early", _("Daily budget spent early")


class PacingAlert(models.Model):
    """A campaign left on-track pacing, or spent its daily budget early: one per condition, campaign and day."""

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    campaign = models.ForeignKey("marketing.Campaign", on_delete=models.CASCADE, related_name="pacing_alerts",
                                 verbose_name=_("campaign"))
    condition = models.CharField(max_length=16, choices=PacingCondition.choices, verbose_name=_("condition"))
    day = models.DateField(help_text=_("The brand's reporting day."), verbose_name=_("day"))
    spend_to_date = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("spend to date"))
    expected_spend = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                         verbose_name=_("expected spend"))
    spend_today = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("spend today"))
    budget_daily = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                       verbose_name=_("daily budget"))
    pacing_ratio = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True,
                                       verbose_name=_("pacing ratio"))
    projected_spend = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True,
                                          verbose_name=_("projected spend"))
    currency = models.CharField(max_length=3, verbose_name=_("currency"))
    email_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("email sent at"))
    webhook_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("webhook sent at"))
    attempts = models.PositiveIntegerField(default=0, verbose_name=_("attempts"))
    error = models.TextField(blank=True, verbose_name=_("error"),
                             help_text=_("Why the last delivery failed, in detail (for operators)."))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = BrandScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("pacing alert")
        verbose_name_plural = _("pacing alerts")
        ordering = ["-day", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "condition", "day"], name="pacingalert_once_per_day"),
            models.CheckConstraint(condition=Q(condition__in=PacingCondition.values),
                                   name="pacingalert_condition_valid"),
        ]
        indexes = [models.Index(fields=["brand", "-day"], name="pacingalert_brand_day_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} {self.day}: {self.condition}"
