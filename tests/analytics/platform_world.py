"""A small world of ad-platform stats for the platform-metrics tests: rows written as a sync writes them."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from adplatforms.models import AdAccount, PlatformDailyStat, ReportLevel
from analytics.models import DailyRollup
from tests.factories import VideoFactory, platform


def account(brand, ad_platform: str, advertiser_id: str) -> AdAccount:
    return AdAccount.objects.create(brand=brand, ad_platform=ad_platform, advertiser_id=advertiser_id,
                                    name=f"{ad_platform} {advertiser_id}", time_zone="Asia/Shanghai", currency="CNY")


def stat(ad_account, campaign, day: date, *, level=ReportLevel.CAMPAIGN, external_id="c1", spend=None,
         **metrics) -> PlatformDailyStat:
    return PlatformDailyStat.objects.create(
        ad_account=ad_account, level=level, external_id=external_id, stat_date=day, report_date=day,
        campaign=campaign, spend=None if spend is None else Decimal(spend), raw={"as": "received"},
        fetched_at=timezone.now(), **metrics)


def first_party(campaign, day: date, *, impressions: int, views: int, clicks: int, platform_code="douyin"):
    video = VideoFactory(brand=campaign.brand, platform=platform(platform_code))
    return DailyRollup.objects.create(brand=campaign.brand, campaign=campaign, video=video, platform=video.platform,
                                      day=day, impressions=impressions, views=views, clicks=clicks)
