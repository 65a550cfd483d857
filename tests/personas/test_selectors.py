from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from analytics.personas import selectors, services
from analytics.personas.models import CampaignTargetPersona, Persona
from marketing.auth import principal_for_user
from marketing.models import Interaction
from marketing.services.errors import ErrorCode, ServiceValidationError
from tests.conftest import member
from tests.factories import BrandFactory, CampaignFactory, ViewerFactory
from tests.personas.conftest import train
from tests.personas.world import BEAUTY, COOKS, GAMERS, Segment, add_segment, build_world

pytestmark = pytest.mark.django_db


def persona_named(model, prefix: str) -> Persona:
    return Persona.objects.get(model=model, label__startswith=prefix)


@pytest.fixture
def campaign_world(brand, editor_principal, django_capture_on_commit_callbacks):
    """Beauty viewers interact inside a campaign; the rest of the world has no campaign."""
    campaign = CampaignFactory(brand=brand)
    world = build_world(brand, (GAMERS, COOKS))
    add_segment(world, BEAUTY, seed=5, campaign=campaign)
    _, model = train(editor_principal, brand, django_capture_on_commit_callbacks)
    return world, model, campaign


def test_persona_kpis_count_its_viewers_interactions_per_campaign(campaign_world, editor_principal):
    _, model, campaign = campaign_world
    beauty = persona_named(model, "Women 18–24")
    kpis = selectors.persona_campaign_kpis(principal=editor_principal, persona_id=beauty.pk)
    rows = list(Interaction.objects.filter(campaign=campaign).values_list("kind", "value"))
    kinds = Counter(kind for kind, _ in rows)
    engagements = sum(kinds[k] for k in ("like", "comment", "share", "follow"))
    six = Decimal("0.000001")
    assert kpis.rows == [{
        "campaign_id": campaign.pk, "campaign_name": campaign.name, "reach": 100,
        "impressions": kinds["impression"], "views": kinds["view"],
        "engagement_rate": (Decimal(engagements) / kinds["view"]).quantize(six, rounding=ROUND_HALF_UP),
        "clicks": kinds["click"], "ctr": (Decimal(kinds["click"]) / kinds["impression"]).quantize(six, ROUND_HALF_UP),
        "conversions": 0, "cvr": Decimal("0.000000"), "purchases": kinds["purchase"],
        "revenue": sum(v for k, v in rows if k == "purchase"),
    }]


def test_persona_kpis_leave_out_campaigns_with_too_few_of_its_viewers(
        brand, editor_principal, django_capture_on_commit_callbacks):
    world = build_world(brand)
    campaign = CampaignFactory(brand=brand)
    add_segment(world, Segment(**{**BEAUTY.__dict__, "size": 5}), seed=77, campaign=campaign)
    _, model = train(editor_principal, brand, django_capture_on_commit_callbacks)
    beauty = persona_named(model, "Women 18–24")
    kpis = selectors.persona_campaign_kpis(principal=editor_principal, persona_id=beauty.pk)
    assert (kpis.rows, kpis.suppressed) == ([], 1)


def test_audience_of_a_campaign_without_data_is_ranked_by_tag_affinity(trained, brand, editor_principal):
    world, model, _ = trained
    campaign = CampaignFactory(brand=brand)
    campaign.videos.set(world.videos_by_tag["cooking"])  # no interaction is tied to these ids via campaign
    Interaction.objects.filter(video_id__in=world.videos_by_tag["cooking"]).delete()
    entries = selectors.campaign_audience(principal=editor_principal, campaign_id=campaign.pk)
    assert [(e.persona.label.split(" · ")[0], e.basis) for e in entries][:1] == [("Women 41–50 in Shanghai", "predicted")]
    assert entries[0].predicted_affinity > 0.5 > entries[1].predicted_affinity


def test_audience_with_data_is_ranked_by_observed_engagement_and_conversion(trained, brand, editor_principal):
    world, model, _ = trained
    campaign = CampaignFactory(brand=brand)
    campaign.videos.set(world.videos_by_tag["beauty"] + world.videos_by_tag["gaming"])
    entries = selectors.campaign_audience(principal=editor_principal, campaign_id=campaign.pk)
    first = entries[0]
    reached = Interaction.objects.filter(video__in=campaign.videos.all(),
                                         viewer__persona_assignments__persona=first.persona)
    assert (first.persona.label.split(" · ")[0], first.basis, first.viewers) == (
        "Women 18–24 in Guangdong", "observed", reached.values("viewer_id").distinct().count())


def test_audience_is_empty_for_another_brands_campaign(trained, editor_principal):
    assert selectors.campaign_audience(principal=editor_principal, campaign_id=CampaignFactory().pk) == []


