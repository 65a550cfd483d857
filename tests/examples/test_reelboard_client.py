"""examples/reelboard_client.py against a live test server: token auth, paging, KPIs, ingest with retry."""

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from marketing.models import Interaction, Role
from tests.factories import BrandFactory, CampaignFactory, VideoFactory, make_token
from tests.marketing.graphql_helpers import gid

CLIENT_FILE = Path(__file__).resolve().parents[2] / "examples" / "reelboard_client.py"


@pytest.fixture(scope="module")
def client_module():
    spec = importlib.util.spec_from_file_location("reelboard_client", CLIENT_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture
def world(transactional_db):
    brand = BrandFactory(reporting_timezone="Asia/Shanghai")
    VideoFactory(brand=brand, external_id="vid-1", duration_ms=20_000)
    campaigns = [CampaignFactory(brand=brand, name=name) for name in ("Spring", "Autumn", "Winter")]
    CampaignFactory(brand=BrandFactory(), name="Another brand's")
    _, token = make_token(brand=brand, role=Role.EDITOR)
    return brand, campaigns, token


def views(campaign, viewers):
    return [{"eventId": f"e-{i}", "platform": "douyin", "viewerId": viewer, "videoExternalId": "vid-1",
             "campaignId": gid(campaign), "kind": "VIEW", "watchMs": 5_000, "occurredAt": "2026-10-01T12:00:00+08:00"}
            for i, viewer in enumerate(viewers)]


def test_the_client_pages_reads_kpis_and_ingests(client_module, world, live_server):
    brand, (spring, _, _), token = world
    client = client_module.connect(f"{live_server.url}/graphql", token)

    names = [campaign.name for campaign in client_module.iter_campaigns(client, page_size=2)]
    assert names == ["Autumn", "Spring", "Winter"]  # two pages, by name, only the token's brand

    first = client_module.ingest(client, gid(brand), views(spring, ["ana", "bo", "ana"]))
    again = client_module.ingest(client, gid(brand), views(spring, ["ana", "bo", "ana"]))
    assert (first.accepted, first.duplicates, first.rejected, first.attempts) == (3, 0, 0, 1)
    assert (again.accepted, again.duplicates) == (0, 3)

    kpis = client_module.campaign_kpis(client, gid(spring), date_from="2026-10-01", date_to="2026-10-01",
                                       kpis=["VIEWS", "REACH", "ROAS"])
    assert kpis == {"VIEWS": Decimal(3), "REACH": Decimal(2), "ROAS": None}


def test_ingest_waits_retry_after_and_resends_when_rate_limited(client_module, world, live_server, settings):
    brand, (spring, _, _), token = world
    client = client_module.connect(f"{live_server.url}/graphql", token)
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_TOKEN = True, "1/h"
    assert len(list(client_module.iter_campaigns(client))) == 3  # the token's one request this hour
    waits = []

    def sleep(seconds):  # stands for the window passing: the limit is lifted while the client waits
        waits.append(seconds)
        settings.RATELIMIT_ENABLE = False

    result = client_module.ingest(client, gid(brand), views(spring, ["ana", "bo"]), sleep=sleep)
    assert (result.accepted, result.attempts, len(waits)) == (2, 2, 1)
    assert 1 <= waits[0] <= 3600
    assert Interaction.objects.filter(brand=brand).count() == 2


def test_ingest_gives_up_after_max_attempts(client_module, world, live_server, settings):
    brand, (spring, _, _), token = world
    client = client_module.connect(f"{live_server.url}/graphql", token)
    settings.RATELIMIT_ENABLE, settings.RATELIMIT_PER_TOKEN = True, "1/h"
    list(client_module.iter_campaigns(client))
    waits = []
    with pytest.raises(client_module.RateLimited):
        client_module.ingest(client, gid(brand), views(spring, ["ana"]), max_attempts=3, sleep=waits.append)
    assert len(waits) == 2 and not Interaction.objects.filter(brand=brand).exists()
