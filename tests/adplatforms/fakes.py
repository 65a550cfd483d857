"""Local fake report APIs of TikTok for Business, Ocean Engine and Kuaishou, on 127.0.0.1 (never the network).

Each fake answers in the shapes of the platform's public material (the fixtures' SOURCES.md), from one
canonical dataset that tests also use to compute the expected values independently:

    dataset[level] = [{"id", "parent", "name", "day", "spend", "impressions", "clicks", "reach", "plays",
                       "p2s", "p3s", "p6s", "p10s", "valid", "p25", "p50", "p75", "p100", "avg", "profile",
                       "conv", "photo_id"}, ...]

Scripted trouble: ``rate_limit_next`` report requests answer the rate-limit code; a request with a token
other than ``access_token`` answers the expired-token code until the refresh endpoint is called with
``refresh_token``; ``fail_days`` answer a server error code for any request covering that day.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class FakeAdPlatform:
    platform = ""
    rate_limit_code = 0
    expired_code = 0

    def __init__(self, dataset: dict, *, access_token: str = "token-1", refresh_token: str = "refresh-1") -> None:
        self.dataset = dataset
        self.access_token = access_token
        self.refresh_token = refresh_token
        self.rate_limit_next = 0
        self.fail_days: set[date] = set()
        self.requests: list[dict] = []  # {"method", "path", "params", "headers"}
        self.refreshes = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> FakeAdPlatform:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{self.prefix}"

    prefix = ""

    # --- the HTTP side --------------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, method: str) -> None:
                url = urlparse(self.path)
                path = url.path[len("/" + fake.prefix):] if url.path.startswith("/" + fake.prefix) else url.path
                if method == "GET":
                    params = {k: v[0] for k, v in parse_qs(url.query).items()}
                else:
                    length = int(self.headers.get("Content-Length") or 0)
                    params = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append({"method": method, "path": path, "params": params,
                                      "headers": {k.lower(): v for k, v in self.headers.items()}})
                status, body = fake.route(method, path, params, self.headers.get("Access-Token", ""))
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

        return Handler

    def route(self, method: str, path: str, params: dict, token: str) -> tuple[int, dict]:
        if path == self.refresh_path:
            if params.get("refresh_token") != self.refresh_token:
                return 200, {"code": 40001, "message": "bad refresh token", "data": {}}
            self.refreshes += 1
            self.access_token = f"token-{self.refreshes + 1}"
            self.refresh_token = f"refresh-{self.refreshes + 1}"
            return 200, {"code": 0, "message": "OK", "data": {"access_token": self.access_token,
                                                              "refresh_token": self.refresh_token,
                                                              "expires_in": 86400}}
        level = self.level_of(path, params)
        if level is None:
            return 404, {"code": 40400, "message": "no such path"}
        if token != self.access_token:
            return 200, {"code": self.expired_code, "message": "access token expired", "data": {}}
        if self.rate_limit_next > 0:
            self.rate_limit_next -= 1
            return 200, {"code": self.rate_limit_code, "message": "too many requests", "data": {}}
        start, end = date.fromisoformat(params["start_date"]), date.fromisoformat(params["end_date"])
        if any(start <= d <= end for d in self.fail_days):
            return 200, {"code": 50000, "message": "internal error, try again later", "data": {}}
        rows = [r for r in self.dataset.get(level, []) if start <= r["day"] <= end]
        page, size = int(params.get("page", 1)), int(params.get("page_size", 10))
        chunk = rows[(page - 1) * size: page * size]
        return 200, self.render(level, chunk, page=page, size=size, total=len(rows))

    # per platform
    refresh_path = ""

    def level_of(self, path: str, params: dict) -> str | None:
        raise NotImplementedError

    def render(self, level: str, rows: list[dict], *, page: int, size: int, total: int) -> dict:
        raise NotImplementedError


def _pages(total: int, size: int) -> int:
    return (total + size - 1) // size


class FakeTikTok(FakeAdPlatform):
    platform = "tiktok"
    prefix = "open_api/v1.3/"
    rate_limit_code = 40100
    expired_code = 40105
    refresh_path = "oauth2/refresh_token/"
    ID = {"campaign": "campaign_id", "adgroup": "adgroup_id", "ad": "ad_id"}

    LEVELS = {"AUCTION_CAMPAIGN": "campaign", "AUCTION_ADGROUP": "adgroup", "AUCTION_AD": "ad"}

    def level_of(self, path, params):
        return self.LEVELS.get(params.get("data_level")) if path == "report/integrated/get/" else None

    def render(self, level, rows, *, page, size, total):
        items = []
        for r in rows:
            metrics = {
                "spend": str(r["spend"]), "impressions": str(r["impressions"]), "clicks": str(r["clicks"]),
                "reach": str(r["reach"]), "video_play_actions": str(r["plays"]), "video_watched_2s": str(r["p2s"]),
                "video_watched_6s": str(r["p6s"]), "video_views_p25": str(r["p25"]), "video_views_p50": str(r["p50"]),
                "video_views_p75": str(r["p75"]), "video_views_p100": str(r["p100"]),
                "average_video_play": str(r["avg"]), "profile_visits": str(r["profile"]), "conversion": str(r["conv"]),
                f"{level}_name": r["name"],
            }
            if level == "adgroup":
                metrics["campaign_id"] = r["parent"]
            if level == "ad":
                metrics["adgroup_id"] = r["parent"]
            items.append({"dimensions": {self.ID[level]: r["id"], "stat_time_day": f"{r['day'].isoformat()} 00:00:00"},
                          "metrics": metrics})
        return {"code": 0, "message": "OK", "request_id": "fake-request",
                "data": {"list": items, "page_info": {"page": page, "page_size": size, "total_number": total,
                                                      "total_page": _pages(total, size)}}}


class FakeOceanEngine(FakeAdPlatform):
    platform = "oceanengine"
    prefix = "open_api/"
    rate_limit_code = 40100
    expired_code = 40102
    refresh_path = "oauth2/refresh_token/"
    PATHS = {"2/report/campaign/get/": "campaign", "2/report/ad/get/": "adgroup", "2/report/creative/get/": "ad"}
    ID = {"campaign": "campaign_id", "adgroup": "ad_id", "ad": "creative_id"}
    PARENT = {"adgroup": "campaign_id", "ad": "ad_id"}

    def level_of(self, path, params):
        return self.PATHS.get(path)

    def render(self, level, rows, *, page, size, total):
        items = []
        for r in rows:
            item = {"stat_datetime": f"{r['day'].isoformat()} 00:00:00", self.ID[level]: int(r["id"]),
                    "cost": float(Decimal(r["spend"])), "show": r["impressions"], "click": r["clicks"],
                    "total_play": r["plays"], "valid_play": r["valid"], "play_25_feed_break": r["p25"],
                    "play_50_feed_break": r["p50"], "play_75_feed_break": r["p75"], "play_100_feed_break": r["p100"],
                    "play_over": r["p100"], "average_play_time_per_play": r["avg"], "convert": r["conv"],
                    # The SDK types these counts as float64 (metrics.go); the API sends whole numbers.
                    "play_duration_2s": float(r["p2s"]), "play_duration_3s": float(r["p3s"]),
                    "play_duration_10s": float(r["p10s"]), "home_visited": r["profile"]}
            if level in self.PARENT:
                item[self.PARENT[level]] = int(r["parent"])
            if level == "campaign":
                item["campaign_name"] = r["name"]
            if level == "adgroup":
                item["ad_name"] = r["name"]
            items.append(item)
        return {"code": 0, "message": "OK", "request_id": "fake-request",
                "data": {"list": items, "page_info": {"page": page, "page_size": size, "total_number": total,
                                                      "total_page": _pages(total, size)}}}


class FakeKuaishou(FakeAdPlatform):
    platform = "kuaishou_ads"
    prefix = "rest/openapi/"
    rate_limit_code = 400002
    expired_code = 401000
    refresh_path = "oauth2/authorize/refresh_token"
    PATHS = {"v1/report/campaign_report": "campaign", "v1/report/unit_report": "adgroup",
             "v1/report/creative_report": "ad"}
    ID = {"campaign": "campaign_id", "adgroup": "unit_id", "ad": "creative_id"}
    NAME = {"campaign": "campaign_name", "adgroup": "unit_name", "ad": "creative_name"}
    PARENT = {"adgroup": "campaign_id", "ad": "unit_id"}

    def level_of(self, path, params):
        return self.PATHS.get(path)

    def render(self, level, rows, *, page, size, total):
        items = []
        for r in rows:
            item = {"stat_date": r["day"].isoformat(), self.ID[level]: int(r["id"]), self.NAME[level]: r["name"],
                    "charge": float(Decimal(r["spend"])), "show": r["impressions"], "photo_click": r["clicks"],
                    "aclick": r["plays"], "bclick": r["conv"], "played_three_seconds": r["p3s"],
                    "ad_photo_played_2s": r["p2s"], "ad_photo_played_10s": r["p10s"],
                    "ad_photo_played_75percent": r["p75"],
                    "play_end_ratio": r["p100"] / r["plays"] if r["plays"] else 0.0}
            if level in self.PARENT:
                item[self.PARENT[level]] = int(r["parent"])
            if level == "ad":
                item["photo_id"] = int(r["photo_id"])
            items.append(item)
        return {"code": 0, "message": "OK", "data": {"total_count": total, "details": items}}


FAKES = {"tiktok": FakeTikTok, "oceanengine": FakeOceanEngine, "kuaishou_ads": FakeKuaishou}
BASE_URL_SETTING = {"tiktok": "TIKTOK_API_BASE_URL", "oceanengine": "OCEANENGINE_API_BASE_URL",
                    "kuaishou_ads": "KUAISHOU_API_BASE_URL"}


def make_dataset(days: list[date], *, campaign_ids=("1001", "1002"), seed: int = 0) -> dict:
    """Two campaigns, one ad group each, two ads per ad group, per day; numbers derived from the ids and day."""
    dataset = {"campaign": [], "adgroup": [], "ad": []}
    for n_day, day in enumerate(days):
        for n_c, cid in enumerate(campaign_ids):
            base = 1000 * (n_c + 1) + 10 * n_day + seed
            dataset["campaign"].append(_row(cid, "", f"Campaign {cid}", day, base))
            gid = f"{cid}1"
            dataset["adgroup"].append(_row(gid, cid, f"Ad group {gid}", day, base))
            for k in (1, 2):
                aid = f"{gid}{k}"
                ad_row = _row(aid, gid, f"Ad {aid}", day, base // 2 + k)
                ad_row["photo_id"] = f"9{aid}"
                dataset["ad"].append(ad_row)
    return dataset


def _row(rid: str, parent: str, name: str, day: date, base: int) -> dict:
    plays = base * 4
    return {"id": rid, "parent": parent, "name": name, "day": day, "spend": f"{base / 10:.2f}",
            "impressions": base * 10, "clicks": base // 5, "reach": base * 7, "plays": plays, "p2s": plays // 2,
            "p3s": plays * 2 // 5, "p6s": plays // 4, "p10s": plays // 5, "valid": plays // 5, "p25": plays // 3,
            "p50": plays // 4, "p75": plays // 6, "p100": plays // 8, "avg": round(3.5 + base / 1000, 2),
            "profile": base // 50, "conv": base // 100, "photo_id": ""}
