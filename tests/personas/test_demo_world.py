"""Persona quality on the seed_demo world (marketing.demo_world): planted segments must be recovered."""

import pytest
from sklearn.metrics import adjusted_rand_score

from analytics.personas.models import PersonaAssignment
from analytics.personas.services import persona_model_create, persona_model_train
from marketing.demo_world import SEGMENTS, build_world
from marketing.models import Brand, DemoViewerSegment

pytestmark = pytest.mark.django_db

VIEWERS = 500  # one brand: small enough to stay fast, large enough for PERSONA_MIN_SIZE


@pytest.fixture
def demo_brand():
    build_world(seed=11, viewers=VIEWERS, videos=120, brands=1, impressions_per_viewer=24, days=30)
    return Brand.objects.get(slug="glow-lab")


def trained_labels(brand, *, random_state: int = 0, k=None) -> tuple[object, dict[int, int]]:
    model = persona_model_create(brand_id=brand.pk, params={
        "k": k, "k_min": 2, "k_max": 10, "window_days": 90, "svd_components": 32, "random_state": random_state,
        "activate": False})
    model = persona_model_train(persona_model_id=model.pk)
    return model, dict(PersonaAssignment.objects.filter(model=model).values_list("viewer_id", "persona__index"))


def truth(brand) -> dict[int, int]:
    return dict(DemoViewerSegment.objects.filter(viewer__brand=brand).values_list("viewer_id", "segment_id"))


def test_personas_recover_the_planted_segments(demo_brand):
    _, found = trained_labels(demo_brand)
    planted = truth(demo_brand)
    viewers = sorted(found)
    assert adjusted_rand_score([planted[v] for v in viewers], [found[v] for v in viewers]) >= 0.9


def test_automatic_k_is_within_one_of_the_planted_count(demo_brand):
    model, _ = trained_labels(demo_brand)
    planted = len(set(truth(demo_brand).values()))
    assert (planted, abs(model.k - planted) <= 1) == (len(SEGMENTS), True)


def test_two_seeds_agree_on_the_demo_world(demo_brand):
    _, first = trained_labels(demo_brand, random_state=0)
    _, second = trained_labels(demo_brand, random_state=99)
    viewers = sorted(first)
    assert adjusted_rand_score([first[v] for v in viewers], [second[v] for v in viewers]) >= 0.9
