"""Ad platforms: the advertiser accounts a brand buys ads with, the platforms' campaigns / ad groups / ads,
and their daily reports as the platforms state them.

Vocabulary: an *ad platform* (``AdPlatform``: TikTok for Business, Ocean Engine, Kuaishou's 磁力引擎) sells the
ads; a *platform* (``marketing.Platform``: TikTok, Douyin, Kuaishou) is where the videos play. The two are
kept apart in names and types. Contract shared with the metrics / pacing work (issue #18): do not rename.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from adplatforms import crypto
from marketing.models import BrandScopedQuerySet, _choices_q


class AdPlatform(models.TextChoices):
    TIKTOK = "tiktok", _("TikTok for Business")
    OCEANENGINE = "oceanengine", _("Ocean Engine 巨量引擎")
    KUAISHOU_ADS = "kuaishou_ads", _("Kuaishou 磁力引擎")


class ReportLevel(models.TextChoices):
    CAMPAIGN = "campaign", _("campaign")
    ADGROUP = "adgroup", _("ad group")
    AD = "ad", _("ad")


class AdAccountStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    PAUSED = "paused", _("paused (not synced)")
    AUTH_FAILED = "auth_failed", _("authorisation failed")


class AdAccountQuerySet(BrandScopedQuerySet):
    pass


class AdAccount(models.Model):
    """One advertiser account on an ad platform, owned by a brand; its credentials are encrypted at rest."""

    brand = models.ForeignKey("marketing.Brand", on_delete=models.CASCADE, related_name="ad_accounts", verbose_name=_("brand"))
    ad_platform = models.CharField(max_length=16, choices=AdPlatform.choices, verbose_name=_("ad platform"))
    advertiser_id = models.CharField(max_length=64, help_text=_("The ad platform's advertiser (account) id."),
                                     verbose_name=_("advertiser ID"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    time_zone = models.CharField(max_length=64, default="Asia/Shanghai",
                                 help_text=_("IANA zone the platform reports days in."), verbose_name=_("time zone"))
    currency = models.CharField(max_length=3, default="CNY", help_text=_("ISO 4217 code of the account's spend."),
                                verbose_name=_("currency"))
    # Fernet token of the JSON credentials (access / refresh token, app id / secret): never readable through
    # the API or the admin; read and written through ``credentials`` only.
    credentials_encrypted = models.TextField(blank=True, default="", editable=False, verbose_name=_("encrypted credentials"))
    status = models.CharField(max_length=16, choices=AdAccountStatus.choices, default=AdAccountStatus.ACTIVE,
                              verbose_name=_("status"))
    last_synced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last synced at"))
    last_sync_error = models.TextField(blank=True, default="", verbose_name=_("last sync error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = AdAccountQuerySet.as_manager()

    class Meta:
        verbose_name = _("ad account")
        verbose_name_plural = _("ad accounts")
        ordering = ["brand", "ad_platform", "name"]
        constraints = [
            models.UniqueConstraint(fields=["ad_platform", "advertiser_id"], name="adaccount_unique_platform_advertiser"),
            models.CheckConstraint(condition=_choices_q("ad_platform", AdPlatform), name="adaccount_ad_platform_valid"),
            models.CheckConstraint(condition=_choices_q("status", AdAccountStatus), name="adaccount_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_ad_platform_display()} {self.advertiser_id} ({self.name})"

    @property
    def credentials(self) -> dict:
        return crypto.decrypt_credentials(self.credentials_encrypted)

    @credentials.setter
    def credentials(self, value: dict) -> None:
        self.credentials_encrypted = crypto.encrypt_credentials(value or {})

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials_encrypted) and bool(self.credentials)


class ExternalObjectQuerySet(BrandScopedQuerySet):
    brand_path = "ad_account__brand"


class ExternalObject(models.Model):
    """A campaign, ad group or ad as the ad platform names it, mapped to a Reelboard campaign (and video)."""

    ad_account = models.ForeignKey(AdAccount, on_delete=models.CASCADE, related_name="external_objects",
                                   verbose_name=_("ad account"))
    level = models.CharField(max_length=16, choices=ReportLevel.choices, verbose_name=_("level"))
    external_id = models.CharField(max_length=64, verbose_name=_("platform object ID"),
                                   help_text=_("The ad platform's id of the campaign, ad group or ad."))
    name = models.CharField(max_length=300, blank=True, default="", verbose_name=_("name"))
    parent_external_id = models.CharField(max_length=64, blank=True, default="",
                                          help_text=_("The campaign of an ad group, the ad group of an ad."),
                                          verbose_name=_("parent external ID"))
    campaign = models.ForeignKey("marketing.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="external_ad_objects", verbose_name=_("campaign"))
    video = models.ForeignKey("marketing.Video", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="external_ad_objects", verbose_name=_("video"))
    external_video_id = models.CharField(max_length=128, blank=True, default="",
                                         help_text=_("The video id the platform gives for an ad."),
                                         verbose_name=_("external video ID"))
    mapped_by_hand = models.BooleanField(default=False, help_text=_("Set in the admin: a sync keeps this mapping."),
                                         verbose_name=_("mapped by hand"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = ExternalObjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("external ad object")
        verbose_name_plural = _("external ad objects")
        ordering = ["ad_account", "level", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["ad_account", "level", "external_id"], name="externalobject_unique_account_level_id"),
            models.CheckConstraint(condition=_choices_q("level", ReportLevel), name="externalobject_level_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.external_id} {self.name}".strip()


class PlatformDailyStatQuerySet(BrandScopedQuerySet):
    brand_path = "ad_account__brand"


METRIC_FIELDS = (
    "impressions", "clicks", "reach", "plays", "plays_2s", "plays_3s", "plays_6s", "plays_10s", "effective_plays",
    "plays_25", "plays_50", "plays_75", "plays_100", "profile_visits", "conversions",
)


def _count(label) -> models.PositiveBigIntegerField:
    return models.PositiveBigIntegerField(null=True, blank=True, verbose_name=label)


class PlatformDailyStat(models.Model):
    """One day of one campaign / ad group / ad as an ad platform reports it.

    Null means the platform does not report the metric (never 0). ``stat_date`` is the day in the account's
    zone; ``report_date`` the brand's reporting day it is counted on (the same unless the zones differ).
    """

    ad_account = models.ForeignKey(AdAccount, on_delete=models.CASCADE, related_name="daily_stats", verbose_name=_("ad account"))
    level = models.CharField(max_length=16, choices=ReportLevel.choices, verbose_name=_("level"))
    external_id = models.CharField(max_length=64, verbose_name=_("platform object ID"),
                                   help_text=_("The ad platform's id of the campaign, ad group or ad."))
    stat_date = models.DateField(help_text=_("The day in the account's time zone, as the platform reports it."),
                                 verbose_name=_("stat date"))
    report_date = models.DateField(help_text=_("The brand's reporting day."), verbose_name=_("report date"))
    campaign = models.ForeignKey("marketing.Campaign", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="platform_daily_stats", verbose_name=_("campaign"))
    spend = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, verbose_name=_("spend"))
    impressions = _count(_("impressions"))
    clicks = _count(_("clicks"))
    reach = _count(_("reach"))
    plays = _count(_("plays"))
    plays_2s = _count(_("2-second plays"))
    plays_3s = _count(_("3-second plays"))
    plays_6s = _count(_("6-second plays"))
    plays_10s = _count(_("10-second plays"))
    effective_plays = _count(_("effective plays"))
    plays_25 = _count(_("plays reaching 25%"))
    plays_50 = _count(_("plays reaching 50%"))
    plays_75 = _count(_("plays reaching 75%"))
    plays_100 = _count(_("plays reaching 100%"))
    avg_play_time_s = models.FloatField(null=True, blank=True, verbose_name=_("average play time (s)"))
    profile_visits = _count(_("profile visits"))
    conversions = _count(_("conversions"))
    raw = models.JSONField(default=dict, blank=True, help_text=_("The row as the platform sent it."), verbose_name=_("raw row"))
    fetched_at = models.DateTimeField(verbose_name=_("fetched at"))

    objects = PlatformDailyStatQuerySet.as_manager()

    class Meta:
        verbose_name = _("platform daily stat")
        verbose_name_plural = _("platform daily stats")
        ordering = ["ad_account", "level", "external_id", "stat_date"]
        constraints = [
            models.UniqueConstraint(fields=["ad_account", "level", "external_id", "stat_date"],
                                    name="platformdailystat_unique_account_level_id_day"),
            models.CheckConstraint(condition=_choices_q("level", ReportLevel), name="platformdailystat_level_valid"),
            models.CheckConstraint(condition=Q(spend__isnull=True) | Q(spend__gte=0), name="platformdailystat_spend_non_negative"),
        ]
        indexes = [
            models.Index(fields=["campaign", "report_date"], name="pds_campaign_report_date_idx"),
            models.Index(fields=["ad_account", "stat_date"], name="pds_account_stat_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.ad_account_id} {self.level} {self.external_id} {self.stat_date}"
