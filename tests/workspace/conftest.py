import os
import shutil

import pytest

from tests.analytics import kpi_world
from tests.factories import MembershipFactory, UserFactory


def staff_member(brand, role: str, **extra):
    """A marketer who signs in to the admin: staff, with a role on one brand."""
    user = UserFactory(is_staff=True, **extra)
    MembershipFactory(user=user, brand=brand, role=role)
    return user


@pytest.fixture
def kpi_brand(brand):
    """A brand with a random KPI world over kpi_world.PERIOD (two campaigns, spend, demographics)."""
    campaigns = kpi_world.build(brand)
    return brand, campaigns


@pytest.fixture
def marketer_client(client, brand):
    client.force_login(staff_member(brand, "viewer"))
    return client


def period_params(period=kpi_world.PERIOD, **extra) -> dict:
    return {"range": "custom", "date_from": period.date_from.isoformat(), "date_to": period.date_to.isoformat(),
            **extra}


# --- the browser (pytest-playwright) -------------------------------------------------------------------
# Playwright's sync API runs an event loop in the test's thread; Django refuses database calls there unless told
# that this thread is synchronous code (it is: the loop only drives the browser).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Debian's chromium (what .ci/run installs); Playwright's own browser download is not used.
CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)
    if executable is None:
        pytest.skip("needs Debian's chromium for the browser tests (apt-get install chromium; .ci/run does)")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}, "locale": "en-US",
            "accept_downloads": True}
