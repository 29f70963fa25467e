"""Browser tests: Playwright driving Debian's Chromium against the live server.

They skip, saying why, where Chromium is not installed (a laptop without it);
CI installs it, so there they run.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop; the live server's database calls
# happen in this thread too.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def inject_axe(page):
    """Load axe-core into the page the way a browser's developer tools would. The
    portal's Content-Security-Policy refuses inline scripts, as it should, so
    `add_script_tag` (which writes one) cannot be used."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text())


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def pytest_collection_modifyitems(items):
    if Path(CHROMIUM).exists():
        return
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def axe_violations(page):
    """Run axe-core on the current page; return WCAG 2.2 A/AA violations, summarised."""

    def run():
        inject_axe(page)
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        return [
            {"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in result["violations"]
        ]

    return run


def describe(violations):
    return json.dumps(violations, indent=2)


def assert_accessible(axe_violations):
    """Fail with axe's findings, summarised, unless the page has none."""
    violations = axe_violations()
    assert violations == [], describe(violations)


def assert_fits_width(page):
    """Nothing on the page is wider than the viewport, so nobody scrolls sideways."""
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def sign_in_to_admin(page, live_server, email, password="correct-horse-battery"):
    """Sign in on the admin's page at 1280 px, as staff made by the factories."""
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/admin/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#site-name")).to_be_visible()
