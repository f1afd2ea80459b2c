"""The template filters and the templates' structure (no I/O beyond reading the template files)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from jinja2 import nodes

from upstander.web.templating import TEMPLATE_DIRS, build_templates, format_date, format_datetime


def test_the_date_filter_takes_a_calendar_day() -> None:
    assert format_date(date(2026, 3, 4)) == "4 Mar 2026"


def test_the_date_filter_puts_a_moment_in_london_time_first() -> None:
    # 23:30 UTC in summer is already the next day in London.
    assert format_date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 Jul 2026"
    assert format_date(None) == ""


def test_the_datetime_filter_refuses_a_bare_day_with_a_message_that_names_the_fix() -> None:
    assert format_datetime(datetime(2026, 3, 4, 10, 0, tzinfo=UTC)) == "4 Mar 2026, 10:00"
    with pytest.raises(TypeError, match="use the date filter"):
        format_datetime(date(2026, 3, 4))  # type: ignore[arg-type]


TEMPLATE_NAMES = sorted(
    str(path.relative_to(folder))
    for folder in TEMPLATE_DIRS
    if folder.exists()
    for path in folder.rglob("*.html")
)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_parses_and_its_title_block_holds_no_markup(name: str) -> None:
    """A block left open swallows the page into the one before it (the oversight page once had its
    sections inside its title)."""
    environment = build_templates().env
    source, _, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
    tree = environment.parse(source)
    for block in tree.find_all(nodes.Block):
        if block.name == "title":
            text = "".join(data.data for data in block.find_all(nodes.TemplateData))
            assert "<" not in text, f"{name}: the title block holds markup; is a block left open?"
