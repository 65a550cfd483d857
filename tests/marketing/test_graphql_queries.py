"""Queries: brand scoping, exact values, filters, ordering, page size."""

from datetime import UTC

import pytest

from marketing.models import Platform, Role, Video
from tests.conftest import member
from tests.factories import BrandFactory, CampaignFactory, MembershipFactory, VideoFactory, make_token
from tests.marketing.graphql_helpers import error_messages, gid, gql, ok

pytestmark = pytest.mark.django_db

VIDEO_TITLES = "query($filters: VideoFilter, $ordering: [VideoOrder!]) { videos(filters: $filters, ordering: $ordering) { totalCount edges { node { title } } } }"


def titles(data, field="videos", attr="title"):
    return [e["node"][attr] for e in data[field]["edges"]]


def test_session_user_sees_only_their_brands_videos(brand, other_brand):
    mine = [VideoFactory(brand=brand, title=t) for t in ("Alpha", "Beta")]
    VideoFactory(brand=other_brand, title="Secret")
    data = ok(gql(VIDEO_TITLES, {"ordering": [{"title": "ASC"}]}, user=member(brand, Role.VIEWER)))
    assert titles(data) == sorted(v.title for v in mine)
    assert data["videos"]["totalCount"] == 2


def test_bearer_token_sees_only_its_brand(brand, other_brand):
    CampaignFactory(brand=brand, name="Mine")
    CampaignFactory(brand=other_brand, name="Theirs")
    _, raw = make_token(brand=brand)
    data = ok(gql("{ campaigns { edges { node { name brand { slug } } } } }", token=raw))
    assert [e["node"] for e in data["campaigns"]["edges"]] == [{"name": "Mine", "brand": {"slug": brand.slug}}]


def test_anonymous_gets_an_authentication_error_and_no_data(brand):
    VideoFactory(brand=brand)
    body = gql("{ videos { edges { node { title } } } }")
    assert body["data"] is None
    assert error_messages(body) == ["Authentication required: sign in or send 'Authorization: Bearer <token>'."]
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_revoked_token_is_anonymous(brand):
    from django.utils import timezone

    token, raw = make_token(brand=brand)
    token.revoked_at = timezone.now()
    token.save()
    body = gql("{ brands { edges { node { name } } } }", token=raw)
    assert body["data"] is None


def test_filters_by_moderation_status_tag_and_title_search(brand):
    user = member(brand, Role.VIEWER)
    a = VideoFactory(brand=brand, title="Summer dress haul", moderation_status="approved")
    a.tags.create(brand=brand, name="fashion")
    VideoFactory(brand=brand, title="Summer food", moderation_status="pending")
    VideoFactory(brand=brand, title="Winter coat", moderation_status="approved")
    data = ok(gql(VIDEO_TITLES, {"filters": {"moderationStatus": "APPROVED", "search": "summer"}}, user=user))
    assert titles(data) == ["Summer dress haul"]
    data = ok(gql(VIDEO_TITLES, {"filters": {"tags": ["Fashion"]}}, user=user))
    assert titles(data) == ["Summer dress haul"]


def test_filter_by_platform_and_published_range(brand):
    from datetime import datetime

    user = member(brand, Role.VIEWER)
    platforms = list(Platform.objects.order_by("code")[:2])
    assert len(platforms) == 2, "expects two seeded platforms"
    VideoFactory(brand=brand, title="Old", platform=platforms[0], published_at=datetime(2024, 1, 1, tzinfo=UTC))
    VideoFactory(brand=brand, title="New", platform=platforms[0], published_at=datetime(2025, 6, 1, tzinfo=UTC))
    VideoFactory(brand=brand, title="Other", platform=platforms[1], published_at=datetime(2025, 6, 1, tzinfo=UTC))
    data = ok(gql(VIDEO_TITLES, {"filters": {
        "platform": [platforms[0].code], "publishedAt": {"gte": "2025-01-01T00:00:00+00:00"}}}, user=user))
    assert titles(data) == ["New"]


def test_ordering_descending(brand):
    user = member(brand, Role.VIEWER)
    for t in ("b", "c", "a"):
        VideoFactory(brand=brand, title=t)
    data = ok(gql(VIDEO_TITLES, {"ordering": [{"title": "DESC"}]}, user=user))
    assert titles(data) == ["c", "b", "a"]


