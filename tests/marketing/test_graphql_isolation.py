"""Walks the schema: a user (and a token) of brand A can neither read nor change anything of brand B.

Every root query field, every node type and every mutation needs a case below; a new field without a
case fails ``test_cases_cover_the_whole_schema``.
"""

from __future__ import annotations

import json
from datetime import date, time

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from graphql import GraphQLInputObjectType, get_named_type

from adplatforms.models import AdAccount
from analytics.models import KpiReport, KpiReportSchedule, PacingAlert
from analytics.personas.models import Persona, PersonaModel
from compliance.models import BrandRule
from marketing.jobs.models import Job
from marketing.models import ApiToken, Brand, Campaign, CampaignSpend, Interaction, Role, Video, Viewer
from recommendations.models import RecommenderExperiment, RecommenderModel, RecommenderSettings
from reelboard.graphql.schema import schema
from tests.conftest import member
from tests.factories import (
    AdAccountFactory,
    BrandFactory,
    CampaignFactory,
    CampaignSpendFactory,
    ExternalObjectFactory,
    InteractionFactory,
    PlatformDailyStatFactory,
    VideoFactory,
    make_token,
)
from tests.marketing.graphql_helpers import gid, gql

MODELS = (Brand, Video, Campaign, CampaignSpend, Viewer, Interaction, ApiToken, Job, RecommenderModel,
          RecommenderSettings, KpiReport, PersonaModel, BrandRule, AdAccount, PacingAlert)


def seed(brand: Brand) -> dict:
    video = VideoFactory(brand=brand)
    campaign = CampaignFactory(brand=brand)
    campaign.videos.add(video)
    interaction = InteractionFactory(brand=brand, video=video, campaign=campaign)
    token, _ = make_token(brand=brand, role=Role.ADMIN, name=f"{brand.slug} token")
    persona_model = PersonaModel.objects.create(brand=brand, version=1, status="ready", is_active=True)
    # No credentials: a sync refuses before any request (tests never reach a platform).
    ad_account = AdAccountFactory(brand=brand, credentials={})
    return {
        "Brand": brand, "Video": video, "Campaign": campaign, "CampaignSpend": CampaignSpendFactory(campaign=campaign),
        "Viewer": interaction.viewer, "Interaction": interaction, "ApiToken": token,
        "Job": Job.objects.create(brand=brand, kind="personas.train"),
        "RecommenderModel": RecommenderModel.objects.create(brand=brand, version=1),
        "RecommenderSettings": RecommenderSettings.objects.create(brand=brand),
        "KpiReport": KpiReport.objects.create(
            brand=brand, period_start=date(2026, 1, 1), period_end=date(2026, 1, 7),
            schedule=KpiReportSchedule.objects.create(brand=brand, name=f"{brand.slug} weekly", send_at=time(8))),
        "PersonaModel": persona_model,
        "Persona": Persona.objects.create(model=persona_model, index=0, label=f"{brand.slug} persona", size=1,
                                          share=1.0),
        "BrandRule": BrandRule.objects.create(brand=brand, code="rival", terms="x", reason="x"),
        "AdAccount": ad_account,
        "ExternalAdObject": ExternalObjectFactory(ad_account=ad_account, campaign=campaign),
        "PlatformDailyStat": PlatformDailyStatFactory(ad_account=ad_account, campaign=campaign),
        "PacingAlert": PacingAlert.objects.create(brand=brand, campaign=campaign, condition="under_pacing",
                                                  day=date(2026, 1, 5), spend_to_date=1, spend_today=0,
                                                  currency="CNY"),
        "RecommenderExperiment": RecommenderExperiment.objects.create(
            brand=brand, control=RecommenderModel.objects.create(brand=brand, version=2, status="ready"),
            candidate=RecommenderModel.objects.create(brand=brand, version=3, status="ready"), traffic_share=0.5,
            primary_metric="engaged_viewers", mde=0.1, baseline=0.3, required_sample_size=356,
            started_at=timezone.now(), status="stopped"),  # stopped: brand A serves its own active model
    }


def snapshot(objects: dict) -> str:
    """Every stored value of brand B's rows (and its campaign's videos), to prove nothing changed."""
    rows = {name: model_to_dict(type(obj).objects.get(pk=obj.pk)) for name, obj in objects.items()}
    rows["campaign_videos"] = sorted(objects["Campaign"].videos.values_list("pk", flat=True))
    rows["counts"] = {m.__name__: m.objects.filter(**_brand_filter(m, objects["Brand"])).count() for m in MODELS}
    return json.dumps(rows, sort_keys=True, default=str)


