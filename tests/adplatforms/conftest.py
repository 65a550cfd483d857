from datetime import date

import pytest

from tests.adplatforms.fakes import BASE_URL_SETTING, FAKES, make_dataset

DAYS = [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 2)]


@pytest.fixture
def fast_retries(settings):
    settings.AD_API_BACKOFF_SECONDS = 0.0
    settings.AD_API_MAX_RETRIES = 3
    settings.AD_API_PAGE_SIZE = 2  # several pages per level and day
    settings.AD_SYNC_RETRY_DELAY_SECONDS = 0
    return settings


@pytest.fixture(params=sorted(FAKES))
def fake(request, settings, fast_retries):
    """A fake report API of each ad platform in turn, its base URL in the platform's setting."""
    with FAKES[request.param](make_dataset(DAYS)) as server:
        setattr(settings, BASE_URL_SETTING[request.param], server.base_url)
        yield server


def _started(settings, platform: str):
    server = FAKES[platform](make_dataset(DAYS))
    server.__enter__()
    setattr(settings, BASE_URL_SETTING[platform], server.base_url)
    return server


@pytest.fixture
def fake_tiktok(db, settings, fast_retries):
    server = _started(settings, "tiktok")
    yield server
    server.__exit__()


@pytest.fixture
def fake_oceanengine(db, settings, fast_retries):
    server = _started(settings, "oceanengine")
    yield server
    server.__exit__()


@pytest.fixture
def fake_kuaishou(db, settings, fast_retries):
    server = _started(settings, "kuaishou_ads")
    yield server
    server.__exit__()
