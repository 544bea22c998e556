"""Browser tests: Chromium through pytest-playwright, against Django's live server."""

import pytest
from axe_playwright_python.sync_playwright import Axe


@pytest.fixture(scope="session")
def base_url(live_server):
    """Relative URLs in page.goto() go to the live server.

    Defining it here also replaces pytest-playwright 0.10's fallback fixture, an instance
    method that pytest 9 reports as deprecated (an error under filterwarnings=error).
    """
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # A French browser, as our users have: the pages start in French, whatever the machine.
    return {**browser_context_args, "locale": "fr-FR", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture(scope="session")
def axe():
    return Axe()


@pytest.fixture
def assert_accessible(axe):
    """Run axe-core on the page as it is; any violation fails the test with axe's report."""

    def check(page):
        results = axe.run(page)
        assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    return check