def _brand_filter(model, brand) -> dict:
    if model is Brand:
        return {"pk": brand.pk}
    if model is CampaignSpend:
        return {"campaign__brand": brand}
    return {"brand": brand}


# --- the case tables ------------------------------------------------------------------------------

# Root connection field -> the node type it lists (the caller must see exactly brand A's rows).
CONNECTION_CASES = {
    "brands": "Brand", "videos": "Video", "campaigns": "Campaign", "campaignSpend": "CampaignSpend",
    "viewers": "Viewer", "interactions": "Interaction", "apiTokens": "ApiToken", "brandRules": "BrandRule",
    "adAccounts": "AdAccount", "platformDailyStats": "PlatformDailyStat", "externalAdObjects": "ExternalAdObject",
    "alerts": "PacingAlert",
}
NODE_FIELD_CASES = {"node", "nodes"}
# Root connections that take a brand argument (in ARGUMENT_QUERY_CASES) -> the node type they list.
ARGUMENT_CONNECTION_NODES = {"reports": "KpiReport", "personas": "Persona", "personaModels": "PersonaModel",
                             "recommendationModels": "RecommenderModel", "experiments": "RecommenderExperiment"}
NODE_TYPES = sorted(set(CONNECTION_CASES.values()) | set(ARGUMENT_CONNECTION_NODES.values()))

PERIOD = '$from: Date! = "2026-01-01", $to: Date! = "2026-01-31"'
# Root fields that take a brand-scoped argument -> (query, variables from one brand's objects). With brand
# A's objects the query must succeed; with brand B's it must fail or come back empty, leaking nothing.
ARGUMENT_QUERY_CASES = {
    "kpiDefinitions": ("{ kpiDefinitions { name } }", lambda o: {}),
    "platformKpiDefinitions": ("{ platformKpiDefinitions { name } }", lambda o: {}),
    "campaignKpis": ("query($id: ID!, " + PERIOD + ") { campaignKpis(campaign: $id, dateFrom: $from, dateTo: $to) { totals { __typename } } }",
                     lambda o: {"id": gid(o["Campaign"])}),
    "brandKpis": ("query($id: ID!, " + PERIOD + ") { brandKpis(brand: $id, dateFrom: $from, dateTo: $to) { totals { __typename } } }",
                  lambda o: {"id": gid(o["Brand"])}),
    "brandOverview": ("query($id: ID!, " + PERIOD + ") { brandOverview(brand: $id, dateFrom: $from, dateTo: $to) { campaigns { campaignId name } } }",
                      lambda o: {"id": gid(o["Brand"])}),
    "topVideos": ("query($id: ID!, " + PERIOD + ") { topVideos(brand: $id, dateFrom: $from, dateTo: $to) { videoId title } }",
                  lambda o: {"id": gid(o["Brand"])}),
    "recommendations": ("query($id: ID!) { recommendations(viewer: $id) { videoId title } }",
                        lambda o: {"id": gid(o["Viewer"])}),
    "similarVideos": ("query($id: ID!) { similarVideos(video: $id) { videoId title } }",
                      lambda o: {"id": gid(o["Video"])}),
    "recommendationModels": ("query($id: ID!) { recommendationModels(brand: $id) { edges { node { id version } } } }",
                             lambda o: {"id": gid(o["Brand"])}),
    "recommendationMetrics": ("query($id: ID!, " + PERIOD + ") { recommendationMetrics(brand: $id, dateFrom: $from, "
                              "dateTo: $to, by: SURFACE) { key servedLists } }", lambda o: {"id": gid(o["Brand"])}),
    "experiments": ("query($id: ID!) { experiments(brand: $id) { edges { node { id status } } } }", lambda o: {"id": gid(o["Brand"])}),
    "recommenderSettings": ("query($id: ID!) { recommenderSettings(brand: $id) { brandId rerankEnabled } }",
                            lambda o: {"id": gid(o["Brand"])}),
    "job": ("query($id: ID!) { job(id: $id) { id kind } }", lambda o: {"id": gid(o["Job"])}),
    "reports": ("query($id: ID!) { reports(brand: $id) { edges { node { id scheduleName } } } }", lambda o: {"id": gid(o["Brand"])}),
    "personas": ("query($id: ID!) { personas(brand: $id) { edges { node { id label } } } }", lambda o: {"id": gid(o["Brand"])}),
    "personaModels": ("query($id: ID!) { personaModels(brand: $id) { edges { node { id version } } } }",
                      lambda o: {"id": gid(o["Brand"])}),
    "persona": ("query($id: ID!) { persona(id: $id) { id label } }", lambda o: {"id": gid(o["Persona"])}),
    "personaRecommendations": ("query($id: ID!) { personaRecommendations(persona: $id) { videoId title } }",
                               lambda o: {"id": gid(o["Persona"])}),
    "checkCopy": ('{ checkCopy(text: "全网最低价", platform: "douyin", language: "zh-hans") { ruleId } }',
                  lambda o: {}),
    "viewerByPlatformUser": ('query($id: ID!) { viewerByPlatformUser(brand: $id, platform: "douyin", '
                             'platformUserId: "u1") { id } }', lambda o: {"id": gid(o["Brand"])}),
}
# Root fields whose answer does not depend on a brand (the same for every caller).
BRANDLESS_QUERIES = {"kpiDefinitions", "platformKpiDefinitions", "checkCopy"}


