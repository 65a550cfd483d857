"""Report connectors, one per ad platform, behind ``Connector.fetch(level=, date_from=, date_to=)``."""

from __future__ import annotations

from adplatforms.connectors.base import Connector, ConnectorError, RateLimited, ReportRow, TokenExpired
from adplatforms.connectors.kuaishou import KuaishouConnector
from adplatforms.connectors.oceanengine import OceanEngineConnector
from adplatforms.connectors.tiktok import TikTokConnector
from adplatforms.models import AdPlatform

CONNECTORS: dict[str, type[Connector]] = {
    AdPlatform.TIKTOK: TikTokConnector,
    AdPlatform.OCEANENGINE: OceanEngineConnector,
    AdPlatform.KUAISHOU_ADS: KuaishouConnector,
}

__all__ = ["CONNECTORS", "Connector", "ConnectorError", "RateLimited", "ReportRow", "TokenExpired"]
