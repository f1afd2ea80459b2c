"""A pack is read through its pydantic models: each kind of input that does not fit the pack's
shape is refused naming the file, the place in it and what was wanted, every such place at once."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from upstander.cases.policy.packs import PolicyError, load_policy, policy_from_mapping

ENGLAND_WALES = Path(__file__).resolve().parents[3] / "policies" / "england-wales.toml"


def refused(change: Callable[[dict[str, Any]], object]) -> list[str]:
    data = copy.deepcopy(tomllib.loads(ENGLAND_WALES.read_text(encoding="utf-8")))
    change(data)
    with pytest.raises(PolicyError) as error:
        policy_from_mapping(data, source="test.toml")
    return str(error.value).split("; ")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["pack"].pop("version"), "test.toml: pack.version: is missing"),
        (lambda d: d.pop("states"), "test.toml: states: is missing"),
        (lambda d: d.update(stages={}), "test.toml: stages: is not a key this pack format knows"),
        (
            lambda d: d["forums"]["hearing"].update(panel=3),
            "test.toml: forums.hearing.panel: is not a key this pack format knows (is it misspelt?)",
        ),
        (lambda d: d["pack"].update(title=7), "test.toml: pack.title: must be text, not 7"),
        (
            lambda d: d["states"]["received"].update(open="yes"),
            "test.toml: states.received.open: must be true or false, not 'yes'",
        ),
        (
            lambda d: d["severities"]["misconduct"].update(rank="2"),
            "test.toml: severities.misconduct.rank: must be a whole number, not '2'",
        ),
        (
            lambda d: d["severities"]["misconduct"].update(rank=True),
            "test.toml: severities.misconduct.rank: must be a whole number, not True",
        ),
        (
            lambda d: d["actions"]["acknowledge"].update(roles="handler"),
            "test.toml: actions.acknowledge.roles: must be a list, not 'handler'",
        ),
        (lambda d: d["actions"]["acknowledge"].update(roles=[]), "test.toml: actions.acknowledge.roles: must not be empty"),
        (
            lambda d: d["actions"]["acknowledge"].update(roles=["handler", "handler"]),
            "test.toml: actions.acknowledge.roles: lists the same value twice",
        ),
        (lambda d: d.update(calendar="Europe/London"), "test.toml: calendar: must be a table"),
        (lambda d: d.update(states={}), "test.toml: states: must not be empty"),
        (
            lambda d: d["forums"]["hearing"].update(response_period={"weeks": 3}),
            "test.toml: forums.hearing.response_period.weeks: is not a key this pack format knows",
        ),
        (
            lambda d: d["referral"]["mandatory"][1].pop("label"),
            "test.toml: referral.mandatory[1].label: is missing",
        ),
        (
            lambda d: d["calendar"].update(timezone="Europe/Atlantis"),
            "test.toml: calendar.timezone: 'Europe/Atlantis' is not a time zone name",
        ),
        (
            lambda d: d["retention"]["case_content"].update(keep=6),
            "test.toml: retention.case_content.keep: must be text or a table",
        ),
        (
            lambda d: d["early_intervention"]["rules"][0].update(restriction_kinds=["desk_duties"]),
            "test.toml: early_intervention.rules[0].restriction_kinds: is not a key this pack format knows",
        ),
    ],
)  # fmt: skip
def test_what_does_not_fit_names_the_file_the_place_and_what_was_wanted(
    change: Callable[[dict[str, Any]], object], message: str
) -> None:
    assert any(problem.startswith(message) for problem in refused(change)), refused(change)


def test_every_place_that_does_not_fit_is_named_at_once() -> None:
    def two_mistakes(data: dict[str, Any]) -> None:
        data["pack"]["title"] = 7
        data["states"]["received"]["colour"] = "red"

    assert refused(two_mistakes) == [
        "test.toml: pack.title: must be text, not 7",
        "test.toml: states.received.colour: is not a key this pack format knows (is it misspelt?)",
    ]


def test_a_pack_file_names_itself(tmp_path: Path) -> None:
    broken = tmp_path / "mine.toml"
    broken.write_text(
        ENGLAND_WALES.read_text(encoding="utf-8").replace("panel_size = 3", "panel_size = 3.0", 1)
    )
    with pytest.raises(
        PolicyError, match=r"mine\.toml: forums\.hearing\.panel_size: must be a whole number, not 3\.0"
    ):
        load_policy(broken)
