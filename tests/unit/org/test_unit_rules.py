"""Units' pure rules: codes, names, moves that would make a cycle, and when a unit may close."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from upstander.errors import Conflict, InvalidInput
from upstander.org.units import rules


def test_a_code_is_upper_cased_and_checked() -> None:
    assert rules.check_code(" n-resp_a ") == "N-RESP_A"
    for bad in ("", "two words", "-lead", "x" * 41, "é"):
        with pytest.raises(InvalidInput):
            rules.check_code(bad)


@given(st.text(max_size=300))
def test_a_name_is_either_tidied_or_refused(name: str) -> None:
    try:
        cleaned = rules.check_name(name)
    except InvalidInput:
        assert not " ".join(name.split()) or len(" ".join(name.split())) > rules.MAX_NAME
    else:
        assert cleaned == " ".join(name.split())
        assert 0 < len(cleaned) <= rules.MAX_NAME


@given(st.lists(st.uuids(), max_size=6), st.uuids())
def test_a_unit_never_moves_under_itself_or_its_descendants(line: list[uuid.UUID], unit: uuid.UUID) -> None:
    parent = line[0] if line else None
    if parent == unit or unit in line:
        with pytest.raises(InvalidInput):
            rules.check_move(unit, parent, line)
    else:
        rules.check_move(unit, parent, line)


def test_a_unit_closes_only_when_empty_and_open() -> None:
    rules.check_close(closed=False, people_posted=0, open_units_below=0)
    for closed, people, below in ((True, 0, 0), (False, 1, 0), (False, 0, 2)):
        with pytest.raises(Conflict):
            rules.check_close(closed, people, below)
