"""The colours app.css sets meet WCAG 2.2 AA: badge text 4.5:1 (1.4.3), focus rings 3:1 (1.4.11)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.contrast import APP_CSS, contrast_ratio, css_rules, parse_hex

# Pico 2.1's page backgrounds, light and dark (--pico-background-color in the vendored CSS).
PAGE_BACKGROUNDS = ("#ffffff", "#13171f")

RULES = css_rules(APP_CSS.read_text(encoding="utf-8"))
BADGES = sorted(selector for selector in RULES if selector.startswith(".badge"))


def test_known_pairs_have_the_ratios_the_standard_gives() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#fff") == pytest.approx(1.0)
    # #767676 on white is the often-quoted lightest grey that passes AA: 4.54:1.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    # The two badges that once failed, as measured before they were darkened.
    assert contrast_ratio("#607d8b", "#ffffff") == pytest.approx(4.37, abs=0.01)
    assert contrast_ratio("#ef6c00", "#ffffff") == pytest.approx(3.08, abs=0.01)


def test_a_colour_that_is_not_hex_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="not a #rgb or #rrggbb colour"):
        parse_hex("var(--pico-primary)")


colours = st.integers(0, 0xFFFFFF).map(lambda value: f"#{value:06x}")


@given(colours, colours)
def test_the_ratio_is_symmetric_and_between_1_and_21(first: str, second: str) -> None:
    ratio = contrast_ratio(first, second)
    assert ratio == pytest.approx(contrast_ratio(second, first))
    assert 1.0 <= ratio <= 21.0 + 1e-9


def test_the_css_has_the_badges_it_is_checked_for() -> None:
    assert {".badge", ".badge-overdue", ".badge-due_soon", ".badge-on_time", ".badge-done"} <= set(BADGES)


@pytest.mark.parametrize("selector", BADGES)
def test_every_badge_text_is_at_least_4_5_to_1_on_its_background(selector: str) -> None:
    declarations = RULES[selector]
    background, text = declarations.get("background"), declarations.get("color")
    assert background, f"{selector} must name its background colour"
    assert text, f"{selector} must name its text colour"
    ratio = contrast_ratio(background, text)
    assert ratio >= 4.5, f"{selector}: {text} on {background} is {ratio:.2f}:1, under 4.5:1"


@pytest.mark.parametrize("selector", ['input[type="file"]:focus-visible', ".skip-link:focus"])
@pytest.mark.parametrize("page_background", PAGE_BACKGROUNDS)
def test_focus_rings_are_at_least_3_to_1_on_the_page(selector: str, page_background: str) -> None:
    width, style, colour = RULES[selector]["outline"].split()
    assert style == "solid"
    assert width == "3px"
    ratio = contrast_ratio(colour, page_background)
    assert ratio >= 3.0, f"{selector}: outline {colour} on {page_background} is {ratio:.2f}:1, under 3:1"
