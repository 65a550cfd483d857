"""Personas through /graphql: train and poll, list, persona KPIs, campaign audience, targets, viewer persona."""

import pytest
from strawberry import relay

from analytics.personas.models import CampaignTargetPersona, Persona, PersonaModel
from marketing.models import Role
from tests.factories import BrandFactory, CampaignFactory, make_token
from tests.marketing.graphql_helpers import gid, gql, ok
from tests.personas.world import build_world

pytestmark = pytest.mark.django_db

TRAIN = """mutation($b: ID!) { trainPersonas(input: {brandId: $b}) {
  job { id status } errors { field code message } } }"""


def pk(global_id: str) -> int:
    return int(relay.GlobalID.from_id(global_id).node_id)


@pytest.fixture
def api(brand, django_capture_on_commit_callbacks):
    """A planted world trained through trainPersonas; returns (world, editor token, payload)."""
    world = build_world(brand)
    _, token = make_token(brand=brand, role=Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        payload = ok(gql(TRAIN, {"b": gid(brand)}, token=token))["trainPersonas"]
    return world, token, payload


def test_train_personas_returns_a_job_that_polls_to_success(api, brand):
    _, token, payload = api
    job = ok(gql("query($id: ID!) { job(id: $id) { status progress error result } }", {"id": payload["job"]["id"]},
                 token=token))["job"]
    model = PersonaModel.objects.get(brand=brand)
    assert (payload["errors"], job) == ([], {
        "status": "SUCCEEDED", "progress": 1.0, "error": "",
        "result": {"persona_model_id": model.pk, "version": 1, "k": 3, "silhouette": model.metrics["silhouette"],
                   "is_active": True}})


def test_train_personas_rejects_bad_parameters_as_typed_errors(brand):
    _, token = make_token(brand=brand, role=Role.EDITOR)
    body = ok(gql("""mutation($b: ID!) { trainPersonas(input: {brandId: $b, k: 0, kMin: 5, kMax: 3}) {
      job { id } errors { field code } } }""", {"b": gid(brand)}, token=token))["trainPersonas"]
    assert body == {"job": None, "errors": [{"field": "k", "code": "OUT_OF_RANGE"},
                                            {"field": "kMin", "code": "OUT_OF_RANGE"}]}


def test_personas_lists_the_active_models_profiles_largest_first(api, brand):
    _, token, _ = api
    data = [edge["node"] for edge in ok(gql(
        "query($b: ID!) { personas(brand: $b) { edges { node { id label size share modelVersion profile } } } }",
        {"b": gid(brand)}, token=token))["personas"]["edges"]]
    stored = list(Persona.objects.filter(model__brand=brand).order_by("-size", "index"))
    assert [(pk(p["id"]), p["label"], p["size"], p["share"], p["modelVersion"], p["profile"]) for p in data] == [
        (p.pk, p.label, p.size, p.share, 1, p.profile) for p in stored]


def test_persona_models_and_explicit_activation(api, brand, django_capture_on_commit_callbacks):
    _, token, _ = api
    with django_capture_on_commit_callbacks(execute=True):
        ok(gql("""mutation($b: ID!) { trainPersonas(input: {brandId: $b, k: 2}) { errors { code } } }""",
               {"b": gid(brand)}, token=token))
    models = [edge["node"] for edge in ok(gql(
        "query($b: ID!) { personaModels(brand: $b) { edges { node { id version isActive k } } } }",
        {"b": gid(brand)}, token=token))["personaModels"]["edges"]]
    assert [(m["version"], m["isActive"], m["k"]) for m in models] == [(2, False, 2), (1, True, 3)]
    activated = ok(gql("mutation($id: ID!) { activatePersonaModel(id: $id) { model { version isActive } errors { code } } }",
                       {"id": models[0]["id"]}, token=token))["activatePersonaModel"]
    assert (activated, list(PersonaModel.objects.filter(brand=brand, is_active=True).values_list("version", flat=True))) == (
        {"model": {"version": 2, "isActive": True}, "errors": []}, [2])


def test_personas_of_a_version_that_is_not_ready_is_not_found(api, brand):
    _, token, _ = api
    body = gql("query($b: ID!) { personas(brand: $b, version: 7) { edges { node { id } } } }", {"b": gid(brand)},
               token=token)
    assert (body["data"], [(e["message"], e["extensions"]) for e in body["errors"]]) == (
        None, [("No ready persona model of that version.", {"code": "NOT_FOUND", "field": "version"})])


def test_persona_by_id_with_its_campaign_kpis(brand, django_capture_on_commit_callbacks):
    campaign = CampaignFactory(brand=brand)
    world = build_world(brand)
    from tests.personas.world import BEAUTY, Segment, add_segment

    add_segment(world, Segment(**{**BEAUTY.__dict__, "name": "beauty in campaign", "size": 40}), seed=3,
                campaign=campaign)
    _, token = make_token(brand=brand, role=Role.EDITOR)
    with django_capture_on_commit_callbacks(execute=True):
        ok(gql(TRAIN, {"b": gid(brand)}, token=token))
    persona = Persona.objects.get(model__brand=brand, assignments__viewer_id=max(world.truth))
    data = ok(gql("""query($id: ID!) { persona(id: $id) { label kpis { suppressed campaigns { campaignId reach } } } }""",
                  {"id": str(relay.GlobalID("Persona", str(persona.pk)))}, token=token))["persona"]
    assert data == {"label": persona.label, "kpis": {"suppressed": 0, "campaigns": [
        {"campaignId": gid(campaign), "reach": 40}]}}


def test_campaign_audience_and_setting_target_personas(api, brand):
    world, token, _ = api
    campaign = CampaignFactory(brand=brand)
    campaign.videos.set(world.videos_by_tag["cooking"])
    query = """query($c: ID!) { node(id: $c) { ... on Campaign { audience {
      basis isTarget predictedAffinity persona { id label } } } } }"""
    audience = ok(gql(query, {"c": gid(campaign)}, token=token))["node"]["audience"]
    top = audience[0]["persona"]
    assert (len(audience), audience[0]["basis"], top["label"].split(" · ")[0]) == (
        3, "OBSERVED", "Women 41–50 in Shanghai")
    result = ok(gql("""mutation($c: ID!, $p: [ID!]!) { setCampaignTargetPersonas(input: {campaignId: $c, personaIds: $p}) {
      targetPersonas { id } errors { code } } }""", {"c": gid(campaign), "p": [top["id"]]},
                    token=token))["setCampaignTargetPersonas"]
    flagged = [e["persona"]["id"] for e in ok(gql(query, {"c": gid(campaign)}, token=token))["node"]["audience"]
               if e["isTarget"]]
    assert (result, flagged, list(CampaignTargetPersona.objects.values_list("persona_id", flat=True))) == (
        {"targetPersonas": [{"id": top["id"]}], "errors": []}, [top["id"]], [pk(top["id"])])


def test_viewer_persona_in_a_connection_takes_a_fixed_number_of_queries(api, brand, django_assert_max_num_queries):
    world, token, _ = api
    query = "{ viewers(first: 50) { edges { node { id persona { label } } } } }"
    with django_assert_max_num_queries(8):
        edges = ok(gql(query, token=token))["viewers"]["edges"]
    labels = {pk(e["node"]["id"]): e["node"]["persona"]["label"].split(" · ")[0] for e in edges}
    expected = {"beauty buyers": "Women 18–24 in Guangdong", "gamers": "Men 25–30 in Beijing",
                "home cooks": "Women 41–50 in Shanghai"}
    assert (len(labels), labels) == (50, {v: expected[world.truth[v]] for v in labels})


def test_another_brand_sees_no_personas_and_cannot_target_them(api, brand):
    world, _, _ = api
    _, outsider = make_token(brand=BrandFactory(), role=Role.ADMIN)
    persona = Persona.objects.filter(model__brand=brand).first()
    campaign = CampaignFactory(brand=brand)
    reads = [gql("query($b: ID!) { personas(brand: $b) { edges { node { id } } } }", {"b": gid(brand)},
                 token=outsider),
             gql("query($b: ID!) { personaModels(brand: $b) { edges { node { id } } } }", {"b": gid(brand)},
                 token=outsider),
             gql("query($p: ID!) { persona(id: $p) { id } }", {"p": str(relay.GlobalID("Persona", str(persona.pk)))},
                 token=outsider)]
    write = ok(gql("""mutation($c: ID!, $p: [ID!]!) { setCampaignTargetPersonas(input: {campaignId: $c, personaIds: $p}) {
      errors { field code } } }""", {"c": gid(campaign), "p": [str(relay.GlobalID("Persona", str(persona.pk)))]},
                   token=outsider))
    assert ([(body["data"], [e["extensions"] for e in body["errors"]]) for body in reads], write,
            CampaignTargetPersona.objects.count()) == (
        [(None, [{"code": "NOT_FOUND", "field": "brand"}]), (None, [{"code": "NOT_FOUND", "field": "brand"}]),
         (None, [{"code": "NOT_FOUND", "field": "id"}])],
        {"setCampaignTargetPersonas": {"errors": [{"field": "campaignId", "code": "NOT_FOUND"}]}}, 0)
