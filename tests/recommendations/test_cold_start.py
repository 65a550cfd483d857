"""Cold start in serving: a viewer with no history but a persona gets what that persona engages with,
with the persona named in the reason; without a persona, what is popular."""

import pytest

from analytics.engagement import KIND_WEIGHTS
from analytics.personas.models import Persona, PersonaAssignment
from analytics.personas.services import persona_model_create, persona_model_train
from marketing.auth import principal_for_user
from marketing.models import Interaction, ModerationStatus, Role
from recommendations import services, serving
from tests.conftest import member
from tests.factories import ViewerFactory
from tests.personas.world import build_world


@pytest.fixture
def trained(db, brand, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    serving._loaded.clear()
    world = build_world(brand, seed=3)
    persona_model = persona_model_train(persona_model_id=persona_model_create(brand_id=brand.pk, params={}).pk)
    editor = principal_for_user(member(brand, Role.EDITOR))
    with django_capture_on_commit_callbacks(execute=True):
        services.recommender_training_start(principal=editor, brand_id=brand.pk, params={"k": 5})
    return editor, world, persona_model


def persona_engagement(persona: Persona) -> dict[int, float]:
    """Summed training weights (KIND_WEIGHTS x watch ratio for views) of the persona's viewers per
    approved video, straight from the interactions."""
    members = PersonaAssignment.objects.filter(persona=persona).values("viewer_id")
    totals: dict[int, float] = {}
    for video_id, kind, watch_ms, duration_ms in (
            Interaction.objects.filter(viewer_id__in=members, video__moderation_status=ModerationStatus.APPROVED)
            .values_list("video_id", "kind", "watch_ms", "video__duration_ms")):
        ratio = min(watch_ms / duration_ms, 1.0) if kind == "view" and watch_ms is not None else 1.0
        totals[video_id] = totals.get(video_id, 0.0) + KIND_WEIGHTS.get(kind, 0.0) * ratio
    return totals


def test_cold_viewer_with_a_persona_gets_what_the_persona_engages_with(trained, brand):
    editor, _, persona_model = trained
    persona = Persona.objects.filter(model=persona_model).order_by("-size").first()
    newcomer = ViewerFactory(brand=brand)
    PersonaAssignment.objects.create(model=persona_model, viewer=newcomer, persona=persona)
    recs = serving.recommend_for_viewer(principal=editor, viewer_id=newcomer.pk, n=3)
    engagement = persona_engagement(persona)
    assert [r.video.pk for r in recs] == sorted(engagement, key=lambda pk: (-engagement[pk], pk))[:3]
    assert {r.reasons[0] for r in recs} == {f"Popular with “{persona.label}”"}


def test_cold_viewer_without_a_persona_gets_popular_videos(trained, brand):
    editor, _, _ = trained
    newcomer = ViewerFactory(brand=brand)
    recs = serving.recommend_for_viewer(principal=editor, viewer_id=newcomer.pk, n=3)
    assert len(recs) == 3
    assert all(r.reasons[0] == "Popular right now" or r.reasons[0].startswith("Trending in ") for r in recs)
