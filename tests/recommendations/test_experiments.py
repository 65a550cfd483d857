"""Recommender experiments: typed refusals, a keyed split stable across processes, serving by arm,
exact statistics on logged lists, guardrail stops with alerts, promotion through activation."""

import json
import math
import re
import subprocess
import sys
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np
import pytest
import scipy.sparse as sp
from django.core import mail
from django.utils import timezone
from scipy import stats

from analytics.trained.models import TrainingStatus
from marketing.auth import principal_for_user
from marketing.models import AuditEntry, Role
from marketing.services.errors import ServiceValidationError
from recommendations import experiment_stats as st
from recommendations import experiments, services, serving
from recommendations.attribution import attribute_new
from recommendations.estimators import PopularityRecommender
from recommendations.models import (
    ExperimentStatus,
    RecommenderExperiment,
    RecommenderModel,
    ServedList,
)
from tests.conftest import member
from tests.factories import BrandFactory, InteractionFactory, VideoFactory, ViewerFactory
from tests.marketing.graphql_helpers import gid, gql, ok


def version(brand, number, videos=None, weights=None, status=TrainingStatus.READY):
    """A ready popularity version ranking ``videos`` by ``weights`` (no training needed)."""
    model = RecommenderModel.objects.create(brand=brand, version=number, algorithm="popularity", status=status)
    if videos:
        estimator = PopularityRecommender(half_life_days=None).fit(sp.csr_matrix(np.array([weights], dtype=np.float32)))
        serving.save_estimator(model, estimator=estimator, video_ids=np.array([v.pk for v in videos]))
        model.save()
    return model


@pytest.fixture
def editor(brand):
    return principal_for_user(member(brand, Role.EDITOR))


def start(editor, brand, control, candidate, **overrides):
    kwargs = {"principal": editor, "brand_id": brand.pk, "control_id": control.pk, "candidate_id": candidate.pk,
              "traffic_share": 0.5, "primary_metric": "engaged_viewers", "mde": 0.2, "baseline": 0.3,
              "guardrail_metrics": ["watch_seconds_per_viewer"]}
    return experiments.start_experiment(**{**kwargs, **overrides})


def test_start_states_the_sample_size_of_its_design(editor, brand):
    v1, v2 = version(brand, 1), version(brand, 2)
    experiment = start(editor, brand, v1, v2)
    p1, p2, z_a, z_b = 0.3, 0.5, stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    n = math.ceil((z_a * math.sqrt(2 * 0.4 * 0.6) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))) ** 2 / 0.2 ** 2)
    assert (experiment.required_sample_size, experiment.alpha, experiment.power) == (n, 0.05, 0.8) == (93, 0.05, 0.8)
    assert AuditEntry.objects.filter(action="startExperiment", object_id=str(experiment.pk)).count() == 1


@pytest.mark.parametrize("case, field, code", [
    ("another brand's version", "candidate", "not_found"),
    ("version not ready", "candidate", "invalid"),
    ("same version twice", "candidate", "duplicate"),
    ("share 0", "traffic_share", "out_of_range"),
    ("share 1", "traffic_share", "out_of_range"),
    ("another experiment running", "surface", "limit_exceeded"),
])
def test_refused_starts_are_typed_and_change_nothing(editor, brand, case, field, code):
    v1, v2 = version(brand, 1), version(brand, 2)
    overrides = {
        "another brand's version": {"candidate_id": version(BrandFactory(), 1).pk},
        "version not ready": {"candidate_id": version(brand, 3, status=TrainingStatus.TRAINING).pk},
        "same version twice": {"candidate_id": v1.pk},
        "share 0": {"traffic_share": 0.0},
        "share 1": {"traffic_share": 1.0},
        "another experiment running": {},
    }[case]
    if case == "another experiment running":
        start(editor, brand, v1, v2)
    before = list(RecommenderExperiment.objects.values_list("pk", "status"))
    with pytest.raises(ServiceValidationError) as exc:
        start(editor, brand, v1, v2, **overrides)
    assert [(e.field, e.code) for e in exc.value.errors] == [(field, code)]
    assert list(RecommenderExperiment.objects.values_list("pk", "status")) == before


def test_the_split_is_keyed_deterministic_and_follows_the_share():
    arms = [experiments.arm_for(experiment_id=7, viewer_id=v, traffic_share=0.3) for v in range(1, 4001)]
    share = arms.count("candidate") / len(arms)
    assert stats.binom.ppf(0.0005, 4000, 0.3) / 4000 <= share <= stats.binom.ppf(0.9995, 4000, 0.3) / 4000
    code = ("import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'tests.settings'); django.setup(); "
            "from recommendations.experiments import arm_for; "
            "print(','.join(arm_for(experiment_id=7, viewer_id=v, traffic_share=0.3) for v in range(1, 201)))")
    other_process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert other_process.stdout.strip().split(",") == arms[:200]
    assert [experiments.arm_for(experiment_id=8, viewer_id=v, traffic_share=0.3) for v in range(1, 201)] != arms[:200]


