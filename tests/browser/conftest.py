"""The console in a real browser: Debian's Chromium driven by Playwright for Python, against
`contactguard serve` on the embedded stack.

Never `playwright install` (it downloads a browser): `make browser` installs Debian's
`chromium` package, and this checks that its major version is the one the pinned Playwright
release was built for, failing with what to do when they drift. The tests never skip.

`axe` runs axe-core (shipped in axe-playwright-python) on a page for WCAG 2.0/2.1/2.2 A and
AA, and best practice: a page with any violation fails its test, the report printed.
`shoot` saves a page at desktop and mobile widths into out/console/, and fails it when it
is wider than the screen (reflow) (CONTACTGUARD_SCREENSHOTS
names another folder: `make screenshots` writes docs/console/).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import playwright
import pytest
from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]
from playwright.sync_api import Browser, Page, sync_playwright

from contactguard_local.serve import serving
from contactguard_local.stack import EmbeddedStack, SimClock

CHROMIUM = Path(os.environ.get("CONTACTGUARD_CHROMIUM", "/usr/bin/chromium"))
REPO = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("CONTACTGUARD_SCREENSHOTS", REPO / "out" / "console"))
WIDTHS = {"desktop": (1280, 900), "mobile": (390, 844)}
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]


def _majors() -> tuple[int, int]:
    """(Debian's Chromium major, the major Playwright's release bundles)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: run `make browser` (as root it installs Debian's "
            "chromium package; otherwise: sudo apt-get install chromium)",
            pytrace=False,
        )
    printed = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"(\d+)\.\d+\.\d+", printed)
    assert found, f"cannot read Chromium's version from {printed!r}"
    browsers = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    bundled = next(
        b["browserVersion"]
        for b in json.loads(browsers.read_text())["browsers"]
        if b["name"] == "chromium"
    )
    return int(found.group(1)), int(bundled.split(".")[0])


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    debian, bundled = _majors()
    if debian != bundled:
        pytest.fail(
            f"Debian's Chromium is {debian} but Playwright's pinned release drives {bundled}: "
            "pin the Playwright release built for Chromium "
            f"{debian} in pyproject.toml (its browsers.json says which)",
            pytrace=False,
        )
    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@dataclass
class Console:
    url: str
    stack: EmbeddedStack

    def sign_in(self, page: Page, staff_id: str, roles: list[str], name: str = "") -> None:
        """Through the local sign-in page, as a person would (the code flow runs for real)."""
        page.goto(f"{self.url}/console/")
        page.get_by_label("Staff id").fill(staff_id)
        page.get_by_label("Name").fill(name or staff_id)
        for role in roles:
            page.locator(f"input[name=roles][value={role}]").check()
        page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="module")
def console() -> Iterator[Console]:
    from datetime import datetime

    from contactguard.domain.calendar import LONDON

    with EmbeddedStack(SimClock(datetime.now(LONDON))) as stack, serving(stack=stack) as url:
        yield Console(url, stack)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False)
    opened = context.new_page()
    yield opened
    context.close()


def axe(page: Page) -> None:
    """No WCAG 2.2 A/AA violation (nor best-practice one) on the page as it is now. Never on
    a page with JavaScript off: axe is a script, and Playwright's evaluate then never returns."""
    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert result.violations_count == 0, f"{page.url}\n{result.generate_report()}"


def shoot(page: Page, name: str) -> None:
    """The page at desktop and mobile widths, full length."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        # Reflow (WCAG 1.4.10): nothing wider than the screen; wide tables scroll in a box.
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide on a {width} px screen"
    if before:
        page.set_viewport_size(before)