def test_setting_target_personas_replaces_the_set(trained, brand, editor_principal):
    _, model, _ = trained
    campaign = CampaignFactory(brand=brand)
    a, b, c = Persona.objects.filter(model=model).order_by("index")
    services.campaign_target_personas_set(principal=editor_principal, campaign_id=campaign.pk, persona_ids=[a.pk, b.pk])
    services.campaign_target_personas_set(principal=editor_principal, campaign_id=campaign.pk, persona_ids=[b.pk, c.pk])
    assert sorted(CampaignTargetPersona.objects.filter(campaign=campaign).values_list("persona_id", flat=True)) == sorted(
        [b.pk, c.pk])


def test_another_brands_persona_cannot_be_targeted(trained, brand, editor_principal, django_capture_on_commit_callbacks):
    other = BrandFactory()
    other_editor = principal_for_user(member(other, "editor"))
    build_world(other)
    _, other_model = train(other_editor, other, django_capture_on_commit_callbacks)
    foreign = Persona.objects.filter(model=other_model).first()
    with pytest.raises(ServiceValidationError) as exc:
        services.campaign_target_personas_set(principal=editor_principal, campaign_id=CampaignFactory(brand=brand).pk,
                                              persona_ids=[foreign.pk])
    assert [(e.field, e.code) for e in exc.value.errors] == [("persona_ids", ErrorCode.NOT_FOUND)]


def test_a_viewer_role_cannot_set_target_personas(trained, brand):
    _, model, _ = trained
    viewer_principal = principal_for_user(member(brand, "viewer"))
    with pytest.raises(ServiceValidationError) as exc:
        services.campaign_target_personas_set(principal=viewer_principal, campaign_id=CampaignFactory(brand=brand).pk,
                                              persona_ids=[])
    assert [(e.field, e.code) for e in exc.value.errors] == [("campaign_id", ErrorCode.PERMISSION_DENIED)]


def test_targets_are_flagged_in_the_audience(trained, brand, editor_principal):
    _, model, _ = trained
    campaign = CampaignFactory(brand=brand)
    target = Persona.objects.filter(model=model).first()
    services.campaign_target_personas_set(principal=editor_principal, campaign_id=campaign.pk, persona_ids=[target.pk])
    entries = selectors.campaign_audience(principal=editor_principal, campaign_id=campaign.pk)
    assert [e.persona.pk for e in entries if e.is_target] == [target.pk]


def test_viewer_persona_is_the_active_models_assignment(trained, editor_principal):
    world, model, _ = trained
    viewer_id = next(v for v, name in world.truth.items() if name == "gamers")
    persona = selectors.viewer_persona(principal=editor_principal, viewer_id=viewer_id)
    assert persona.label.startswith("Men 25–30 in Beijing")


def test_viewer_persona_of_another_brand_is_hidden(trained):
    world, _, _ = trained
    outsider = principal_for_user(member(BrandFactory(), "admin"))
    assert selectors.viewer_persona(principal=outsider, viewer_id=next(iter(world.truth))) is None


def test_personas_of_a_version_or_the_active_model(trained, brand, editor_principal, django_capture_on_commit_callbacks):
    _, first, _ = trained
    _, second = train(editor_principal, brand, django_capture_on_commit_callbacks, k=2)
    active = selectors.personas_for_brand(principal=editor_principal, brand_id=brand.pk)
    v2 = selectors.personas_for_brand(principal=editor_principal, brand_id=brand.pk, version=2)
    assert ({p.model_id for p in active}, len(active), {p.model_id for p in v2}, len(v2)) == (
        {first.pk}, 3, {second.pk}, 2)


def test_persona_kpis_take_three_queries(campaign_world, editor_principal, django_assert_num_queries):
    _, model, _ = campaign_world
    persona = persona_named(model, "Women 18–24")
    with django_assert_num_queries(3):
        selectors.persona_campaign_kpis(principal=editor_principal, persona_id=persona.pk)


def test_campaign_audience_query_count_does_not_grow_with_personas(trained, brand, editor_principal,
                                                                   django_assert_num_queries):
    world, _, _ = trained
    campaign = CampaignFactory(brand=brand)
    campaign.videos.set(world.videos_by_tag["beauty"])
    with django_assert_num_queries(7):
        selectors.campaign_audience(principal=editor_principal, campaign_id=campaign.pk)


def test_personas_for_many_viewers_take_one_query_and_hide_other_brands(
        trained, editor_principal, django_assert_num_queries):
    world, model, _ = trained
    foreign = ViewerFactory()
    gamers = [v for v, name in world.truth.items() if name == "gamers"][:3]
    with django_assert_num_queries(1):
        found = selectors.personas_for_viewers(principal=editor_principal, viewer_ids=gamers + [foreign.pk])
    assert {v: p.label.split(" · ")[0] for v, p in found.items()} == dict.fromkeys(gamers, "Men 25–30 in Beijing")
