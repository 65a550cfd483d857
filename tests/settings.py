"""Test settings: the product's own, with a dedicated test-only viewer-id key.

The product refuses to start on a database (DATABASE_URL) without its own VIEWER_ID_HMAC_KEY, so the
suite brings one (child processes it starts inherit it). CI (.ci/run) exports its own.
"""

import os

os.environ.setdefault("VIEWER_ID_HMAC_KEY", "reelboard-tests-only-viewer-id-key")
os.environ.setdefault("AD_CREDENTIALS_KEY", "reelboard-tests-only-ad-credentials-key")

from reelboard.settings import *  # noqa: E402,F403

# No test reaches an ad platform: a test that syncs points these at its own fake server on 127.0.0.1; any
# other sync gets "connection refused" at once (port 9, discard) instead of the network.
TIKTOK_API_BASE_URL = "http://127.0.0.1:9/tiktok/"
OCEANENGINE_API_BASE_URL = "http://127.0.0.1:9/oceanengine/"
KUAISHOU_API_BASE_URL = "http://127.0.0.1:9/kuaishou/"
RECOMMENDATION_SERVED_LOG_SYNC = True  # served lists written at once: tests read them back
