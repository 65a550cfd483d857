"""Static files in the production shape: collected with hashed names and served by WhiteNoise, from this host.

`make run` (runserver, DEBUG off) and `make web` (gunicorn, docker-compose) both collect the files and serve
them through the same WSGI application and WhiteNoise middleware that this test drives.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ASSET = re.compile(r'(?:src|href)="([^"#]+)"')


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    return root


def _assets(html: str) -> list[str]:
    return [url for url in ASSET.findall(html) if url.endswith((".css", ".js", ".svg"))]


def test_collected_files_are_hashed_compressed_and_served(collected, settings):
    settings.STATIC_ROOT = collected
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "workspace.storage.StaticFilesStorage"}}
    call_command("collectstatic", "--noinput", verbosity=0)
    assert (collected / "staticfiles.json").exists()
    assert list(collected.glob("vendor/echarts/echarts.min.*.js.gz"))

    client = Client()  # a new handler: WhiteNoise indexes STATIC_ROOT when the middleware starts
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    pages = {"/admin/login/": Client().get("/admin/login/"), "/admin/": client.get("/admin/"),
             "/graphql": client.get("/graphql", HTTP_ACCEPT="text/html")}
    for path, page in pages.items():
        html = page.content.decode()
        assets = _assets(html)
        assert assets, path
        for url in assets:
            # Nothing from another host, and every file has a content hash in its name.
            assert url.startswith("/static/"), (path, url)
            assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url), (path, url)
            response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
            assert response.status_code == 200, (path, url)
            assert "immutable" in response["Cache-Control"] and "max-age=315360000" in response["Cache-Control"]
            assert response.get("Content-Encoding") == "gzip" or int(response["Content-Length"]) < 2048, url
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), path  # no asset of another host
    graphiql = pages["/graphql"].content.decode()
    for name in ("react.production.min", "react-dom.production.min", "graphiql.min", "index.umd", "js.cookie.min"):
        assert name in graphiql


def test_favicon_points_at_the_products_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/workspace/favicon.svg"
