"""Persona quality on the world ``manage.py seed_demo`` builds (demo.build_world), one brand,
smaller than the default seed: the planted segments (demo.spec.SEGMENTS) must be recovered."""

from collections import Counter

import pytest
from sklearn.metrics import adjusted_rand_score

from analytics.personas.models import PersonaAssignment
from analytics.personas.services import persona_model_create, persona_model_train
from demo import world as demo
from demo.models import DemoViewerSegment
from marketing.models import Brand

pytestmark = pytest.mark.django_db

# One brand (glow-lab, all five segments in its mix); the seed_demo defaults for everything else
# except size: 600 viewers keep the test fast and every planted segment well above PRIVACY_MIN_GROUP_SIZE.
WORLD = {"viewers": 600, "videos": 100, "brands": 1}


@pytest.fixture
def demo_brand():
    demo.build_world(seed=11, **WORLD)
    return Brand.objects.get(slug=demo.BRANDS[0].slug)


def trained(brand, *, random_state: int = 0):
    model = persona_model_create(brand_id=brand.pk, params={"random_state": random_state})
    model = persona_model_train(persona_model_id=model.pk)
    return model, dict(PersonaAssignment.objects.filter(model=model).values_list("viewer_id", "persona__index"))


def planted(brand) -> dict[int, int]:
    return dict(DemoViewerSegment.objects.filter(viewer__brand=brand).values_list("viewer_id", "segment_id"))


def ari(first: dict[int, int], second: dict[int, int]) -> float:
    viewers = sorted(first)
    return adjusted_rand_score([first[v] for v in viewers], [second[v] for v in viewers])


def test_personas_recover_the_planted_segments(demo_brand):
    _, found = trained(demo_brand)
    truth = planted(demo_brand)
    assert (len(found), ari(truth, found) >= 0.9) == (len(truth), True)


def test_automatic_k_is_within_one_of_the_planted_count(demo_brand):
    model, _ = trained(demo_brand)
    assert (len(set(planted(demo_brand).values())), abs(model.k - len(demo.SEGMENTS)) <= 1) == (
        len(demo.SEGMENTS), True)


def test_two_seeds_agree_on_the_demo_world(demo_brand):
    _, first = trained(demo_brand, random_state=0)
    _, second = trained(demo_brand, random_state=99)
    assert ari(first, second) >= 0.9


def test_personas_below_the_minimum_size_are_merged_on_the_demo_world(demo_brand, settings):
    settings.PRIVACY_MIN_GROUP_SIZE = 150  # above every planted segment's size here (about 90 to 180 viewers)
    model, found = trained(demo_brand)
    sizes = sorted(Counter(found.values()).values())
    shown_video_viewers = [v["viewers"] for p in model.personas.all() for v in p.profile["sample_videos"]]
    assert (sizes[0] >= 150, sum(sizes), model.metrics["merged_small"] >= 1, model.k == len(sizes)) == (
        True, len(planted(demo_brand)), True, True)
    assert all(n >= 150 for n in shown_video_viewers)