def test_serving_uses_the_arm_version_and_logs_it(editor, brand, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    serving._loaded.clear()
    serving._loaded_versions.clear()
    videos = [VideoFactory(brand=brand) for _ in range(4)]
    v1 = version(brand, 1, videos, [4, 3, 2, 1])
    v2 = version(brand, 2, videos, [1, 2, 3, 4])
    RecommenderModel.objects.filter(pk=v1.pk).update(is_active=True)
    experiment = start(editor, brand, v1, v2)
    viewers = [ViewerFactory(brand=brand) for _ in range(12)]
    order = {"control": [v.pk for v in videos][:3], "candidate": [v.pk for v in reversed(videos)][:3]}
    for viewer in viewers:
        recs = serving.recommend_for_viewer(principal=editor, viewer_id=viewer.pk, n=3)
        arm = experiments.arm_for(experiment_id=experiment.pk, viewer_id=viewer.pk, traffic_share=0.5)
        assert [r.video.pk for r in recs] == order[arm]
    logged = list(ServedList.objects.order_by("pk").values_list("viewer_id", "arm", "model_version", "video_ids"))
    expected = []
    for viewer in viewers:
        arm = experiments.arm_for(experiment_id=experiment.pk, viewer_id=viewer.pk, traffic_share=0.5)
        expected.append((viewer.pk, arm, 1 if arm == "control" else 2, order[arm]))
    assert logged == expected
    assert {arm for _, arm, _, _ in logged} == {"control", "candidate"}


def served_world(brand, experiment, engaged):
    """Viewers with one list each in an arm; ``engaged[arm]`` = (viewers, engaged viewers, watch_ms each)."""
    video = VideoFactory(brand=brand)
    at = timezone.now() - timedelta(hours=3)
    values = {}
    for arm, (n, n_engaged, watch_ms) in engaged.items():
        values[arm] = []
        for i in range(n):
            viewer = ViewerFactory(brand=brand)
            ServedList.objects.create(brand=brand, viewer=viewer, model_version=1, experiment=experiment, arm=arm,
                                      surface="feed", video_ids=[video.pk], n_items=1, served_at=at)
            if i < n_engaged:
                InteractionFactory(brand=brand, viewer=viewer, video=video, kind="view", watch_ms=watch_ms,
                                   occurred_at=at + timedelta(minutes=5))
            values[arm].append((1.0 if i < n_engaged else 0.0, watch_ms / 1000 if i < n_engaged else 0.0))
    attribute_new(brand_id=brand.pk, now=timezone.now() + timedelta(hours=1))
    return values


def test_evaluation_matches_scipy_on_the_logged_outcomes(editor, brand):
    experiment = start(editor, brand, version(brand, 1), version(brand, 2), mde=0.4, baseline=0.3)
    assert experiment.required_sample_size == 24
    values = served_world(brand, experiment, {"control": (25, 8, 4000), "candidate": (24, 18, 9000)})
    result = experiments.evaluate(experiment=experiment)
    x1, n1, x2, n2 = 8, 25, 18, 24
    pooled = (x1 + x2) / (n1 + n2)
    z = (x2 / n2 - x1 / n1) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert result["verdict"] == "candidate_better"
    assert result["primary"]["effect"] == pytest.approx(x2 / n2 - x1 / n1)
    assert result["primary"]["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    welch = stats.ttest_ind([w for _, w in values["candidate"]], [w for _, w in values["control"]], equal_var=False)
    guard = result["guardrails"]["watch_seconds_per_viewer"]
    assert guard["p_value"] == pytest.approx(welch.pvalue) and guard["breached"] is False
    assert guard["ci_low"] == pytest.approx(welch.confidence_interval(0.95).low)


def test_before_the_sample_is_reached_the_verdict_waits(editor, brand):
    experiment = start(editor, brand, version(brand, 1), version(brand, 2), mde=0.4, baseline=0.3)
    served_world(brand, experiment, {"control": (21, 2, 4000), "candidate": (30, 28, 9000)})
    assert experiments.evaluate(experiment=experiment)["verdict"] == "not_enough_data"  # 21 < 24 in control


class Hook(BaseHTTPRequestHandler):
    received: list = []

    def do_POST(self):
        Hook.received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook(settings):
    Hook.received = []
    settings.REPORT_WEBHOOK_ALLOWED_HOSTS = ["127.0.0.1"]
    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()


def test_a_breached_guardrail_stops_the_experiment_and_alerts(editor, brand, webhook):
    experiment = start(editor, brand, version(brand, 1), version(brand, 2), alert_webhook_url=webhook,
                       alert_emails="ops@example.com, lead@example.com")
    served_world(brand, experiment, {"control": (110, 80, 9000), "candidate": (110, 30, 1000)})
    experiments.evaluate_running(experiment_id=experiment.pk)
    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.STOPPED
    assert experiment.stop_reason == "guardrail breached: watch_seconds_per_viewer"
    assert [(h["event"], h["experiment"], h["breached"]) for h in Hook.received] == [
        ("experiment.stopped", experiment.pk, ["watch_seconds_per_viewer"])]
    assert [m.to for m in mail.outbox] == [["ops@example.com", "lead@example.com"]]
    assert st.GUARDRAIL_ALPHA < experiment.alpha


def test_promote_activates_the_better_candidate_through_activation(editor, brand):
    v1, v2 = version(brand, 1), version(brand, 2)
    RecommenderModel.objects.filter(pk=v1.pk).update(is_active=True)
    experiment = start(editor, brand, v1, v2, mde=0.4, baseline=0.3)
    with pytest.raises(ServiceValidationError) as exc:  # not enough data yet
        services.promote_experiment(principal=editor, experiment_id=experiment.pk)
    assert exc.value.errors[0].code == "forbidden_transition"
    served_world(brand, experiment, {"control": (25, 8, 4000), "candidate": (24, 18, 9000)})
    services.promote_experiment(principal=editor, experiment_id=experiment.pk)
    assert list(RecommenderModel.objects.filter(brand=brand, is_active=True).values_list("pk", flat=True)) == [v2.pk]
    experiment.refresh_from_db()
    assert experiment.status == ExperimentStatus.PROMOTED


START = """mutation($i: StartExperimentInput!) { startExperiment(input: $i) {
  experiment { id status requiredSampleSize controlVersion candidateVersion trafficShare }
  errors { field code } } }"""


def test_graphql_start_list_and_stop(brand, other_brand):
    from tests.factories import make_token

    _, token = make_token(brand=brand, role=Role.EDITOR)
    v1, v2 = version(brand, 1), version(brand, 2)
    foreign = version(other_brand, 1)
    base = {"brandId": gid(brand), "controlId": gid(v1), "candidateId": gid(v2), "trafficShare": 0.5,
            "primaryMetric": "ENGAGED_VIEWERS", "mde": 0.2, "baseline": 0.3}
    refused = ok(gql(START, {"i": {**base, "candidateId": gid(foreign)}}, token=token))["startExperiment"]
    assert refused == {"experiment": None, "errors": [{"field": "candidateId", "code": "NOT_FOUND"}]}
    refused = ok(gql(START, {"i": {**base, "trafficShare": 1.5}}, token=token))["startExperiment"]
    assert refused["errors"] == [{"field": "trafficShare", "code": "OUT_OF_RANGE"}]
    started = ok(gql(START, {"i": base}, token=token))["startExperiment"]
    assert started["errors"] == [] and started["experiment"]["status"] == "RUNNING"
    assert started["experiment"]["requiredSampleSize"] == 93
    listed = ok(gql("{ experiments { edges { node { id controlVersion candidateVersion } } } }",
                    token=token))["experiments"]["edges"]
    assert listed == [{"node": {"id": started["experiment"]["id"], "controlVersion": 1, "candidateVersion": 2}}]
    _, outsider = make_token(brand=other_brand, role=Role.ADMIN)
    assert ok(gql("{ experiments { edges { node { id } } } }", token=outsider))["experiments"] == {"edges": []}
    stopped = ok(gql("mutation($id: ID!) { stopExperiment(id: $id) { experiment { status } errors { code } } }",
                     {"id": started["experiment"]["id"]}, token=token))["stopExperiment"]
    assert stopped == {"experiment": {"status": "STOPPED"}, "errors": []}


def test_graphql_recommendation_metrics_errors_carry_code_and_field(brand):
    from tests.factories import make_token

    _, token = make_token(brand=brand, role=Role.VIEWER)
    body = gql("""query($b: ID!) { recommendationMetrics(brand: $b, dateFrom: "2026-11-03", dateTo: "2026-11-02",
                 by: SURFACE) { key } }""", {"b": gid(brand)}, token=token)
    assert body["errors"][0]["extensions"]["field"] == "dateTo"
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["data"] is None


def test_an_editor_starts_an_experiment_in_the_admin_and_a_refusal_names_the_field(client, brand, other_brand):
    from django.contrib.auth.models import Permission
    from django.urls import reverse

    from tests.factories import MembershipFactory, UserFactory

    user = UserFactory(is_staff=True)
    MembershipFactory(user=user, brand=brand, role=Role.EDITOR)
    user.user_permissions.add(Permission.objects.get(codename="change_recommenderexperiment"))
    client.force_login(user)
    control, candidate = version(brand, 1), version(brand, 2)
    foreign = version(other_brand, 1)
    url = reverse("admin:recommendations_recommenderexperiment_add")
    form = {"brand": brand.pk, "surface": "feed", "control": control.pk, "candidate": candidate.pk,
            "traffic_share": "1.5", "primary_metric": "engaged_viewers", "guardrail_metrics": ["watch_seconds_per_viewer"],
            "mde": "0.2", "baseline": "0.3", "alert_webhook_url": "", "alert_emails": ""}
    # the form lists only the caller's brands' ready versions
    page = client.get(url).content.decode()
    control_select = re.search(r'<select name="control".*?</select>', page, re.S).group(0)
    assert set(re.findall(r'<option value="(\d+)"', control_select)) == {str(control.pk), str(candidate.pk)}
    assert foreign.pk not in (control.pk, candidate.pk)
    refused = client.post(url, form)
    assert refused.status_code == 200 and not RecommenderExperiment.objects.exists()
    assert "The traffic share is between 0 and 1, both excluded." in refused.content.decode()

    started = client.post(url, {**form, "traffic_share": "0.5"})
    assert started.status_code == 302
    experiment = RecommenderExperiment.objects.get()
    expected_n = st.required_sample_size(kind=st.RATE, baseline=0.3, mde=0.2, alpha=0.05, power=0.8)
    assert (experiment.control, experiment.candidate, experiment.traffic_share, experiment.required_sample_size,
            experiment.guardrail_metrics, experiment.status) == (control, candidate, 0.5, expected_n,
                                                                 ["watch_seconds_per_viewer"], ExperimentStatus.RUNNING)
    assert AuditEntry.objects.filter(action="startExperiment", source="admin", brand=brand).count() == 1
    # a second one on the same surface is refused with the service's reason, on the surface field
    again = client.post(url, {**form, "traffic_share": "0.3"})
    assert again.status_code == 200 and RecommenderExperiment.objects.count() == 1
    assert "Another experiment is running on this surface." in again.content.decode()


def test_similar_videos_with_a_viewer_serve_and_log_the_arm_of_a_similar_surface_experiment(editor, brand, other_brand,
                                                                                            settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    serving._loaded.clear()
    serving._loaded_versions.clear()
    videos = [VideoFactory(brand=brand) for _ in range(5)]
    v1 = version(brand, 1, videos, [5, 4, 3, 2, 1])
    v2 = version(brand, 2, videos, [1, 2, 3, 4, 5])
    RecommenderModel.objects.filter(pk=v1.pk).update(is_active=True)
    feed = start(editor, brand, v1, v2)  # an experiment on the feed does not route similar videos
    experiment = start(editor, brand, v1, v2, surface="similar")
    anchor = videos[2]
    # the popularity versions rank the other videos by their weights: v1 by 5, 4, 2, 1; v2 reversed
    others = [v.pk for v in videos if v.pk != anchor.pk]
    order = {"control": others[:3], "candidate": list(reversed(others))[:3]}
    viewers = [ViewerFactory(brand=brand) for _ in range(10)]
    for viewer in viewers:
        arm = experiments.arm_for(experiment_id=experiment.pk, viewer_id=viewer.pk, traffic_share=0.5)
        recs = serving.similar_videos(principal=editor, video_id=anchor.pk, n=3, viewer_id=viewer.pk)
        assert [r.video.pk for r in recs] == order[arm]
    anonymous = serving.similar_videos(principal=editor, video_id=anchor.pk, n=3)
    assert [r.video.pk for r in anonymous] == order["control"]  # the active version, no arm
    logged = list(ServedList.objects.order_by("pk").values_list("viewer_id", "surface", "experiment_id", "arm",
                                                                "model_version"))
    expected = []
    for viewer in viewers:
        arm = experiments.arm_for(experiment_id=experiment.pk, viewer_id=viewer.pk, traffic_share=0.5)
        expected.append((viewer.pk, "similar", experiment.pk, arm, 1 if arm == "control" else 2))
    assert logged == [*expected, (None, "similar", None, None, 1)]
    assert {row[3] for row in expected} == {"control", "candidate"} and feed.pk not in {row[2] for row in logged}
    # another brand's viewer is answered as not found, naming the argument
    with pytest.raises(ServiceValidationError) as refused:
        serving.similar_videos(principal=editor, video_id=anchor.pk, n=3, viewer_id=ViewerFactory(brand=other_brand).pk)
    assert [(e.field, e.code) for e in refused.value.errors] == [("viewer", "not_found")]
