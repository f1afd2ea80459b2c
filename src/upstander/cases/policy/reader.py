"""Reading a parsed TOML pack key by key into the dataclasses, so every mistake names its key."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


class PolicyError(ValueError):
    """A policy pack is malformed or inconsistent; the message names the file and the bad key."""


_MISSING = object()


class Table:
    """One TOML table, with the keys read so far; ``done()`` rejects keys nobody read (typos)."""

    def __init__(self, data: Mapping[str, object], path: str, source: str) -> None:
        self._data = data
        self._path = path
        self._source = source
        self._used: set[str] = set()

    def key(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def error(self, message: str, key: str | None = None) -> PolicyError:
        where = self.key(key) if key else (self._path or "top level")
        return PolicyError(f"{self._source}: {where}: {message}")

    def _get(self, key: str, default: object) -> object:
        self._used.add(key)
        if key in self._data:
            return self._data[key]
        if default is _MISSING:
            raise self.error("is missing", key)
        return default

    def value(self, key: str) -> object:
        """A required key whose value may be of more than one type; the caller checks which."""
        return self._get(key, _MISSING)

    def text(self, key: str, default: object = _MISSING) -> str:
        value = self._get(key, default)
        if not isinstance(value, str):
            raise self.error(f"must be text, not {value!r}", key)
        return value

    def flag(self, key: str, default: object = _MISSING) -> bool:
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, not {value!r}", key)
        return value

    def number(self, key: str, default: object = _MISSING) -> int:
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"must be a whole number, not {value!r}", key)
        return value

    def texts(self, key: str, *, required: bool = False) -> tuple[str, ...]:
        value = self._get(key, _MISSING if required else [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(f"must be a list of text, not {value!r}", key)
        if required and not value:
            raise self.error("must not be empty", key)
        if len(set(value)) != len(value):
            raise self.error("lists the same value twice", key)
        return tuple(value)

    def table(self, key: str) -> Table:
        table = self.optional_table(key)
        if table is None:
            raise self.error("is missing", key)
        return table

    def optional_table(self, key: str) -> Table | None:
        value = self._get(key, None)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.error("must be a table", key)
        return Table(value, self.key(key), self._source)

    def tables(self, key: str, *, required: bool = True) -> dict[str, Table]:
        """A table whose every value is itself a table, such as ``[states.received]``."""
        outer = self.table(key) if required else self.optional_table(key)
        if outer is None:
            return {}
        if required and not outer._data:
            raise self.error("must not be empty", key)
        inner = {name: outer.table(name) for name in outer._data}
        outer.done()
        return inner

    def labels(self, key: str, *, required: bool = True) -> dict[str, str]:
        """A table of id = "label" pairs, such as ``[categories]``."""
        outer = self.table(key) if required else self.optional_table(key)
        if outer is None:
            return {}
        labels = {name: outer.text(name) for name in outer._data}
        outer.done()
        return labels

    def array_of_tables(self, key: str) -> list[Table]:
        value = self._get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise self.error("must be an array of tables ([[...]])", key)
        return [Table(item, f"{self.key(key)}[{index}]", self._source) for index, item in enumerate(value)]

    def done(self) -> None:
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            raise self.error("is not a key this pack format knows (is it misspelt?)", unknown[0])

    def check_timezone(self, key: str, value: str) -> None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise self.error(f"{value!r} is not a time zone name", key) from error


def _frozen(items: dict[str, V]) -> Mapping[str, V]:
    return MappingProxyType(items)


def _period(table: Table) -> Period:
    period = Period(
        days=table.number("days", 0),
        working_days=table.number("working_days", 0),
        months=table.number("months", 0),
    )
    table.done()
    amounts = (period.days, period.working_days, period.months)
    if sum(1 for amount in amounts if amount) != 1 or min(amounts) < 0:
        raise table.error("give exactly one of days, working_days or months, as a positive number")
    return period


def build_policy(root: Table) -> Policy:
    """The tables of a pack as dataclasses; each table rejects keys it does not know."""
    pack = root.table("pack")
    calendar = root.table("calendar")
    policy = Policy(
        id=pack.text("id"),
        version=pack.text("version"),
        title=pack.text("title"),
        overseer=pack.text("overseer", "the overseer"),
        legislation=pack.texts("legislation"),
        calendar=Calendar(
            timezone=calendar.text("timezone"),
            holidays_country=calendar.text("holidays_country"),
            holidays_subdivision=calendar.text("holidays_subdivision", "") or None,
        ),
        categories=_frozen(root.labels("categories")),
        standards=_frozen(root.labels("standards", required=False)),
        states=_frozen({k: _state(k, t) for k, t in root.tables("states").items()}),
        actions=_frozen({k: _action(k, t) for k, t in root.tables("actions").items()}),
        severities=_frozen(
            {k: _severity(k, t) for k, t in root.tables("severities", required=False).items()}
        ),
        findings=_frozen({k: _finding(k, t) for k, t in root.tables("findings", required=False).items()}),
        sanctions=_frozen({k: _sanction(k, t) for k, t in root.tables("sanctions", required=False).items()}),
        forums=_frozen({k: _forum(k, t) for k, t in root.tables("forums", required=False).items()}),
        closures=_frozen({k: _closure(k, t) for k, t in root.tables("closures", required=False).items()}),
        referral=_referral(root.optional_table("referral")),
        clocks=_frozen({k: _clock(k, t) for k, t in root.tables("clocks", required=False).items()}),
        progress_reports=_progress_reports(root.optional_table("progress_reports")),
    )
    # Imported here: that module builds on this one's Table.
    from upstander.cases.policy.intervention import read_early_intervention
    from upstander.cases.policy.retention import read_retention

    policy = dataclasses.replace(
        policy,
        early_intervention=read_early_intervention(
            root.optional_table("early_intervention"), policy.categories
        ),
        retention=read_retention(root.optional_table("retention")),
    )
    pack.done()
    calendar.done()
    calendar.check_timezone("timezone", policy.calendar.timezone)
    root.done()
    return policy


def _state(key: str, t: Table) -> StateSpec:
    spec = StateSpec(
        id=key,
        label=t.text("label"),
        open=t.flag("open", True),
        investigation_open=t.flag("investigation_open", False),
        advisory_list_if_subject_leaves=t.flag("advisory_list_if_subject_leaves", False),
        hold_until_referred=t.flag("hold_until_referred", False),
        owed=t.texts("owed"),
    )
    t.done()
    return spec


def _action(key: str, t: Table) -> ActionSpec:
    spec = ActionSpec(
        kind=key,
        label=t.text("label"),
        from_states=frozenset(t.texts("from")),
        to=t.text("to", "") or None,
        returns=t.flag("returns", False),
        roles=t.texts("roles", required=True),
        requires=t.texts("requires"),
        severities=frozenset(t.texts("severities")),
        needs_allegations=t.flag("needs_allegations", False),
        cite=t.text("cite", ""),
    )
    t.done()
    if spec.to and spec.returns:
        raise t.error("give either 'to' or 'returns = true', not both")
    return spec


def _severity(key: str, t: Table) -> SeveritySpec:
    spec = SeveritySpec(id=key, label=t.text("label"), rank=t.number("rank"))
    t.done()
    return spec


def _finding(key: str, t: Table) -> FindingSpec:
    spec = FindingSpec(id=key, label=t.text("label"), rank=t.number("rank"), proven=t.flag("proven", False))
    t.done()
    return spec


def _sanction(key: str, t: Table) -> SanctionSpec:
    spec = SanctionSpec(
        id=key,
        label=t.text("label"),
        rank=t.number("rank"),
        findings=frozenset(t.texts("findings")),
        findings_if_final_warning_in_force=frozenset(t.texts("findings_if_final_warning_in_force")),
        former_officer_findings=frozenset(t.texts("former_officer_findings")),
        barred_list=t.flag("barred_list", False),
        cite=t.text("cite", ""),
    )
    t.done()
    return spec


def _forum(key: str, t: Table) -> ForumSpec:
    response = t.optional_table("response_period")
    window = t.optional_table("hearing_window")
    appeal = t.optional_table("appeal")
    spec = ForumSpec(
        id=key,
        label=t.text("label"),
        from_states=frozenset(t.texts("from", required=True)),
        severities=frozenset(t.texts("severities")),
        severities_if_final_warning_in_force=frozenset(t.texts("severities_if_final_warning_in_force")),
        former_officer_severities=frozenset(t.texts("former_officer_severities")),
        special_conditions=t.flag("special_conditions", False),
        max_finding=t.text("max_finding"),
        max_sanction=t.text("max_sanction"),
        sanctions=t.texts("sanctions", required=True),
        panel_size=t.number("panel_size"),
        response_period=_period(response) if response else None,
        hearing_window=(_period(window.table("earliest")), _period(window.table("latest")))
        if window
        else None,
        appeal=_appeal(appeal) if appeal else None,
        cite=t.text("cite", ""),
    )
    if window:
        window.done()
    t.done()
    if spec.panel_size < 1:
        raise t.error("panel_size must be at least 1")
    return spec


def _appeal(t: Table) -> AppealSpec:
    spec = AppealSpec(body=t.text("body"), period=_period(t.table("period")), cite=t.text("cite", ""))
    t.done()
    return spec


def _closure(key: str, t: Table) -> ClosureSpec:
    spec = ClosureSpec(
        id=key,
        label=t.text("label"),
        from_states=frozenset(t.texts("from", required=True)),
        severities=frozenset(t.texts("severities")),
        needs_withdrawal_request=t.flag("needs_withdrawal_request", False),
        not_for_former_officers_at=frozenset(t.texts("not_for_former_officers_at")),
        needs_appeal_window_closed=t.flag("needs_appeal_window_closed", False),
        reporter_message=t.text("reporter_message"),
        cite=t.text("cite", ""),
    )
    t.done()
    return spec


def _referral(t: Table | None) -> Referral | None:
    if t is None:
        return None
    rules = []
    for rule_table in t.array_of_tables("mandatory"):
        rules.append(
            ReferralRule(
                id=rule_table.text("id"),
                label=rule_table.text("label"),
                categories=frozenset(rule_table.texts("categories")),
                facts=frozenset(rule_table.texts("facts")),
                severities=frozenset(rule_table.texts("severities")),
                cite=rule_table.text("cite", ""),
            )
        )
        rule_table.done()
        if not (rules[-1].categories or rules[-1].facts):
            raise rule_table.error("a mandatory-referral rule needs categories or facts")
    modes = {}
    for key, mode_table in t.tables("modes").items():
        modes[key] = InvestigationMode(
            id=key,
            label=mode_table.text("label"),
            appointed_by=mode_table.texts("appointed_by", required=True),
        )
        mode_table.done()
    referral = Referral(
        facts=_frozen(t.labels("facts")),
        rules=tuple(rules),
        modes=_frozen(modes),
        default_mode=t.text("default_mode"),
        cite=t.text("cite", ""),
    )
    t.done()
    return referral


def _clock(key: str, t: Table) -> ClockSpec:
    spec = ClockSpec(
        id=key, label=t.text("label"), period=_period(t.table("period")), cite=t.text("cite", "")
    )
    t.done()
    return spec


def _progress_reports(t: Table | None) -> ProgressReports | None:
    if t is None:
        return None
    spec = ProgressReports(
        label=t.text("label"),
        first=_period(t.table("first")),
        then_every=_period(t.table("then_every")),
        recipients=t.texts("recipients", required=True),
        cite=t.text("cite", ""),
    )
    t.done()
    return spec
