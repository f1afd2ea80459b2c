"""An analyst asks for an analysis on the page, with JavaScript off: a mistake is said beside the
form, which keeps what was typed; the answer is a table with its rounding rule and downloads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from browser.conftest import screenshot
from browser.test_safeguarding_journey import sign_in
from common.clock import FakeClock
from common.staff import Staff
from upstander.accounts.models import Role
from upstander.imports.service import import_source
from upstander.services import Services

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "flat"


def test_an_analyst_groups_sustained_allegations_by_category(
    no_js_page: Page, live_server: str, staff: Staff, services: Services, clock: FakeClock, tmp_path: Path
) -> None:
    shutil.copytree(FIXTURE, tmp_path / "flat")
    assert (
        import_source(services.database, tmp_path / "flat" / "flat.toml", tmp_path / "flat").refused_rows == 0
    )
    page = no_js_page
    sign_in(page, live_server, "/staff/analysis", staff, clock, "analyst", Role.ANALYST)
    expect(page.get_by_role("heading", name="Analysis of imported records")).to_be_visible()

    page.get_by_label("Group by").select_option("category")
    page.locator("textarea[name=only]").fill("finding=sustained")
    page.locator("textarea[name=range]").fill("received_on=March..")
    page.get_by_role("button", name="Analyse").click()
    expect(page.get_by_role("alert")).to_contain_text("'March' is not a day written YYYY-MM-DD")
    expect(page.locator("textarea[name=only]")).to_have_value("finding=sustained")

    page.locator("textarea[name=range]").fill("received_on=2015-01-01..2016-12-31")
    page.get_by_role("button", name="Analyse").click()
    table = page.locator("#analysis-result")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table.get_by_role("row", name="force")).to_contain_text("3")
    expect(page.get_by_text("halves away from zero")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    saved = tmp_path / "analysis.csv"
    download.value.save_as(saved)
    assert saved.read_text(encoding="utf-8").splitlines()[:2] == ["category,count,share", "force,3,0.7500"]
    screenshot(page, "analysis")
