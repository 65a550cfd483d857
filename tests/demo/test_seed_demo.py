"""seed_demo / demo.build_world: determinism, funnel integrity, pseudonymity, planted truth."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Sum

from demo import world as demo
from demo.models import DemoSegment, DemoViewerSegment
from demo.spec import PLATFORMS
from marketing.models import (
    ApiToken,
    Brand,
    Interaction,
    Membership,
    Role,
    Viewer,
    hash_token,
    pseudonymise_viewer_id,
)

pytestmark = pytest.mark.django_db

SMALL = {"viewers": 300, "videos": 60, "impressions_per_viewer": 12, "days": 30}


def fingerprint() -> tuple[dict[str, int], int]:
    """Per-kind counts and total watch time, read back from the database."""
    kinds = dict(Interaction.objects.values_list("kind").annotate(n=Count("id")).order_by("kind"))
    return kinds, Interaction.objects.aggregate(w=Sum("watch_ms"))["w"]


@pytest.fixture
def world():
    return demo.build_world(seed=7, **SMALL)


def test_the_same_seed_rebuilds_the_same_world(world):
    first = fingerprint()
    demo.reset_world()
    demo.build_world(seed=7, **SMALL)
    assert fingerprint() == first


def test_a_different_seed_gives_a_different_world(world):
    first = fingerprint()
    demo.reset_world()
    demo.build_world(seed=8, **SMALL)
    assert fingerprint() != first


def test_summary_matches_what_was_stored(world):
    kinds, watch_ms = fingerprint()
    assert (world.by_kind, world.watch_ms, world.interactions) == (
        {k: kinds.get(k, 0) for k in demo.KINDS}, watch_ms, Interaction.objects.count())


def test_every_funnel_step_has_an_impression_of_the_same_viewer_and_video(world):
    impressions = set(Interaction.objects.filter(kind="impression").values_list("viewer_id", "video_id"))
    later = set(Interaction.objects.exclude(kind="impression").values_list("viewer_id", "video_id"))
    assert later - impressions == set()


def test_every_click_follows_a_view_and_every_purchase_a_click(world):
    views = set(Interaction.objects.filter(kind="view").values_list("viewer_id", "video_id"))
    clicks = set(Interaction.objects.filter(kind="click").values_list("viewer_id", "video_id"))
    purchases = set(Interaction.objects.filter(kind="purchase").values_list("viewer_id", "video_id"))
    assert (clicks - views, purchases - clicks) == (set(), set())


def test_purchases_have_positive_values_and_only_purchases_have_values(world):
    purchases = Interaction.objects.filter(kind="purchase")
    assert (purchases.filter(value__lte=0).count(), purchases.filter(value__isnull=True).count(),
            Interaction.objects.exclude(kind="purchase").filter(value__isnull=False).count()) == (0, 0, 0)


def test_only_views_carry_watch_time_and_it_never_exceeds_the_video(world):
    views = Interaction.objects.filter(kind="view").select_related("video")
    assert all(0 < v.watch_ms <= v.video.duration_ms for v in views)


def test_viewer_keys_are_pseudonyms_of_the_raw_ids_never_the_raw_ids(world):
    expected = {
        pseudonymise_viewer_id(brand_id=brand_id, platform_code=code, raw_id=f"demo-user-{i}")
        for brand_id in Brand.objects.values_list("pk", flat=True) for code in PLATFORMS for i in range(300)
    }
    keys = list(Viewer.objects.values_list("viewer_key", flat=True))
    assert (len(keys), set(keys) <= expected, any("demo-user" in k for k in keys)) == (300, True, False)


def test_the_planted_truth_is_stored(world):
    segments = {s.name: s for s in DemoSegment.objects.all()}
    assert {name: (s.tag_affinity, s.description) for name, s in segments.items()} == {
        spec.name: (spec.tag_affinity(), spec.description) for spec in demo.SEGMENTS}


def test_every_viewer_has_exactly_one_planted_segment(world):
    assert (DemoViewerSegment.objects.count(), DemoViewerSegment.objects.values("viewer").distinct().count()) == (
        Viewer.objects.count(), Viewer.objects.count())


def test_rerunning_the_command_on_a_seeded_database_changes_nothing():
    call_command("seed_demo", "--scale", "0.15", "--days", "20", stdout=StringIO())
    before = fingerprint()
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert (fingerprint(), "already seeded" in out.getvalue()) == (before, True)


def test_reset_rebuilds_the_world_with_the_given_seed():
    call_command("seed_demo", "--scale", "0.15", "--days", "20", "--seed", "3", stdout=StringIO())
    first = fingerprint()
    call_command("seed_demo", "--scale", "0.15", "--days", "20", "--seed", "3", "--reset", stdout=StringIO())
    assert (fingerprint(), Brand.objects.filter(slug__in=demo.DEMO_SLUGS).count()) == (first, 3)


# --- bootstrap_demo ------------------------------------------------------------------------------


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap_demo", "--skip-jobs", stdout=out)
    return out.getvalue()


@pytest.fixture
def seeded():
    demo.build_world(seed=1, viewers=150, videos=30, impressions_per_viewer=6, days=10)


def test_bootstrap_creates_the_admin_and_the_marketer(seeded):
    bootstrap()
    bootstrap()
    marketer = get_user_model().objects.get(username="marketer")
    assert (get_user_model().objects.get(username="admin").is_superuser, marketer.is_staff, marketer.is_superuser,
            list(Membership.objects.filter(user=marketer).values_list("brand__slug", "role"))) == (
        True, True, False, [("glow-lab", Role.EDITOR)])


def test_bootstrap_sets_the_demo_password(seeded, settings):
    settings.DEMO_ADMIN_PASSWORD = "s3cret-demo"
    bootstrap()
    assert get_user_model().objects.get(username="admin").check_password("s3cret-demo")


def test_bootstrap_revokes_the_previous_token_and_prints_the_new_one(seeded):
    bootstrap()
    raw = re.search(r"API token: (rbt_\S+)", bootstrap()).group(1)
    tokens = ApiToken.objects.filter(name="demo token")
    assert (tokens.count(), list(tokens.filter(revoked_at__isnull=True).values_list("token_hash", "role",
                                                                                      "brand__slug"))) == (
        2, [(hash_token(raw), Role.EDITOR, "glow-lab")])


def test_initial_jobs_train_personas_and_a_recommender_per_brand():
    from analytics.personas.models import PersonaModel
    from demo.management.commands.bootstrap_demo import run_initial_jobs
    from recommendations.models import RecommenderModel

    demo.build_world(seed=2, viewers=200, videos=40, brands=1, impressions_per_viewer=15, days=20)
    done = run_initial_jobs(write=lambda line: None)
    assert (done, PersonaModel.objects.filter(is_active=True).count(),
            RecommenderModel.objects.filter(is_active=True).count()) == (
        {"glow-lab": ["rollups", "personas", "recommender"]}, 1, 1)