def _campaign_input(a, b):
    return {"brandId": gid(b["Brand"]), "name": "x", "objective": "AWARENESS", "startsAt": timezone.now().isoformat()}


def _input(input_type: str, build):
    return (f"$input: {input_type}!", "input: $input", lambda a, b: {"input": build(a, b)})


# Mutation -> (variable definitions, arguments, variables built from (A's objects, B's objects)): each
# targets brand B.
MUTATION_CASES = {
    "createBrand": _input("CreateBrandInput", lambda a, b: {"name": "Copy", "slug": b["Brand"].slug}),
    "updateBrand": _input("UpdateBrandInput", lambda a, b: {"id": gid(b["Brand"]), "name": "Hijacked"}),
    "createVideo": _input("CreateVideoInput", lambda a, b: {
        "brandId": gid(b["Brand"]), "platform": "douyin", "externalId": "new", "title": "x", "durationMs": 1}),
    "updateVideo": _input("UpdateVideoInput", lambda a, b: {"id": gid(b["Video"]), "title": "Hijacked"}),
    "moderateVideo": _input("ModerateVideoInput", lambda a, b: {"id": gid(b["Video"]), "status": "REJECTED",
                                                                "reason": "x"}),
    "createCampaign": _input("CreateCampaignInput", _campaign_input),
    "updateCampaign": _input("UpdateCampaignInput", lambda a, b: {"id": gid(b["Campaign"]), "name": "Hijacked"}),
    "changeCampaignStatus": _input("ChangeCampaignStatusInput", lambda a, b: {"id": gid(b["Campaign"]),
                                                                              "status": "SCHEDULED"}),
    "recordSpend": _input("RecordSpendInput", lambda a, b: {"campaignId": gid(b["Campaign"]), "date": "2026-01-01",
                                                            "amount": "1"}),
    "createApiToken": _input("CreateApiTokenInput", lambda a, b: {"brandId": gid(b["Brand"]), "name": "steal",
                                                                  "role": "ADMIN"}),
    "revokeApiToken": _input("RevokeApiTokenInput", lambda a, b: {"id": gid(b["ApiToken"])}),
    "setBrandRetention": _input("SetBrandRetentionInput", lambda a, b: {"brandId": gid(b["Brand"]),
                                                                        "rawEventRetentionDays": 1}),
    "trainRecommender": _input("TrainRecommenderInput", lambda a, b: {"brandId": gid(b["Brand"])}),
    "activateRecommender": ("$id: ID!", "id: $id", lambda a, b: {"id": gid(b["RecommenderModel"])}),
    "startExperiment": _input("StartExperimentInput", lambda a, b: {
        "brandId": gid(b["Brand"]), "controlId": gid(b["RecommenderExperiment"].control),
        "candidateId": gid(b["RecommenderExperiment"].candidate), "trafficShare": 0.5,
        "primaryMetric": "ENGAGED_VIEWERS", "mde": 0.1, "baseline": 0.3, "surface": "SIMILAR"}),
    "stopExperiment": ("$id: ID!", "id: $id", lambda a, b: {"id": gid(b["RecommenderExperiment"])}),
    "promoteExperiment": ("$id: ID!", "id: $id", lambda a, b: {"id": gid(b["RecommenderExperiment"])}),
    "updateRecommenderSettings": _input("UpdateRecommenderSettingsInput", lambda a, b: {
        "brandId": gid(b["Brand"]), "rerankEnabled": True, "rerankStrength": 1.0}),
    "resendReport": ("$id: ID!", "id: $id", lambda a, b: {"id": gid(b["KpiReport"])}),
    "trainPersonas": _input("TrainPersonasInput", lambda a, b: {"brandId": gid(b["Brand"])}),
    "activatePersonaModel": ("$id: ID!", "id: $id", lambda a, b: {"id": gid(b["PersonaModel"])}),
    "setCampaignTargetPersonas": _input("SetCampaignTargetPersonasInput", lambda a, b: {
        "campaignId": gid(b["Campaign"]), "personaIds": [gid(b["Persona"])]}),
    "eraseViewer": _input("ViewerInput", lambda a, b: {"viewerId": gid(b["Viewer"])}),
    "exportViewerData": _input("ViewerInput", lambda a, b: {"viewerId": gid(b["Viewer"])}),
    "createBrandRule": _input("CreateBrandRuleInput", lambda a, b: {"brandId": gid(b["Brand"]), "code": "new",
                                                                    "terms": ["x"], "reason": "x"}),
    "updateBrandRule": _input("UpdateBrandRuleInput", lambda a, b: {"id": gid(b["BrandRule"]), "reason": "Hijacked"}),
    "createAdAccount": _input("CreateAdAccountInput", lambda a, b: {
        "brandId": gid(b["Brand"]), "adPlatform": "TIKTOK", "advertiserId": "walk-new", "name": "x"}),
    "updateAdAccount": _input("UpdateAdAccountInput", lambda a, b: {"id": gid(b["AdAccount"]), "name": "Hijacked"}),
    "deleteAdAccount": _input("DeleteAdAccountInput", lambda a, b: {"id": gid(b["AdAccount"])}),
    "syncAdAccount": _input("SyncAdAccountInput", lambda a, b: {"id": gid(b["AdAccount"])}),
    "ingestInteractions": ("$brand: ID!, $events: [InteractionEventInput!]!", "brandId: $brand, events: $events",
                           lambda a, b: {"brand": gid(b["Brand"]), "events": [{
                               "platform": "douyin", "viewerId": "u1", "videoExternalId": b["Video"].external_id,
                               "kind": "VIEW", "watchMs": 1000, "occurredAt": timezone.now().isoformat()}]}),
}
# Also: brand A's own campaign may not take brand B's video.
CROSS_REFERENCE_CASES = {
    "updateCampaign": _input("UpdateCampaignInput", lambda a, b: {"id": gid(a["Campaign"]),
                                                                  "videoIds": [gid(b["Video"])]}),
    "createCampaign": _input("CreateCampaignInput", lambda a, b: {
        **_campaign_input(a, a), "videoIds": [gid(b["Video"])]}),
}


