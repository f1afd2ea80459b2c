"""The template filters and the templates' structure (no I/O beyond reading the template files)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from jinja2 import nodes

from upstander.i18n import WELSH, speaking
from upstander.web.formatting import Formats
from upstander.web.templating import TEMPLATE_DIRS, build_templates

LONDON = Formats("Europe/London")


def test_the_date_filter_takes_a_calendar_day() -> None:
    assert LONDON.date(date(2026, 3, 4)) == "4 March 2026"
    with speaking(WELSH):
        assert LONDON.date(date(2026, 3, 4)) == "4 Mawrth 2026"


def test_the_date_filter_puts_a_moment_in_the_packs_zone_first() -> None:
    # 23:30 UTC in summer is already the next day in London, but not yet in UTC's own zone.
    assert LONDON.date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "1 July 2026"
    assert Formats("UTC").date(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "30 June 2026"
    assert LONDON.date(None) == ""


@pytest.mark.parametrize(
    ("moment", "english", "welsh"),
    [
        # The Saturday before the spring change (29 March 2026): GMT.
        (datetime(2026, 3, 28, 10, 0, tzinfo=UTC), "28 March 2026, 10:00 GMT", "28 Mawrth 2026, 10:00 GMT"),
        # The Monday after it: the same 10:00 UTC is 11:00 BST.
        (datetime(2026, 3, 30, 10, 0, tzinfo=UTC), "30 March 2026, 11:00 BST", "30 Mawrth 2026, 11:00 BST"),
        # 00:30 UTC on the Sunday of the autumn change (25 October 2026) is 01:30 BST, the first of
        # two 01:30s that night; 01:30 UTC is the second, in GMT.
        (
            datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
            "25 October 2026, 01:30 BST",
            "25 Hydref 2026, 01:30 BST",
        ),
        (
            datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
            "25 October 2026, 01:30 GMT",
            "25 Hydref 2026, 01:30 GMT",
        ),
    ],
)
def test_a_moment_is_written_with_its_zone_named_across_a_clock_change(
    moment: datetime, english: str, welsh: str
) -> None:
    assert LONDON.datetime(moment) == english
    with speaking(WELSH):
        assert LONDON.datetime(moment) == welsh


def test_another_packs_zone_is_named_as_that_zone_names_itself() -> None:
    assert Formats("Europe/Dublin").time(datetime(2026, 6, 1, 9, 0, tzinfo=UTC)) == "10:00 IST"


def test_the_datetime_filter_refuses_a_bare_day_with_a_message_that_names_the_fix() -> None:
    assert LONDON.datetime(datetime(2026, 3, 4, 10, 0, tzinfo=UTC)) == "4 March 2026, 10:00 GMT"
    with pytest.raises(TypeError, match="use the date filter"):
        LONDON.datetime(date(2026, 3, 4))  # type: ignore[arg-type]


def test_numbers_and_sizes_are_written_in_the_language() -> None:
    assert LONDON.number(12345) == "12,345"
    assert LONDON.filesize(512) == "512 bytes"
    assert LONDON.filesize(2_500_000) == "2.4 MB"
    with speaking(WELSH):
        assert LONDON.filesize(512) == "512 beit"


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