def test_first_above_the_maximum_page_size_is_an_error(brand, settings):
    user = member(brand, Role.VIEWER)
    VideoFactory(brand=brand)
    body = gql("{ videos(first: 1000) { edges { node { title } } } }", user=user)
    assert body["data"] is None
    assert error_messages(body) == [f"Argument 'first' cannot be higher than {settings.GRAPHQL_MAX_PAGE_SIZE}."]


def test_node_lookup_of_own_video_returns_it_and_other_brands_is_null(brand, other_brand):
    user = member(brand, Role.VIEWER)
    mine, theirs = VideoFactory(brand=brand, title="Mine"), VideoFactory(brand=other_brand, title="Theirs")
    query = "query($id: ID!) { node(id: $id) { ... on Video { title } } }"
    assert ok(gql(query, {"id": gid(mine)}, user=user)) == {"node": {"title": "Mine"}}
    body = gql(query, {"id": gid(theirs)}, user=user)
    assert body["data"] is None or body["data"]["node"] is None


def test_node_lookup_of_an_unknown_type_names_the_argument(brand):
    from strawberry import relay

    body = gql("query($id: ID!) { node(id: $id) { id } }", {"id": str(relay.GlobalID("Membership", "1"))},
               user=member(brand, Role.VIEWER))
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Not an id of this API: Membership is not a node type."
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "id"}


def test_viewer_role_cannot_list_api_tokens_but_admin_can(brand):
    make_token(brand=brand, name="ci")
    query = "{ apiTokens { edges { node { name prefix } } } }"
    assert ok(gql(query, user=member(brand, Role.VIEWER))) == {"apiTokens": {"edges": []}}
    data = ok(gql(query, user=member(brand, Role.ADMIN)))
    assert [e["node"]["name"] for e in data["apiTokens"]["edges"]] == ["ci"]


def test_api_token_type_has_no_hash_field():
    from reelboard.graphql.schema import schema

    fields = set(schema._schema.type_map["ApiToken"].fields)
    assert fields == {"id", "brand", "name", "role", "prefix", "createdAt", "lastUsedAt", "revokedAt", "expiresAt",
                      "isActive"}


def test_viewer_type_exposes_only_pseudonymous_fields():
    from reelboard.graphql.schema import schema

    fields = set(schema._schema.type_map["Viewer"].fields)
    # persona is the viewer's cluster in the active persona model: a group label, not an identifier
    assert fields == {"id", "viewerKey", "gender", "ageBand", "region", "firstSeenAt", "lastSeenAt", "persona"}


def test_brands_lists_exact_names_with_role(brand):
    BrandFactory(name="Not mine")
    user = member(brand, Role.EDITOR)
    data = ok(gql("{ brands { edges { node { name myRole } } } }", user=user))
    assert [e["node"] for e in data["brands"]["edges"]] == [{"name": brand.name, "myRole": "EDITOR"}]


def test_campaigns_filter_by_status_and_starts_at_range(brand):
    from datetime import datetime

    user = member(brand, Role.VIEWER)
    CampaignFactory(brand=brand, name="Jan draft", starts_at=datetime(2026, 1, 5, tzinfo=UTC))
    CampaignFactory(brand=brand, name="Feb draft", starts_at=datetime(2026, 2, 5, tzinfo=UTC))
    CampaignFactory(brand=brand, name="Feb scheduled", status="scheduled",
                    starts_at=datetime(2026, 2, 6, tzinfo=UTC))
    query = "query($f: CampaignFilter) { campaigns(filters: $f) { edges { node { name } } } }"
    data = ok(gql(query, {"f": {"status": "DRAFT", "startsAt": {
        "range": {"start": "2026-02-01T00:00:00+00:00", "end": "2026-03-01T00:00:00+00:00"}}}}, user=user))
    assert titles(data, "campaigns", "name") == ["Feb draft"]