def root_fields(root) -> set[str]:
    return {name for name in root.fields if not name.startswith("__")}


def node_type_names() -> set[str]:
    return {t.name for t in schema._schema.type_map.values()
            if getattr(t, "interfaces", None) and any(i.name == "Node" for i in t.interfaces)}


def test_cases_cover_the_whole_schema():
    assert root_fields(schema._schema.query_type) == (
        set(CONNECTION_CASES) | NODE_FIELD_CASES | set(ARGUMENT_QUERY_CASES))
    assert root_fields(schema._schema.mutation_type) == set(MUTATION_CASES)
    assert node_type_names() == set(NODE_TYPES)


# --- the walk ---------------------------------------------------------------------------------------

@pytest.fixture
def world(db):
    a, b = seed(BrandFactory(slug="brand-a")), seed(BrandFactory(slug="brand-b"))
    user = member(a["Brand"], Role.ADMIN)
    _, raw = make_token(brand=a["Brand"], role=Role.ADMIN, name="caller")
    return a, b, {"user": {"user": user}, "token": {"token": raw}}


@pytest.fixture(params=["user", "token"])
def caller(request, world):
    a, b, callers = world
    return a, b, callers[request.param]


@pytest.mark.parametrize("field", sorted(CONNECTION_CASES))
def test_connections_list_exactly_brand_a_rows(caller, field):
    a, b, auth = caller
    data = gql("{ " + field + " { edges { node { id } } } }", **auth)["data"]
    ids = {edge["node"]["id"] for edge in data[field]["edges"]}
    own = {gid(a[CONNECTION_CASES[field]])}
    if field == "apiTokens":  # brand A's tokens: the seeded one and the caller's own
        own = {gid(t) for t in ApiToken.objects.filter(brand=a["Brand"])}
    assert ids == own


