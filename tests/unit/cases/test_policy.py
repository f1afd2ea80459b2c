"""Policy packs load into frozen data, and every mistake in one names the file and the key."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from upstander.cases.policy.packs import (
    Period,
    Policy,
    PolicyError,
    load_policy,
    parse_policy,
    policy_from_mapping,
)

POLICIES = Path(__file__).resolve().parents[3] / "policies"
ENGLAND_WALES = POLICIES / "england-wales.toml"
EU = POLICIES / "eu-whistleblower.toml"


def pack_data(path: Path = ENGLAND_WALES) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def loaded_with(change: Callable[[dict[str, Any]], None], path: Path = ENGLAND_WALES) -> Policy:
    data = copy.deepcopy(pack_data(path))
    change(data)
    return policy_from_mapping(data, source="test.toml")


def test_the_england_and_wales_pack_loads_with_its_id_and_version() -> None:
    policy = load_policy(ENGLAND_WALES)
    assert (policy.id, policy.version) == ("england-wales", "2025.1")
    assert policy.calendar.holidays_country == "GB"
    assert policy.calendar.holidays_subdivision == "ENG"
    assert set(policy.severities) == {
        "no_case_to_answer",
        "practice_requiring_improvement",
        "misconduct",
        "gross_misconduct",
    }
    assert set(policy.forums) == {"meeting", "hearing", "accelerated_hearing"}
    assert len(policy.standards) == 10  # Schedule 2 to the Conduct Regulations


def test_a_meeting_in_the_pack_stops_at_a_final_written_warning() -> None:
    policy = load_policy(ENGLAND_WALES)
    meeting = policy.forums["meeting"]
    assert meeting.max_sanction == "final_written_warning"
    ceiling = policy.sanctions["final_written_warning"].rank
    assert all(policy.sanctions[s].rank <= ceiling for s in meeting.sanctions)
    assert "dismissal_without_notice" not in meeting.sanctions
    assert meeting.response_period == Period(working_days=15)


def test_the_eu_pack_is_data_only_with_no_police_stages() -> None:
    policy = load_policy(EU)
    assert policy.id == "eu-whistleblower"
    assert not policy.forums
    assert not policy.severities
    assert not policy.sanctions
    assert policy.referral is None
    assert policy.clocks["acknowledgement"].period == Period(days=7)
    assert policy.clocks["reporter_feedback"].period == Period(months=3)
    assert "assess_severity" not in policy.actions
    assert set(policy.states) == {"received", "acknowledged", "follow_up", "closure_proposed", "closed"}


def test_loaded_packs_cannot_be_changed() -> None:
    policy = load_policy(ENGLAND_WALES)
    with pytest.raises(TypeError):
        policy.states["closed"] = policy.states["received"]  # type: ignore[index]


def test_period_describes_itself_in_words() -> None:
    assert Period(working_days=15).describe() == "15 working days"
    assert Period(months=1).describe() == "1 month"
    assert Period(days=28).describe() == "28 days"


@pytest.mark.parametrize(
    ("change", "names"),
    [
        pytest.param(
            lambda d: d["actions"]["acknowledge"].update(rolse=["handler"]),
            "actions.acknowledge.rolse",
            id="misspelt key",
        ),
        pytest.param(
            lambda d: d["actions"]["acknowledge"].update(roles=["clerk"]),
            "actions.acknowledge.roles",
            id="unknown role",
        ),
        pytest.param(
            lambda d: d["actions"]["acknowledge"].update({"from": ["recieved"]}),
            "actions.acknowledge.from",
            id="unknown state",
        ),
        pytest.param(
            lambda d: d["actions"]["acknowledge"].update(requires=["reasons"]),
            "actions.acknowledge.requires",
            id="field the step does not have",
        ),
        pytest.param(
            lambda d: d["actions"].update(fly_to_the_moon={"label": "x", "roles": ["admin"]}),
            "actions.fly_to_the_moon",
            id="unknown step",
        ),
        pytest.param(lambda d: d["states"]["received"].pop("label"), "states.received.label", id="missing"),
        pytest.param(
            lambda d: d["severities"]["misconduct"].update(rank="two"),
            "severities.misconduct.rank",
            id="wrong type",
        ),
        pytest.param(
            lambda d: d["severities"]["misconduct"].update(rank=True),
            "severities.misconduct.rank",
            id="bool is not a number",
        ),
        pytest.param(
            lambda d: d["clocks"]["acknowledgement"].update(period={"days": 7, "months": 1}),
            "clocks.acknowledgement.period",
            id="two units",
        ),
        pytest.param(
            lambda d: d["clocks"].update(lunch={"label": "x", "period": {"days": 1}}),
            "clocks",
            id="unknown clock",
        ),
        pytest.param(
            lambda d: d["forums"]["meeting"]["sanctions"].append("dismissal_without_notice"),
            "forums.meeting.sanctions",
            id="meeting above its ceiling",
        ),
        pytest.param(
            lambda d: d["forums"]["meeting"].update(max_finding="guilty"),
            "forums.meeting.max_finding",
            id="unknown finding",
        ),
        pytest.param(
            lambda d: d["sanctions"]["written_warning"].update(findings=["guilty"]),
            "sanctions.written_warning.findings",
            id="sanction with unknown finding",
        ),
        pytest.param(
            lambda d: d["closures"]["withdrawal"]["from"].append("closed"),
            "closures.withdrawal.from",
            id="closure from a state propose cannot start in",
        ),
        pytest.param(
            lambda d: d["referral"]["mandatory"][0].update(facts=["rumour"]),
            "referral.mandatory[0].facts",
            id="unknown fact",
        ),
        pytest.param(
            lambda d: d["referral"]["mandatory"][4].update(categories=["parking"]),
            "referral.mandatory[4].categories",
            id="unknown category",
        ),
        pytest.param(
            lambda d: d["referral"].update(default_mode="casual"), "referral.default_mode", id="mode"
        ),
        pytest.param(lambda d: d["calendar"].update(timezone="Mars/Olympus"), "calendar.timezone", id="zone"),
        pytest.param(
            lambda d: d["actions"]["lodge_appeal"].update(to="closed"),
            "actions.lodge_appeal.to",
            id="closing without a second decision maker",
        ),
        pytest.param(
            lambda d: d["actions"]["propose_closure"].update(roles=["handler", "decision_maker"]),
            "actions.propose_closure.roles",
            id="closure proposed by a non decision maker",
        ),
        pytest.param(
            lambda d: d["actions"]["confirm_closure"].update(roles=["handler"]),
            "actions.confirm_closure.roles",
            id="closure confirmed by a non decision maker",
        ),
        pytest.param(
            lambda d: d["actions"]["record_employment_change"].update(to="closed"),
            "actions.record_employment_change",
            id="leaving moves the case",
        ),
        pytest.param(
            lambda d: d["actions"].pop("confirm_closure"), "actions.confirm_closure", id="no confirm"
        ),
        pytest.param(
            lambda d: d["actions"]["reject_closure"].pop("returns"),
            "actions.reject_closure.returns",
            id="reject does not return",
        ),
        pytest.param(
            lambda d: d["actions"]["link_report"].update(returns=True),
            "actions.link_report.returns",
            id="returns on another step",
        ),
        pytest.param(
            lambda d: d["actions"]["acknowledge"].update(returns=True),
            "actions.acknowledge: give either",
            id="to and returns",
        ),
        pytest.param(
            lambda d: d.pop("referral"), "actions.refer_to_overseer", id="referral step, no criteria"
        ),
        pytest.param(
            lambda d: (
                d.pop("referral"),
                d["actions"].pop("refer_to_overseer"),
                d["actions"].pop("decide_investigation_mode"),
            ),
            "states: hold_until_referred",
            id="hold without referral criteria",
        ),
        pytest.param(
            lambda d: d["actions"]["open_case"].update({"from": ["received"]}),
            "actions.open_case",
            id="open case from a state",
        ),
        pytest.param(
            lambda d: d["states"]["acknowledged"].pop("owed"), "states.acknowledged.owed", id="owes nothing"
        ),
        pytest.param(
            lambda d: d["states"]["received"].update(owed=["assess_severity"]),
            "states.received.owed",
            id="owed step not taken from there",
        ),
        pytest.param(
            lambda d: d["states"]["received"].update(owed=["sing"]), "states.received.owed", id="unknown step"
        ),
    ],
)
def test_a_mistake_in_a_pack_names_the_key(change: Callable[[dict[str, Any]], None], names: str) -> None:
    with pytest.raises(PolicyError, match=r"^test\.toml: ") as error:
        loaded_with(change)
    assert names in str(error.value)


def test_a_step_the_pack_cannot_support_is_refused_at_load() -> None:
    def add_outcome(data: dict[str, Any]) -> None:
        data["actions"]["record_outcome"] = {
            "label": "record the outcome",
            "from": ["follow_up"],
            "roles": ["decision_maker"],
        }

    with pytest.raises(PolicyError, match=r"actions\.record_outcome: an outcome needs"):
        loaded_with(add_outcome, EU)


def test_invalid_toml_says_so_and_names_the_file() -> None:
    with pytest.raises(PolicyError, match=r"^broken.toml: not valid TOML"):
        parse_policy("[pack\nid = 1", source="broken.toml")


def test_each_pack_file_names_itself_in_errors(tmp_path: Path) -> None:
    broken = tmp_path / "mine.toml"
    broken.write_text(ENGLAND_WALES.read_text(encoding="utf-8").replace('label = "received"', "label = 3", 1))
    with pytest.raises(PolicyError, match=r"mine.toml: states.received.label: must be text"):
        load_policy(broken)


def _every_cite(data: object) -> list[str]:
    """Every `cite` anywhere in a pack, however deep."""
    if isinstance(data, dict):
        found = [data["cite"]] if isinstance(data.get("cite"), str) else []
        return found + [cite for value in data.values() for cite in _every_cite(value)]
    if isinstance(data, list):
        return [cite for value in data for cite in _every_cite(value)]
    return []


def test_the_england_and_wales_pack_cites_uk_law_not_the_eu_directive() -> None:
    """The EU Whistleblower Directive does not apply in the UK; speaking up is protected by PIDA 1998."""
    data = pack_data(ENGLAND_WALES)
    cites = _every_cite(data)
    assert cites, "the pack cites its law"
    assert [cite for cite in cites if "2019/1937" in cite or "(EU)" in cite] == []
    legislation = " ".join(data["pack"]["legislation"])
    assert "2019/1937" not in legislation
    assert "Public Interest Disclosure Act 1998" in legislation
    assert "Employment Rights Act 1996, Part IVA" in legislation
    assert "Police (Conduct) Regulations 2020" in legislation
    assert (
        load_policy(ENGLAND_WALES).clocks["acknowledgement"].cite.startswith("the force's reporter standard")
    )