def test_interactions_filter_by_kind_and_occurred_at(brand):
    from datetime import datetime

    from tests.factories import InteractionFactory

    user = member(brand, Role.VIEWER)
    early = InteractionFactory(brand=brand, kind="click", occurred_at=datetime(2026, 1, 1, tzinfo=UTC))
    late = InteractionFactory(brand=brand, kind="click", occurred_at=datetime(2026, 1, 9, tzinfo=UTC))
    InteractionFactory(brand=brand, kind="like", occurred_at=datetime(2026, 1, 9, tzinfo=UTC))
    query = "query($f: InteractionFilter) { interactions(filters: $f) { edges { node { eventId } } } }"
    data = ok(gql(query, {"f": {"kind": "CLICK", "occurredAt": {"lt": "2026-01-05T00:00:00+00:00"}}}, user=user))
    assert titles(data, "interactions", "eventId") == [early.event_id]
    data = ok(gql(query, {"f": {"kind": "CLICK"}}, user=user))
    assert titles(data, "interactions", "eventId") == [late.event_id, early.event_id]


def test_cursor_pagination_walks_all_pages_once(brand):
    user = member(brand, Role.VIEWER)
    expected = sorted(VideoFactory(brand=brand, title=f"v{i:02d}").title for i in range(5))
    query = """query($after: String) { videos(first: 2, after: $after, ordering: [{title: ASC}]) {
        pageInfo { hasNextPage endCursor } edges { node { title } } } }"""
    seen, after = [], None
    while True:
        page = ok(gql(query, {"after": after}, user=user))["videos"]
        seen += [e["node"]["title"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected


def test_brand_filter_lists_that_brands_rows_and_a_foreign_brand_is_not_found(brand, other_brand):
    second = BrandFactory()
    user = member(brand, Role.VIEWER)
    MembershipFactory(user=user, brand=second, role=Role.VIEWER)
    VideoFactory(brand=brand, title="First brand's")
    VideoFactory(brand=second, title="Second brand's")
    VideoFactory(brand=other_brand, title="Foreign")
    data = ok(gql(VIDEO_TITLES, {"filters": {"brand": [gid(second)]}}, user=user))
    assert titles(data) == ["Second brand's"]
    body = gql(VIDEO_TITLES, {"filters": {"brand": [gid(second), gid(other_brand)]}}, user=user)
    assert body["data"] is None
    assert [(e["message"], e["extensions"]) for e in body["errors"]] == [
        ("No such Brand.", {"code": "NOT_FOUND", "field": "brand"})]


def test_brand_filter_with_an_id_of_another_type_names_the_filter(brand):
    user = member(brand, Role.VIEWER)
    video = VideoFactory(brand=brand)
    body = gql(VIDEO_TITLES, {"filters": {"brand": [gid(video)]}}, user=user)
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Expected a Brand id, got a Video id."
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "brand"}


def test_without_first_a_page_holds_the_maximum_page_size(brand, settings):
    user = member(brand, Role.VIEWER)
    platform = Platform.objects.order_by("code").first()
    Video.objects.bulk_create([
        Video(brand=brand, platform=platform, external_id=f"e{i}", title=f"v{i:04d}", duration_ms=1000)
        for i in range(settings.GRAPHQL_MAX_PAGE_SIZE + 1)])
    query = "{ videos(ordering: [{title: ASC}]) { totalCount pageInfo { hasNextPage } edges { node { title } } } }"
    page = ok(gql(query, user=user))["videos"]
    assert [e["node"]["title"] for e in page["edges"]] == [
        f"v{i:04d}" for i in range(settings.GRAPHQL_MAX_PAGE_SIZE)]
    assert (page["totalCount"], page["pageInfo"]["hasNextPage"]) == (settings.GRAPHQL_MAX_PAGE_SIZE + 1, True)


def test_last_above_the_maximum_page_size_is_an_error(brand, settings):
    body = gql("{ campaigns(last: 100000) { edges { node { name } } } }", user=member(brand, Role.VIEWER))
    assert body["data"] is None
    assert error_messages(body) == [f"Argument 'last' cannot be higher than {settings.GRAPHQL_MAX_PAGE_SIZE}."]


def test_unknown_enum_literal_in_a_filter_names_the_value_and_the_enum(brand):
    body = gql("{ videos(filters: {moderationStatus: MAYBE}) { totalCount } }", user=member(brand, Role.VIEWER))
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "Value 'MAYBE' does not exist in 'ModerationStatus' enum."
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "moderationStatus"}