@pytest.mark.parametrize("type_name", NODE_TYPES)
def test_node_of_brand_b_is_null_and_of_brand_a_is_found(caller, type_name):
    a, b, auth = caller
    query = "query($id: ID!) { node(id: $id) { id } }"
    assert gql(query, {"id": gid(a[type_name])}, **auth)["data"] == {"node": {"id": gid(a[type_name])}}
    body = gql(query, {"id": gid(b[type_name])}, **auth)
    assert body["data"] in (None, {"node": None})


def test_nodes_of_brand_b_are_all_hidden(caller):
    a, b, auth = caller
    body = gql("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [gid(b[t]) for t in NODE_TYPES]}, **auth)
    assert body.get("data") is None or all(n is None for n in body["data"]["nodes"])


def input_field_names(mutation: str) -> set[str]:
    """What a payload error of ``mutation`` may name: its arguments, their input fields, or 'input'."""
    names = {"input"}
    for arg_name, arg in schema._schema.mutation_type.fields[mutation].args.items():
        names.add(arg_name)
        arg_type = get_named_type(arg.type)
        if isinstance(arg_type, GraphQLInputObjectType):
            names |= set(arg_type.fields)
    return names


def _mutate(name: str, case, a: dict, b: dict, auth: dict) -> dict:
    var_defs, args, build = case
    query = f"mutation({var_defs}) {{ {name}({args}) {{ errors {{ field code }} }} }}"
    return gql(query, build(a, b), **auth)


@pytest.mark.parametrize("name", sorted(MUTATION_CASES))
def test_mutations_cannot_change_brand_b(caller, name):
    a, b, auth = caller
    before = snapshot(b)
    body = _mutate(name, MUTATION_CASES[name], a, b, auth)
    assert "errors" not in body, body
    codes = {e["code"] for e in body["data"][name]["errors"]}
    assert codes and codes <= {"NOT_FOUND", "PERMISSION_DENIED", "DUPLICATE"}
    assert {e["field"] for e in body["data"][name]["errors"]} <= input_field_names(name)
    assert snapshot(b) == before


@pytest.mark.parametrize("name", sorted(CROSS_REFERENCE_CASES))
def test_brand_b_video_cannot_be_attached_to_brand_a_campaign(caller, name):
    a, b, auth = caller
    before_a, before_b = snapshot(a), snapshot(b)
    body = _mutate(name, CROSS_REFERENCE_CASES[name], a, b, auth)
    assert body["data"][name]["errors"] == [{"field": "videoIds", "code": "NOT_FOUND"}]
    assert (snapshot(a), snapshot(b)) == (before_a, before_b)


def leaked(body: dict, b: dict) -> set[str]:
    """Brand B's identifiers and names that appear anywhere in a response."""
    text = json.dumps(body)
    secrets = {gid(obj) for obj in b.values()} | {b["Brand"].slug, b["Brand"].name, b["Video"].title,
                                                   b["Campaign"].name, b["Viewer"].viewer_key,
                                                   b["KpiReport"].schedule.name}
    return {s for s in secrets if s in text}


@pytest.mark.parametrize("field", sorted(ARGUMENT_QUERY_CASES))
def test_argument_queries_work_for_brand_a_and_reveal_nothing_of_brand_b(caller, field):
    a, b, auth = caller
    query, build = ARGUMENT_QUERY_CASES[field]
    own = gql(query, build(a), **auth)
    assert "errors" not in own, own
    body = gql(query, build(b), **auth)
    assert leaked(body, b) == set()
    data = (body.get("data") or {}).get(field)
    assert data in (None, [], {"edges": []}) or field in BRANDLESS_QUERIES


@pytest.mark.parametrize("field", sorted(CONNECTION_CASES) + sorted(NODE_FIELD_CASES) + sorted(ARGUMENT_QUERY_CASES))
def test_anonymous_gets_no_data_from_any_root_field(world, field):
    a, _, _ = world
    if field in ARGUMENT_QUERY_CASES:
        query, variables = ARGUMENT_QUERY_CASES[field][0], ARGUMENT_QUERY_CASES[field][1](a)
    else:
        query = {"node": "query($id: ID!) { node(id: $id) { id } }",
                 "nodes": "query($id: ID!) { nodes(ids: [$id]) { id } }"}.get(
            field, "{ " + field + " { edges { node { id } } } }")
        variables = {"id": gid(a["Video"])} if field in NODE_FIELD_CASES else {}
    body = gql(query, variables)
    assert body["data"] is None or set(body["data"].values()) == {None}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("name", sorted(MUTATION_CASES))
def test_anonymous_cannot_call_any_mutation(world, name):
    a, b, _ = world
    before = snapshot(a), snapshot(b)
    body = _mutate(name, MUTATION_CASES[name], b, a, {})
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert (snapshot(a), snapshot(b)) == before


# --- the role walk: within brand A, a role below a mutation's minimum changes nothing -------------------

# Mutation -> the least role on the target brand that may run it; None: any signed-in user, never tokens.
MUTATION_MIN_ROLE = {
    "createBrand": None,
    "updateBrand": Role.ADMIN, "createApiToken": Role.ADMIN, "revokeApiToken": Role.ADMIN,
    "createVideo": Role.EDITOR, "updateVideo": Role.EDITOR, "moderateVideo": Role.EDITOR,
    "createCampaign": Role.EDITOR, "updateCampaign": Role.EDITOR, "changeCampaignStatus": Role.EDITOR,
    "recordSpend": Role.EDITOR, "ingestInteractions": Role.EDITOR, "trainRecommender": Role.EDITOR,
    "activateRecommender": Role.EDITOR, "resendReport": Role.EDITOR, "trainPersonas": Role.EDITOR,
    "activatePersonaModel": Role.EDITOR, "setCampaignTargetPersonas": Role.EDITOR,
    "eraseViewer": Role.ADMIN, "exportViewerData": Role.ADMIN,
    "createBrandRule": Role.ADMIN, "updateBrandRule": Role.ADMIN, "setBrandRetention": Role.ADMIN,
    "createAdAccount": Role.ADMIN, "updateAdAccount": Role.ADMIN, "deleteAdAccount": Role.ADMIN,
    "syncAdAccount": Role.EDITOR, "updateRecommenderSettings": Role.ADMIN,
    "startExperiment": Role.EDITOR, "stopExperiment": Role.EDITOR, "promoteExperiment": Role.EDITOR,
}
# Mutations that a signed-in person must call: no token, whatever its role (a token cannot mint tokens).
SIGNED_IN_ONLY = {"createBrand", "createApiToken"}
# Brand A callers of every role, by session and by token (createBrand: every token role).
ROLE_CALLERS = [(kind, role) for kind in ("user", "token") for role in Role.values]


def test_role_table_covers_every_mutation():
    assert set(MUTATION_MIN_ROLE) == root_fields(schema._schema.mutation_type)


def _too_low(name: str, kind: str, role: str) -> bool:
    minimum = MUTATION_MIN_ROLE[name]
    if kind == "token" and name in SIGNED_IN_ONLY:
        return True
    if minimum is None:
        return False
    return Role.rank(role) < Role.rank(minimum)


@pytest.fixture
def own_brand(db):
    # createBrand's case asks for brand B's slug; a fresh slug makes it a real attempt on the own brand walk.
    return seed(BrandFactory(slug="brand-own"))


TOO_LOW = [(name, kind, role) for name in sorted(MUTATION_MIN_ROLE) for kind, role in ROLE_CALLERS
           if _too_low(name, kind, role)]


@pytest.mark.parametrize("name,kind,role", TOO_LOW)
def test_roles_below_the_minimum_change_nothing_of_their_own_brand(own_brand, name, kind, role):
    a = own_brand
    if kind == "user":
        auth = {"user": member(a["Brand"], role)}
    else:
        auth = {"token": make_token(brand=a["Brand"], role=role, name=f"{role} caller")[1]}
    before, brands_before = snapshot(a), Brand.objects.count()
    var_defs, args, build = MUTATION_CASES[name]
    variables = build(a, a)
    if name == "createBrand":
        variables["input"]["slug"] = "fresh-brand"
    body = gql(f"mutation({var_defs}) {{ {name}({args}) {{ errors {{ field code }} }} }}", variables, **auth)
    assert "errors" not in body, body
    assert {e["code"] for e in body["data"][name]["errors"]} == {"PERMISSION_DENIED"}
    assert {e["field"] for e in body["data"][name]["errors"]} <= input_field_names(name)
    assert (snapshot(a), Brand.objects.count()) == (before, brands_before)
