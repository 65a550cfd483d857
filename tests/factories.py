"""factory-boy factories for the domain models."""

from datetime import timedelta
from importlib import import_module

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from adplatforms.models import AdAccount, ExternalObject, PlatformDailyStat
from marketing.models import (
    ApiToken,
    Brand,
    Campaign,
    CampaignObjective,
    CampaignSpend,
    Interaction,
    InteractionKind,
    Membership,
    ModerationStatus,
    Platform,
    Role,
    Video,
    Viewer,
    hash_token,
    pseudonymise_viewer_id,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw-for-tests-only")


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")
    reporting_timezone = "Asia/Shanghai"
    currency = "CNY"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    brand = factory.SubFactory(BrandFactory)
    role = Role.VIEWER


def platform(code: str = "douyin") -> Platform:
    """The platform row seeded by migration 0002; recreated if a transactional test flushed it."""
    names = dict(import_module("marketing.migrations.0002_platforms").PLATFORMS)
    return Platform.objects.get_or_create(code=code, defaults={"name": names.get(code, code)})[0]


class VideoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Video

    brand = factory.SubFactory(BrandFactory)
    platform = factory.LazyFunction(platform)
    external_id = factory.Sequence(lambda n: f"v{n}")
    title = factory.Sequence(lambda n: f"Video {n}")
    description = "A short video."
    duration_ms = 15_000
    published_at = factory.LazyFunction(timezone.now)
    moderation_status = ModerationStatus.APPROVED


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    brand = factory.SubFactory(BrandFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    objective = CampaignObjective.AWARENESS
    starts_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyAttribute(lambda c: c.starts_at + timedelta(days=30))
    budget_lifetime = 10_000
    currency = "CNY"


class CampaignSpendFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CampaignSpend

    campaign = factory.SubFactory(CampaignFactory)
    date = factory.LazyFunction(lambda: timezone.now().date())
    amount = 100


class ViewerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Viewer

    brand = factory.SubFactory(BrandFactory)
    platform = factory.LazyFunction(platform)
    viewer_key = factory.LazyAttributeSequence(
        lambda v, n: pseudonymise_viewer_id(brand_id=v.brand.pk, platform_code=v.platform.code, raw_id=f"u{n}")
    )


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    brand = factory.SubFactory(BrandFactory)
    event_id = factory.Sequence(lambda n: f"evt-{n}")
    viewer = factory.SubFactory(ViewerFactory, brand=factory.SelfAttribute("..brand"))
    video = factory.SubFactory(VideoFactory, brand=factory.SelfAttribute("..brand"))
    kind = InteractionKind.IMPRESSION
    occurred_at = factory.LazyFunction(timezone.now)


def make_token(*, brand: Brand, role: str = Role.VIEWER, name: str = "test token") -> tuple[ApiToken, str]:
    raw = ApiToken.generate_raw()
    token = ApiToken.objects.create(brand=brand, role=role, name=name, prefix=raw[:12], token_hash=hash_token(raw))
    return token, raw


class AdAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdAccount
        skip_postgeneration_save = True

    brand = factory.SubFactory(BrandFactory)
    ad_platform = "tiktok"
    advertiser_id = factory.Sequence(lambda n: f"{7000000 + n}")
    name = factory.Sequence(lambda n: f"Ad account {n}")
    time_zone = "Asia/Shanghai"
    currency = "CNY"

    @factory.post_generation
    def credentials(obj, create, extracted, **kwargs):
        obj.credentials = extracted if extracted is not None else {
            "access_token": "token-1", "refresh_token": "refresh-1", "app_id": "app-1", "secret": "app-secret-1"}
        if create:
            obj.save(update_fields=["credentials_encrypted"])


class ExternalObjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExternalObject

    ad_account = factory.SubFactory(AdAccountFactory)
    level = "campaign"
    external_id = factory.Sequence(lambda n: f"{1000 + n}")
    name = factory.Sequence(lambda n: f"External campaign {n}")


class PlatformDailyStatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlatformDailyStat

    ad_account = factory.SubFactory(AdAccountFactory)
    level = "campaign"
    external_id = factory.Sequence(lambda n: f"{1000 + n}")
    stat_date = factory.LazyFunction(lambda: timezone.now().date())
    report_date = factory.LazyAttribute(lambda s: s.stat_date)
    spend = 100
    impressions = 1000
    clicks = 10
    fetched_at = factory.LazyFunction(timezone.now)
