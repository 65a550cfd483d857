"""Services: validation errors are typed and nothing is written; the campaign lifecycle."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketing.auth import principal_for_token, principal_for_user
from marketing.models import (
    CAMPAIGN_TRANSITIONS,
    ApiToken,
    Brand,
    Campaign,
    CampaignSpend,
    CampaignStatus,
    Membership,
    ModerationStatus,
    Role,
    Video,
    hash_token,
    pseudonymise_viewer_id,
)
from marketing.services import brands, campaigns, videos
from marketing.services.errors import ErrorCode, ServiceValidationError
from tests.conftest import member
from tests.factories import CampaignFactory, UserFactory, VideoFactory


def errors_of(exc_info) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in exc_info.value.errors}


@pytest.mark.django_db
class TestCampaignLifecycle:
    @pytest.mark.parametrize("source", CampaignStatus.values)
    @pytest.mark.parametrize("target", CampaignStatus.values)
    def test_every_pair_follows_the_transition_table(self, brand, editor_principal, source, target):
        campaign = CampaignFactory(brand=brand, status=source)
        campaign.videos.add(VideoFactory(brand=brand))
        allowed = target in CAMPAIGN_TRANSITIONS[source]
        if allowed:
            result = campaigns.campaign_transition(principal=editor_principal, campaign_id=campaign.pk, to=target)
            assert result.status == target
        else:
            with pytest.raises(ServiceValidationError) as exc:
                campaigns.campaign_transition(principal=editor_principal, campaign_id=campaign.pk, to=target)
            assert errors_of(exc) == {("status", ErrorCode.FORBIDDEN_TRANSITION)}
        campaign.refresh_from_db()
        assert campaign.status == (target if allowed else source)

    def test_activation_needs_a_video(self, brand, editor_principal):
        campaign = CampaignFactory(brand=brand, status=CampaignStatus.SCHEDULED)
        with pytest.raises(ServiceValidationError) as exc:
            campaigns.campaign_transition(principal=editor_principal, campaign_id=campaign.pk, to="active")
        assert errors_of(exc) == {("status", ErrorCode.FORBIDDEN_TRANSITION)}

    def test_viewer_role_cannot_transition(self, brand):
        principal = principal_for_user(member(brand, Role.VIEWER))
        campaign = CampaignFactory(brand=brand)
        with pytest.raises(ServiceValidationError) as exc:
            campaigns.campaign_transition(principal=principal, campaign_id=campaign.pk, to="scheduled")
        assert errors_of(exc) == {("id", ErrorCode.PERMISSION_DENIED)}
        campaign.refresh_from_db()
        assert campaign.status == CampaignStatus.DRAFT


@pytest.mark.django_db
class TestCampaignValidation:
    def create(self, principal, brand, **overrides):
        start = timezone.now()
        fields = dict(name="Spring", objective="awareness", starts_at=start, ends_at=start + timedelta(days=7))
        fields.update(overrides)
        return campaigns.campaign_create(principal=principal, brand_id=brand.pk, **fields)

    def test_all_problems_reported_at_once_and_nothing_written(self, brand, editor_principal):
        start = timezone.now()
        with pytest.raises(ServiceValidationError) as exc:
            self.create(editor_principal, brand, name=" ", objective="viral", ends_at=start - timedelta(days=1),
                        starts_at=start, budget_lifetime=-5, budget_daily="abc")
        assert errors_of(exc) == {
            ("name", ErrorCode.REQUIRED),
            ("objective", ErrorCode.INVALID_CHOICE),
            ("ends_at", ErrorCode.END_BEFORE_START),
            ("budget_lifetime", ErrorCode.NEGATIVE),
            ("budget_daily", ErrorCode.INVALID),
        }
        assert Campaign.objects.count() == 0

    def test_another_brands_video_is_refused_like_a_missing_one(self, brand, other_brand, editor_principal):
        foreign = VideoFactory(brand=other_brand)
        own = VideoFactory(brand=brand)
        with pytest.raises(ServiceValidationError) as exc:
            self.create(editor_principal, brand, video_ids=[own.pk, foreign.pk])
        assert errors_of(exc) == {("video_ids", ErrorCode.NOT_FOUND)}
        assert str(foreign.pk) in exc.value.errors[0].message
        assert Campaign.objects.count() == 0

    def test_unapproved_video_cannot_be_promoted(self, brand, editor_principal):
        pending = VideoFactory(brand=brand, moderation_status=ModerationStatus.PENDING)
        with pytest.raises(ServiceValidationError) as exc:
            self.create(editor_principal, brand, video_ids=[pending.pk])
        assert errors_of(exc) == {("video_ids", ErrorCode.NOT_APPROVED)}

    def test_create_attaches_videos_and_uses_brand_currency(self, brand, editor_principal):
        own = VideoFactory(brand=brand)
        campaign = self.create(editor_principal, brand, video_ids=[own.pk], budget_daily="12.50")
        assert list(campaign.videos.values_list("pk", flat=True)) == [own.pk]
        assert campaign.currency == brand.currency
        assert campaign.budget_daily == Decimal("12.50")

    def test_update_checks_end_against_stored_start(self, brand, editor_principal):
        campaign = CampaignFactory(brand=brand)
        with pytest.raises(ServiceValidationError) as exc:
            campaigns.campaign_update(principal=editor_principal, campaign_id=campaign.pk,
                                      ends_at=campaign.starts_at - timedelta(hours=1))
        assert errors_of(exc) == {("ends_at", ErrorCode.END_BEFORE_START)}

    def test_other_brand_campaign_is_not_found(self, other_brand, editor_principal):
        campaign = CampaignFactory(brand=other_brand)
        with pytest.raises(ServiceValidationError) as exc:
            campaigns.campaign_update(principal=editor_principal, campaign_id=campaign.pk, name="mine now")
        assert errors_of(exc) == {("id", ErrorCode.NOT_FOUND)}
        campaign.refresh_from_db()
        assert campaign.name != "mine now"


@pytest.mark.django_db
class TestSpend:
    def test_recording_a_day_twice_replaces_it(self, brand, editor_principal):
        campaign = CampaignFactory(brand=brand)
        day = date(2026, 11, 1)
        campaigns.campaign_record_spend(principal=editor_principal, campaign_id=campaign.pk, date=day, amount="100.10")
        campaigns.campaign_record_spend(principal=editor_principal, campaign_id=campaign.pk, date=day, amount="80")
        assert list(CampaignSpend.objects.values_list("date", "amount")) == [(day, Decimal("80.00"))]

    def test_negative_and_wrong_currency_rejected(self, brand, editor_principal):
        campaign = CampaignFactory(brand=brand, currency="CNY")
        with pytest.raises(ServiceValidationError) as exc:
            campaigns.campaign_record_spend(principal=editor_principal, campaign_id=campaign.pk,
                                            date=date(2026, 11, 1), amount=-1, currency="USD")
        assert errors_of(exc) == {("amount", ErrorCode.NEGATIVE), ("currency", ErrorCode.INVALID)}
        assert CampaignSpend.objects.count() == 0


@pytest.mark.django_db
class TestVideos:
    def test_duplicate_external_id_is_a_typed_error(self, brand, editor_principal):
        VideoFactory(brand=brand, external_id="abc")
        with pytest.raises(ServiceValidationError) as exc:
            videos.video_create(principal=editor_principal, brand_id=brand.pk, platform="douyin", external_id="abc",
                                title="Again", duration_ms=1000)
        assert errors_of(exc) == {("external_id", ErrorCode.DUPLICATE)}
        assert Video.objects.filter(brand=brand).count() == 1

    def test_unknown_platform_and_bad_duration(self, brand, editor_principal):
        with pytest.raises(ServiceValidationError) as exc:
            videos.video_create(principal=editor_principal, brand_id=brand.pk, platform="myspace", external_id="x",
                                title="T", duration_ms=0)
        assert errors_of(exc) == {("platform", ErrorCode.INVALID_CHOICE), ("duration_ms", ErrorCode.OUT_OF_RANGE)}

    def test_tags_are_normalised(self, brand, editor_principal):
        video = videos.video_create(principal=editor_principal, brand_id=brand.pk, platform="douyin", external_id="x",
                                    title="T", duration_ms=1000, tags=["Beauty", " beauty", "Tutorial", ""])
        assert sorted(video.tags.values_list("name", flat=True)) == ["beauty", "tutorial"]

    def test_rejection_needs_a_reason_and_records_reviewer(self, brand, editor, editor_principal):
        video = VideoFactory(brand=brand, moderation_status=ModerationStatus.PENDING)
        with pytest.raises(ServiceValidationError) as exc:
            videos.video_moderate(principal=editor_principal, video_id=video.pk, status="rejected", reason=" ")
        assert errors_of(exc) == {("reason", ErrorCode.REQUIRED)}
        moderated = videos.video_moderate(principal=editor_principal, video_id=video.pk, status="rejected",
                                          reason="Unlicensed music")
        assert (moderated.moderation_status, moderated.moderation_reason, moderated.moderated_by) == (
            "rejected", "Unlicensed music", editor)


@pytest.mark.django_db
class TestBrandsAndTokens:
    def test_creator_becomes_admin(self):
        user = UserFactory()
        brand = brands.brand_create(principal=principal_for_user(user), name="Glow Lab")
        assert (brand.slug, brand.reporting_timezone) == ("glow-lab", "Asia/Shanghai")
        assert Membership.objects.get(user=user, brand=brand).role == Role.ADMIN

    def test_unknown_time_zone_and_duplicate_slug(self, brand):
        with pytest.raises(ServiceValidationError) as exc:
            brands.brand_create(principal=principal_for_user(UserFactory()), name="X", slug=brand.slug,
                                reporting_timezone="Mars/Olympus")
        assert errors_of(exc) == {("slug", ErrorCode.DUPLICATE), ("reporting_timezone", ErrorCode.INVALID_CHOICE)}
        assert Brand.objects.count() == 1

    def test_token_is_stored_hashed_and_scoped(self, brand):
        admin = principal_for_user(member(brand, Role.ADMIN))
        token, raw = brands.api_token_create(principal=admin, brand_id=brand.pk, name="etl", role=Role.EDITOR)
        assert raw.startswith("rbt_") and len(raw) > 40
        assert token.token_hash == hash_token(raw)
        assert not ApiToken.objects.filter(token_hash=raw).exists()
        principal = principal_for_token(raw)
        assert principal.brand_ids() == [brand.pk]
        assert principal.has_role(brand.pk, Role.EDITOR) and not principal.has_role(brand.pk, Role.ADMIN)
        assert ApiToken.objects.get(pk=token.pk).last_used_at is not None

    def test_revoked_token_authenticates_nobody(self, brand):
        admin = principal_for_user(member(brand, Role.ADMIN))
        token, raw = brands.api_token_create(principal=admin, brand_id=brand.pk, name="etl")
        brands.api_token_revoke(principal=admin, token_id=token.pk)
        assert not principal_for_token(raw).is_authenticated

    def test_editor_cannot_issue_tokens(self, brand, editor_principal):
        with pytest.raises(ServiceValidationError) as exc:
            brands.api_token_create(principal=editor_principal, brand_id=brand.pk, name="x")
        assert errors_of(exc) == {("brand", ErrorCode.PERMISSION_DENIED)}


def test_pseudonym_is_keyed_and_brand_specific(settings):
    settings.VIEWER_ID_HMAC_KEY = "k1"
    a = pseudonymise_viewer_id(brand_id=1, platform_code="douyin", raw_id="u42")
    assert a == pseudonymise_viewer_id(brand_id=1, platform_code="douyin", raw_id="u42")
    assert a != pseudonymise_viewer_id(brand_id=2, platform_code="douyin", raw_id="u42")
    assert "u42" not in a and len(a) == 64
    settings.VIEWER_ID_HMAC_KEY = "k2"
    assert a != pseudonymise_viewer_id(brand_id=1, platform_code="douyin", raw_id="u42")
