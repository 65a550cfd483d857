"""Test settings: the product's own, with a dedicated test-only viewer-id key.

The product refuses to start on a database (DATABASE_URL) without its own VIEWER_ID_HMAC_KEY, so the
suite brings one (child processes it starts inherit it). CI (.ci/run) exports its own.
"""

import os

os.environ.setdefault("VIEWER_ID_HMAC_KEY", "reelboard-tests-only-viewer-id-key")

from marketing.settings import *  # noqa: E402,F403

RECOMMENDATION_SERVED_LOG_SYNC = True  # served lists written at once: tests read them back
