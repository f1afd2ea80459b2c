"""The pack's [retention] section loads, and a mistake in it names the file and the key."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from upstander.cases.policy.model import KEPT_FOR_EVER_KINDS, RETENTION_KINDS
from upstander.cases.policy.packs import PolicyError, load_policy, policy_from_mapping

POLICIES = Path(__file__).resolve().parents[3] / "policies"
ENGLAND_WALES = POLICIES / "england-wales.toml"
SOURCE = "england-wales.toml"


def test_the_england_and_wales_pack_keeps_the_barred_list_for_ever_and_case_files_six_years() -> None:
    retention = load_policy(ENGLAND_WALES).retention
    assert retention is not None
    assert set(retention) == {*RETENTION_KINDS, *KEPT_FOR_EVER_KINDS}
    assert retention["barred_list"].forever
    assert retention["barred_list"].describe() == "kept for ever"
    assert retention["allegations"].forever
    assert retention["report_content"].months == 72
    assert retention["report_content"].describe() == "6 years after the case closes"
    assert retention["separation_orders"].months == 24
    assert all(retention[kind].cite for kind in RETENTION_KINDS)


def test_the_eu_pack_has_its_own_shorter_periods() -> None:
    retention = load_policy(POLICIES / "eu-whistleblower.toml").retention
    assert retention is not None
    assert retention["report_content"].months == 36
    assert retention["barred_list"].forever, "a kind kept by its nature needs no line"


def _data() -> dict[str, Any]:
    return tomllib.loads(ENGLAND_WALES.read_text(encoding="utf-8"))


def test_a_pack_without_the_section_deletes_nothing() -> None:
    data = _data()
    del data["retention"]
    assert policy_from_mapping(data, source=SOURCE).retention is None


def _set(kind: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        if value is None:
            del data["retention"][kind]
        else:
            data["retention"][kind] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (_set("report_content", None), "retention.report_content: gives no rule for 'report_content'"),
        (_set("case_content", {"keep": "for ever"}), "retention.case_content.keep: must be \"forever\""),
        (_set("case_content", {"keep": {"years": 0}}), "retention.case_content.keep: give years and/or months"),
        (_set("case_content", {"keep": {"years": -1, "months": 13}}), "retention.case_content.keep: give years"),
        (_set("case_content", {"keep": {"weeks": 3}}), "retention.case_content.keep.weeks: is not a key"),
        (_set("case_content", {"keep": {"years": "six"}}), "retention.case_content.keep.years: must be a whole number"),
        (_set("case_content", {"keep": {"years": 600}}), "is more than 100 years"),
        (_set("case_content", {"kept": {"years": 6}}), "retention.case_content.keep: is missing"),
        (_set("barred_list", {"keep": {"years": 5}}), "retention.barred_list.keep: barred_list is kept for ever"),
        (_set("witness_statements", {"keep": {"years": 5}}), "retention.witness_statements: is not a key"),
    ],
)  # fmt: skip
def test_a_mistake_names_the_file_and_the_key(change: Callable[[dict[str, Any]], None], message: str) -> None:
    data = copy.deepcopy(_data())
    change(data)
    with pytest.raises(PolicyError) as refused:
        policy_from_mapping(data, source=SOURCE)
    assert str(refused.value).startswith(f"{SOURCE}: ")
    assert message in str(refused.value)


def test_years_and_months_add_up() -> None:
    data = _data()
    data["retention"]["restrictions"] = {"keep": {"years": 1, "months": 6}}
    retention = policy_from_mapping(data, source=SOURCE).retention
    assert retention is not None
    assert retention["restrictions"].months == 18
    assert retention["restrictions"].describe() == "1 year and 6 months after the case closes"
