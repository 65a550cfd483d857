"""Served lists: logged, attributed exactly (set-based SQL against hand- and Python-computed answers),
incremental, measured online, removed by retention and erasure."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from marketing.auth import principal_for_user
from marketing.models import Role
from marketing.services.errors import ServiceValidationError
from marketing.services.privacy import viewer_erase
from recommendations import online_metrics, served
from recommendations.attribution import attribute_new
from recommendations.models import AttributionWatermark, ServedAttribution, ServedList
from tests.conftest import member
from tests.factories import InteractionFactory, VideoFactory, ViewerFactory

T0 = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai, the factories' reporting zone


def later():
    """A "now" for attribution when every interaction is past the ingestion lag."""
    return timezone.now() + timedelta(hours=1)


def served_list(brand, viewer, videos, at, *, version=1, surface="feed", experiment=None, arm=None):
    return ServedList.objects.create(brand=brand, viewer=viewer, model_version=version, surface=surface,
                                     video_ids=[v.pk for v in videos], n_items=len(videos), served_at=at,
                                     experiment=experiment, arm=arm)


def event(brand, viewer, video, kind, at, watch_ms=None):
    return InteractionFactory(brand=brand, viewer=viewer, video=video, kind=kind, occurred_at=at, watch_ms=watch_ms)


def attributions():
    return {a.interaction_id: (a.served_list_id, a.position)
            for a in ServedAttribution.objects.all()}


@pytest.fixture
def hand_world(brand):
    a, b = ViewerFactory(brand=brand), ViewerFactory(brand=brand)
    v1, v2, v3, v4 = (VideoFactory(brand=brand) for _ in range(4))
    lists = {
        "L1": served_list(brand, a, [v1, v2, v3], T0),
        "L2": served_list(brand, a, [v2, v4], T0 + timedelta(hours=1), version=2),
        "L3": served_list(brand, b, [v1], T0 + timedelta(hours=2)),
    }
    h = timedelta(hours=1)
    events = {
        "view v2 after L1": event(brand, a, v2, "view", T0 + h / 2, watch_ms=5000),
        "click v2 in both": event(brand, a, v2, "click", T0 + 2 * h),
        "like v4 of L2": event(brand, a, v4, "like", T0 + 3 * h),
        "view v1 25 h later": event(brand, a, v1, "view", T0 + 25 * h, watch_ms=1000),
        "impression": event(brand, a, v1, "impression", T0 + h / 6),
        "before any list": event(brand, a, v3, "view", T0 - h, watch_ms=1000),
        "B at serving time": event(brand, b, v1, "view", T0 + 2 * h, watch_ms=7000),
        "conversion 23:59 after L2": event(brand, a, v4, "conversion", T0 + h + timedelta(hours=23, minutes=59)),
    }
    return lists, events, (a, b), (v1, v2, v3, v4)


def test_attribution_matches_the_hand_computed_answer(hand_world, brand):
    lists, events, _, _ = hand_world
    assert attribute_new(brand_id=brand.pk, now=later()) == 5
    assert attributions() == {
        events["view v2 after L1"].pk: (lists["L1"].pk, 1),
        events["click v2 in both"].pk: (lists["L1"].pk, 1),  # the earliest list in the window
        events["like v4 of L2"].pk: (lists["L2"].pk, 1),
        events["B at serving time"].pk: (lists["L3"].pk, 0),
        events["conversion 23:59 after L2"].pk: (lists["L2"].pk, 1),
    }


def test_attribution_is_incremental_and_safe_to_rerun(hand_world, brand):
    lists, events, (a, _), (v1, *_) = hand_world
    attribute_new(brand_id=brand.pk, now=later())
    high = AttributionWatermark.objects.get(brand=brand).last_interaction_id
    assert high == max(e.pk for e in events.values())
    assert attribute_new(brand_id=brand.pk, now=later()) == 0
    late = event(brand, a, v1, "share", T0 + timedelta(hours=5))
    assert attribute_new(brand_id=brand.pk, now=timezone.now()) == 0  # inside the ingestion lag: not read yet
    assert attribute_new(brand_id=brand.pk, now=later()) == 1
    assert attributions()[late.pk] == (lists["L1"].pk, 0)
    assert ServedAttribution.objects.count() == 6


def test_attribution_matches_plain_python_on_a_random_world(brand, settings):
    settings.RECOMMENDATION_ATTRIBUTION_WINDOW_HOURS = 6
    rng = random.Random(7)
    viewers = [ViewerFactory(brand=brand) for _ in range(6)]
    videos = [VideoFactory(brand=brand) for _ in range(8)]
    lists = []
    for _ in range(40):
        picked = rng.sample(videos, rng.randint(1, 5))
        at = T0 + timedelta(minutes=rng.randint(0, 48 * 60), seconds=rng.randint(0, 59))
        lists.append(served_list(brand, rng.choice(viewers), picked, at))
    events = [event(brand, rng.choice(viewers), rng.choice(videos), rng.choice(["view", "click", "like", "impression"]),
                    T0 + timedelta(minutes=rng.randint(0, 60 * 60), seconds=30))
              for _ in range(150)]
    expected = {}
    window = timedelta(hours=6)
    for e in events:
        if e.kind == "impression":
            continue
        matches = sorted((s.served_at, s.pk, s.video_ids.index(e.video_id)) for s in lists
                         if s.viewer_id == e.viewer_id and e.video_id in s.video_ids
                         and e.occurred_at - window <= s.served_at <= e.occurred_at)
        if matches:
            expected[e.pk] = (matches[0][1], matches[0][2])
    attribute_new(brand_id=brand.pk, now=later())
    assert expected and attributions() == expected


def metrics_expected(lists, attributed, catalogue, key):
    """Plain-Python recomputation of recommendationMetrics."""
    groups = {}
    for s in lists:
        for position, video_id in enumerate(s.video_ids):
            k = key(s, position)
            g = groups.setdefault(k, {"lists": set(), "items": 0, "clicked": 0, "engaged": set(), "watch": 0,
                                      "conv": 0, "videos": set()})
            g["lists"].add(s.pk)
            g["items"] += 1
            g["videos"].add(video_id)
            hits = [a for a in attributed if a.served_list_id == s.pk and a.position == position]
            g["clicked"] += any(a.kind in ("click", "view") for a in hits)
            if hits:
                g["engaged"].add(s.pk)
            g["watch"] += sum(a.watch_ms or 0 for a in hits)
            g["conv"] += sum(a.kind in ("conversion", "purchase") for a in hits)
    return {k: (len(g["lists"]), g["items"], g["clicked"] / g["items"], len(g["engaged"]) / len(g["lists"]),
                1000 * g["watch"] / 1000 / g["items"], 1000 * g["conv"] / g["items"], len(g["videos"]) / catalogue)
            for k, g in groups.items()}


@pytest.mark.parametrize("by, key", [
    ("model_version", lambda s, p: str(s.model_version)),
    ("surface", lambda s, p: s.surface),
    ("position", lambda s, p: str(p)),
    ("arm", lambda s, p: s.arm),
])
def test_metrics_match_a_plain_python_recomputation(hand_world, brand, by, key):
    lists, _, _, _ = hand_world
    VideoFactory(brand=brand)  # in the catalogue, never served
    attribute_new(brand_id=brand.pk, now=later())
    viewer = member(brand, Role.VIEWER)
    rows = online_metrics.recommendation_metrics(principal=principal_for_user(viewer), brand_id=brand.pk,
                                                 date_from=date(2026, 11, 2), date_to=date(2026, 11, 2), by=by)
    got = {r.key: (r.served_lists, r.items_served, r.ctr, r.hit_rate, r.watch_seconds_per_1000,
                   r.conversions_per_1000, r.catalogue_coverage) for r in rows}
    expected = metrics_expected(list(lists.values()), list(ServedAttribution.objects.all()), 5, key)
    assert set(got) == set(expected)
    assert all(got[k] == pytest.approx(expected[k]) for k in expected)
    if by == "model_version":  # L1 + L3 (v1: 4 items, clicked: v2 of L1, v1 of L3), L2 (v2: 2 items, like + conversion)
        assert got["1"][:4] == (2, 4, 0.5, 1.0) and got["2"][:4] == (1, 2, 0.0, 1.0)


def test_metrics_are_brand_scoped_and_validate_their_input(hand_world, brand, other_brand):
    outsider = principal_for_user(member(other_brand, Role.ADMIN))
    with pytest.raises(ServiceValidationError) as exc:
        online_metrics.recommendation_metrics(principal=outsider, brand_id=brand.pk, date_from=date(2026, 11, 2),
                                              date_to=date(2026, 11, 2), by="surface")
    assert exc.value.errors[0].code == "not_found"
    insider = principal_for_user(member(brand, Role.VIEWER))
    for kwargs, field, code in [
        ({"date_from": date(2026, 11, 3), "date_to": date(2026, 11, 2)}, "dateTo", "end_before_start"),
        ({"date_from": date(2025, 1, 1), "date_to": date(2026, 11, 2)}, "dateTo", "out_of_range"),
    ]:
        with pytest.raises(ServiceValidationError) as exc:
            online_metrics.recommendation_metrics(principal=insider, brand_id=brand.pk, by="surface", **kwargs)
        assert (exc.value.errors[0].field, exc.value.errors[0].code) == (field, code)


def test_retention_deletes_old_lists_and_their_attributions(hand_world, brand, other_brand):
    lists, _, _, _ = hand_world
    attribute_new(brand_id=brand.pk, now=later())
    foreign = served_list(other_brand, ViewerFactory(brand=other_brand), [VideoFactory(brand=other_brand)], T0)
    assert served.delete_served_before(brand_id=brand.pk, before=T0 + timedelta(minutes=90)) == 2
    assert set(ServedList.objects.values_list("pk", flat=True)) == {lists["L3"].pk, foreign.pk}
    assert set(ServedAttribution.objects.values_list("served_list_id", flat=True)) == {lists["L3"].pk}


def test_the_brands_retention_run_removes_its_served_lists_past_the_horizon(brand, other_brand):
    from analytics import retention
    from marketing.models import AuditEntry

    viewer, video = ViewerFactory(brand=brand), VideoFactory(brand=brand)
    now = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    old = served_list(brand, viewer, [video], now - timedelta(days=40))
    kept = served_list(brand, viewer, [video], now - timedelta(days=5))
    foreign = served_list(other_brand, ViewerFactory(brand=other_brand), [VideoFactory(brand=other_brand)],
                          now - timedelta(days=40))
    brand.raw_event_retention_days = 30
    brand.save(update_fields=["raw_event_retention_days"])
    run = retention.apply_brand_retention(brand_id=brand.pk, now=now)
    assert run.other == {"served_lists": 1}
    assert old.pk not in set(ServedList.objects.values_list("pk", flat=True))
    assert set(ServedList.objects.values_list("pk", flat=True)) == {kept.pk, foreign.pk}
    entry = AuditEntry.objects.get(action="applyRetention", brand=brand)
    assert entry.details["other"] == {"served_lists": 1}


def test_erasing_a_viewer_erases_their_served_lists(hand_world, brand):
    lists, _, (a, b), _ = hand_world
    attribute_new(brand_id=brand.pk, now=later())
    viewer_erase(principal=principal_for_user(member(brand, Role.ADMIN)), viewer_id=a.pk)
    assert list(ServedList.objects.values_list("pk", flat=True)) == [lists["L3"].pk]
    assert set(ServedAttribution.objects.values_list("served_list_id", flat=True)) == {lists["L3"].pk}


def test_the_buffered_writer_writes_in_a_batch(brand, settings):
    settings.RECOMMENDATION_SERVED_LOG_SYNC = False
    settings.RECOMMENDATION_SERVED_LOG_FLUSH_SECONDS = 3600  # the test flushes by hand
    viewer, video = ViewerFactory(brand=brand), VideoFactory(brand=brand)
    for _ in range(3):
        served.log_served(brand_id=brand.pk, viewer_id=viewer.pk, model_version=None, surface="feed",
                          video_ids=[video.pk])
    assert ServedList.objects.count() == 0
    assert served.flush() == 3
    assert list(ServedList.objects.values_list("video_ids", "n_items", "arm")) == [([video.pk], 1, None)] * 3
