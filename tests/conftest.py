"""Fixtures shared by the whole suite. The services are real: a missing one fails the run."""

import os
import shutil

import pytest
import redis
from django.conf import settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # pytest-playwright + live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytest_plugins = ["tests.fixtures_delivery"]

# Property-based tests (tests/fuzz, the API's schemathesis run): a modest number of examples in
# `make test`, which must stay within the CI budget; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) draws
# many more. No example database: nothing is written into the working tree (.hypothesis/).
_FUZZ_HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
hypothesis_settings.register_profile(
    "default",
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=_FUZZ_HEALTH,
)
hypothesis_settings.register_profile(
    "fuzz",
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=_FUZZ_HEALTH,
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_sessionstart(session):
    """Fail at once, with a clear message, when a service the suite needs is not there."""
    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis is not reachable at {settings.CELERY_BROKER_URL}: {exc}", returncode=3)
    if shutil.which(CHROMIUM) is None and not os.path.exists(CHROMIUM):
        pytest.exit(f"Chromium is missing at {CHROMIUM}: apt-get install -y chromium", returncode=3)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(autouse=True)
def _catalogues(request):
    """The catalogues seeded by data migrations, in every test that uses the database.

    A transactional test (browser, real worker) ends with a flush that empties every table,
    the seeded catalogues included; the tests after it must still find them.
    """
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if uses_db:
        request.getfixturevalue("db")
        from communes.catalogue import seed_catalogues

        seed_catalogues()
