"""Browser tests: the real app served by uvicorn on loopback, driven by Debian's Chromium.

They run on SQLite only (every use case is already tested on both databases); what they add is
the pages as a person meets them, with JavaScript switched off as in Tor Browser's "safest".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from common.apps import app_for
from common.live_server import serving
from upstander.services import Services

CHROMIUM = os.environ.get("UPSTANDER_CHROMIUM", "/usr/lib/chromium/chromium")
SCREENSHOTS = os.environ.get("UPSTANDER_SCREENSHOTS")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def live_server(services: Services) -> Iterator[str]:
    with serving(app_for(services)) as url:
        yield url


class Chromium:
    """One browser for the whole run, or one per real date when tests/at_dates.sh moves the
    machine's clock: a browser and its driver started before a jump of months keep timers and
    timeouts set by the old clock (a page's load then waited past the 30 s timeout)."""

    def __init__(self) -> None:
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._started_at: datetime | None = None

    def at(self, machine_date: datetime | None) -> Browser:
        if self._browser is None or machine_date != self._started_at:
            self.close()
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            self._started_at = machine_date
        return self._browser

    def close(self) -> None:
        if self._browser is not None:
            self._browser.close()
            self._browser = None
        if self._playwright is not None:
            self._playwright.stop()
            self._playwright = None


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package")
    launched = Chromium()
    yield launched
    launched.close()


@pytest.fixture
def browser(chromium: Chromium, machine_date: datetime | None) -> Browser:
    return chromium.at(machine_date)


@pytest.fixture
def no_js_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    """Saved only when UPSTANDER_SCREENSHOTS names a folder, for people to look at."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
