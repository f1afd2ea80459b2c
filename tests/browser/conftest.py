"""Browser tests: the real app served by uvicorn on loopback, driven by Debian's Chromium.

They run on SQLite only (every use case is already tested on both databases); what they add is
the pages as a person meets them, with JavaScript switched off as in Tor Browser's "safest".
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from common.live_server import serving
from upstander.app import create_app
from upstander.services import Services

CHROMIUM = os.environ.get("UPSTANDER_CHROMIUM", "/usr/lib/chromium/chromium")
SCREENSHOTS = os.environ.get("UPSTANDER_SCREENSHOTS")


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def live_server(services: Services) -> Iterator[str]:
    with serving(create_app(services=services)) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield launched
        launched.close()


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
