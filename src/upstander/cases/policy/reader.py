"""Building a pack's dataclasses from its models (`pack_file.py`), so every mistake names its key.

The models refuse what does not fit the pack's shape; what they cannot say (exactly one length in
a period, a time zone that exists, a step that moves and returns at once) is decided here, and
the checks between tables in `checks.py`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

from upstander.cases.policy import pack_file as shape
from upstander.cases.policy.model import (
    ActionSpec,
    AppealSpec,
    Calendar,
    ClockSpec,
    ClosureSpec,
    FindingSpec,
    ForumSpec,
    InvestigationMode,
    Period,
    Policy,
    ProgressReports,
    Referral,
    ReferralRule,
    SanctionSpec,
    SeveritySpec,
    StateSpec,
)

V = TypeVar("V")
T = TypeVar("T", bound=BaseModel)


class PolicyError(ValueError):
    """A policy pack is malformed or inconsistent; the message names the file and the bad key."""


@dataclass(frozen=True)
class Place:
    """Where in which pack file a table was read from, to name it in a message."""

    source: str
    path: str = ""

    def at(self, key: str | int) -> Place:
        if isinstance(key, int):
            return Place(self.source, f"{self.path}[{key}]")
        return Place(self.source, f"{self.path}.{key}" if self.path else key)

    def error(self, message: str, key: str | None = None) -> PolicyError:
        where = self.at(key).path if key else (self.path or "top level")
        return PolicyError(f"{self.source}: {where}: {message}")


def _frozen(items: dict[str, V]) -> Mapping[str, V]:
    return MappingProxyType(items)


def _each(
    root: Place, key: str, tables: Mapping[str, T], build: Callable[[str, T, Place], V]
) -> Mapping[str, V]:
    """``build`` each table of ``[key.NAME]`` with its name and its place."""
    return _frozen({name: build(name, table, root.at(key).at(name)) for name, table in tables.items()})


def _period(table: shape.PeriodTable, place: Place) -> Period:
    period = Period(days=table.days, working_days=table.working_days, months=table.months)
    amounts = (period.days, period.working_days, period.months)
    if sum(1 for amount in amounts if amount) != 1 or min(amounts) < 0:
        raise place.error("give exactly one of days, working_days or months, as a positive number")
    return period


def build_policy(data: Mapping[str, object], source: str) -> Policy:
    """The tables of a pack as dataclasses; `PolicyError` naming the file and every key that does not fit."""
    try:
        pack_file = shape.read_pack(dict(data), source)
    except shape.PackShapeError as error:
        raise PolicyError(str(error)) from None
    root = Place(source)
    pack, calendar = pack_file.pack, pack_file.calendar
    try:
        ZoneInfo(calendar.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise root.at("calendar").error(
            f"{calendar.timezone!r} is not a time zone name", "timezone"
        ) from error

    policy = Policy(
        id=pack.id,
        version=pack.version,
        title=pack.title,
        overseer=pack.overseer,
        legislation=tuple(pack.legislation),
        calendar=Calendar(
            timezone=calendar.timezone,
            holidays_country=calendar.holidays_country,
            holidays_subdivision=calendar.holidays_subdivision or None,
        ),
        categories=_frozen(dict(pack_file.categories)),
        standards=_frozen(dict(pack_file.standards)),
        states=_each(root, "states", pack_file.states, _state),
        actions=_each(root, "actions", pack_file.actions, _action),
        severities=_each(root, "severities", pack_file.severities, _severity),
        findings=_each(root, "findings", pack_file.findings, _finding),
        sanctions=_each(root, "sanctions", pack_file.sanctions, _sanction),
        forums=_each(root, "forums", pack_file.forums, _forum),
        closures=_each(root, "closures", pack_file.closures, _closure),
        referral=_referral(pack_file.referral, root.at("referral")),
        clocks=_each(root, "clocks", pack_file.clocks, _clock),
        progress_reports=_progress_reports(pack_file.progress_reports, root.at("progress_reports")),
    )
    # Imported here: those modules build on this one's Place.
    from upstander.cases.policy.intervention import read_early_intervention
    from upstander.cases.policy.retention import read_retention

    return dataclasses.replace(
        policy,
        early_intervention=read_early_intervention(
            pack_file.early_intervention, root.at("early_intervention"), policy.categories
        ),
        retention=read_retention(pack_file.retention, root.at("retention")),
    )


def _state(key: str, t: shape.StateTable, _place: Place) -> StateSpec:
    return StateSpec(
        id=key,
        label=t.label,
        open=t.open,
        investigation_open=t.investigation_open,
        advisory_list_if_subject_leaves=t.advisory_list_if_subject_leaves,
        hold_until_referred=t.hold_until_referred,
        owed=tuple(t.owed),
    )


def _action(key: str, t: shape.ActionTable, place: Place) -> ActionSpec:
    if t.to and t.returns:
        raise place.error("give either 'to' or 'returns = true', not both")
    return ActionSpec(
        kind=key,
        label=t.label,
        from_states=frozenset(t.from_),
        to=t.to or None,
        returns=t.returns,
        roles=tuple(t.roles),
        requires=tuple(t.requires),
        severities=frozenset(t.severities),
        needs_allegations=t.needs_allegations,
        cite=t.cite,
    )


def _severity(key: str, t: shape.SeverityTable, _place: Place) -> SeveritySpec:
    return SeveritySpec(id=key, label=t.label, rank=t.rank)


def _finding(key: str, t: shape.FindingTable, _place: Place) -> FindingSpec:
    return FindingSpec(id=key, label=t.label, rank=t.rank, proven=t.proven)


def _sanction(key: str, t: shape.SanctionTable, _place: Place) -> SanctionSpec:
    return SanctionSpec(
        id=key,
        label=t.label,
        rank=t.rank,
        findings=frozenset(t.findings),
        findings_if_final_warning_in_force=frozenset(t.findings_if_final_warning_in_force),
        former_officer_findings=frozenset(t.former_officer_findings),
        barred_list=t.barred_list,
        cite=t.cite,
    )


def _forum(key: str, t: shape.ForumTable, place: Place) -> ForumSpec:
    if t.panel_size < 1:
        raise place.error("panel_size must be at least 1")
    window = t.hearing_window
    return ForumSpec(
        id=key,
        label=t.label,
        from_states=frozenset(t.from_),
        severities=frozenset(t.severities),
        severities_if_final_warning_in_force=frozenset(t.severities_if_final_warning_in_force),
        former_officer_severities=frozenset(t.former_officer_severities),
        special_conditions=t.special_conditions,
        max_finding=t.max_finding,
        max_sanction=t.max_sanction,
        sanctions=tuple(t.sanctions),
        panel_size=t.panel_size,
        response_period=_period(t.response_period, place.at("response_period"))
        if t.response_period
        else None,
        hearing_window=(
            _period(window.earliest, place.at("hearing_window").at("earliest")),
            _period(window.latest, place.at("hearing_window").at("latest")),
        )
        if window
        else None,
        appeal=_appeal(t.appeal, place.at("appeal")) if t.appeal else None,
        cite=t.cite,
    )


def _appeal(t: shape.AppealTable, place: Place) -> AppealSpec:
    return AppealSpec(body=t.body, period=_period(t.period, place.at("period")), cite=t.cite)


def _closure(key: str, t: shape.ClosureTable, _place: Place) -> ClosureSpec:
    return ClosureSpec(
        id=key,
        label=t.label,
        from_states=frozenset(t.from_),
        severities=frozenset(t.severities),
        needs_withdrawal_request=t.needs_withdrawal_request,
        not_for_former_officers_at=frozenset(t.not_for_former_officers_at),
        needs_appeal_window_closed=t.needs_appeal_window_closed,
        reporter_message=t.reporter_message,
        cite=t.cite,
    )


def _referral(t: shape.ReferralTable | None, place: Place) -> Referral | None:
    if t is None:
        return None
    rules = []
    for index, rule in enumerate(t.mandatory):
        if not (rule.categories or rule.facts):
            raise place.at("mandatory").at(index).error("a mandatory-referral rule needs categories or facts")
        rules.append(
            ReferralRule(
                id=rule.id,
                label=rule.label,
                categories=frozenset(rule.categories),
                facts=frozenset(rule.facts),
                severities=frozenset(rule.severities),
                cite=rule.cite,
            )
        )
    modes = {
        key: InvestigationMode(id=key, label=mode.label, appointed_by=tuple(mode.appointed_by))
        for key, mode in t.modes.items()
    }
    return Referral(
        facts=_frozen(dict(t.facts)),
        rules=tuple(rules),
        modes=_frozen(modes),
        default_mode=t.default_mode,
        cite=t.cite,
    )


def _clock(key: str, t: shape.ClockTable, place: Place) -> ClockSpec:
    return ClockSpec(id=key, label=t.label, period=_period(t.period, place.at("period")), cite=t.cite)


def _progress_reports(t: shape.ProgressReportsTable | None, place: Place) -> ProgressReports | None:
    if t is None:
        return None
    return ProgressReports(
        label=t.label,
        first=_period(t.first, place.at("first")),
        then_every=_period(t.then_every, place.at("then_every")),
        recipients=tuple(t.recipients),
        cite=t.cite,
    )
