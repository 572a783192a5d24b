"""Browser tests: Playwright for Python driving the machine's own Chromium.

No browser is ever downloaded: Chromium comes from Debian (``apt-get install
chromium``, done by ``.ci/run``). Without it these tests are skipped, and
``make test`` says so; under CAPJ_REQUIRE_BROWSER=1 (set by ``.ci/run``) they fail
instead. One Chromium per test module (closed before another
module's tests, which may start Playwright themselves, run in the same worker),
a fresh browser context per test. All browser tests share one xdist group, so under
``pytest -n auto --dist loadgroup`` they run in a single worker.
"""

import contextlib
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
VNU_JAR = (
    Path(__file__).parent / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

NO_CHROMIUM = f"{CHROMIUM} not found: browser tests skipped (apt-get install chromium)"


def unavailable(reason):
    """Skip a test whose tool is missing, or fail it under CAPJ_REQUIRE_BROWSER=1."""
    if os.environ.get("CAPJ_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}; CAPJ_REQUIRE_BROWSER=1 allows no skip", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def require_chromium():
    if not CHROMIUM.exists():
        unavailable(NO_CHROMIUM)


@pytest.fixture(scope="session")
def require_vnu():
    command, reason = vnu_command()
    if command is None:
        unavailable(reason)


#: For every browser test module.
browser_marks = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.usefixtures("require_chromium"),
]


def vnu_command():
    """The Nu Html Checker's command line, or a reason it cannot run."""
    java = shutil.which("java")
    if not java:
        return None, "java not found: HTML validation skipped"
    if not VNU_JAR.exists():
        return None, (
            f"{VNU_JAR} not found: HTML validation skipped "
            "(cd tests/browser && npm ci --ignore-scripts)"
        )
    return [java, "-Xss4m", "-jar", str(VNU_JAR)], None


@contextlib.contextmanager
def chromium():
    """Debian's Chromium driven by Playwright's sync API.

    That API runs an event loop in this thread, so Django would take the test's
    own (synchronous) database calls for async ones: DJANGO_ALLOW_ASYNC_UNSAFE is
    set while the browser runs, and only then.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def context(browser):
    from django.db import connections

    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context
    context.close()
    # While Playwright's loop runs, the test's queries use connections of their
    # own (Django keeps connections per async context): close them here, so none
    # is left open when the test database is dropped.
    connections.close_all()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def site(live_server, transactional_db):
    """The live server with the seed data loaded, as `make run` serves it."""
    from django.core.management import call_command

    call_command("loaddata", "seed", verbosity=0)
    return live_server


@pytest.fixture
def url(site):
    """Absolute URL of a named route on the live server."""
    from django.urls import reverse

    def build(name, *args, query=""):
        return f"{site.url}{reverse(name, args=args)}{query}"

    return build
