"""axe-core, from npm (tests/browser/axe/package.json, installed by `make axe`), run inside a page.

The script is handed to the page through the DevTools protocol rather than a <script> tag, so the
app's strict Content-Security-Policy stays as it is for the page under test.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Page

AXE_SCRIPT = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
# The impacts the issue asks to be none of; "moderate" and "minor" are counted and reported too.
BLOCKING = ("serious", "critical")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.impact} {self.rule}: {self.help} at {', '.join(self.targets[:3])}"


@cache
def _axe_source() -> str:
    if not AXE_SCRIPT.exists():
        pytest.fail(f"axe-core not found at {AXE_SCRIPT}: `make axe` installs it from npm")
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page: Page) -> list[Violation]:
    """Every WCAG 2.2 A/AA and best-practice violation axe finds on the page as it stands now."""
    page.evaluate(_axe_source())
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations.map(v => ({
                rule: v.id, impact: v.impact || "minor", help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [Violation(v["rule"], v["impact"], v["help"], tuple(v["targets"])) for v in found]
