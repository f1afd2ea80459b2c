"""The shape of a policy pack: frozen dataclasses, one per kind of table in the TOML file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    """A length of time: calendar days, working days or calendar months (exactly one is non-zero)."""

    days: int = 0
    working_days: int = 0
    months: int = 0

    def describe(self) -> str:
        for amount, unit in ((self.days, "day"), (self.working_days, "working day"), (self.months, "month")):
            if amount:
                return f"{amount} {unit}{'' if amount == 1 else 's'}"
        return "no time"


@dataclass(frozen=True)
class Calendar:
    timezone: str
    holidays_country: str
    holidays_subdivision: str | None


@dataclass(frozen=True)
class StateSpec:
    id: str
    label: str
    open: bool
    investigation_open: bool
    advisory_list_if_subject_leaves: bool
    hold_until_referred: bool
    # The steps that move a case on from here (action kinds): what is owed next, and by whom.
    owed: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionSpec:
    kind: str
    label: str
    from_states: frozenset[str]
    to: str | None
    returns: bool
    roles: tuple[str, ...]
    requires: tuple[str, ...]
    severities: frozenset[str]
    needs_allegations: bool
    cite: str

    def target(self, current: str) -> str:
        return self.to if self.to is not None else current


@dataclass(frozen=True)
class SeveritySpec:
    id: str
    label: str
    rank: int


@dataclass(frozen=True)
class FindingSpec:
    id: str
    label: str
    rank: int
    proven: bool


@dataclass(frozen=True)
class SanctionSpec:
    id: str
    label: str
    rank: int
    findings: frozenset[str]
    findings_if_final_warning_in_force: frozenset[str]
    former_officer_findings: frozenset[str]
    barred_list: bool
    cite: str


@dataclass(frozen=True)
class AppealSpec:
    body: str
    period: Period
    cite: str


@dataclass(frozen=True)
class ForumSpec:
    id: str
    label: str
    from_states: frozenset[str]
    severities: frozenset[str]
    severities_if_final_warning_in_force: frozenset[str]
    former_officer_severities: frozenset[str]
    special_conditions: bool
    max_finding: str
    max_sanction: str
    sanctions: tuple[str, ...]
    panel_size: int
    response_period: Period | None
    hearing_window: tuple[Period, Period] | None
    appeal: AppealSpec | None
    cite: str


@dataclass(frozen=True)
class ClosureSpec:
    id: str
    label: str
    from_states: frozenset[str]
    severities: frozenset[str]
    needs_withdrawal_request: bool
    not_for_former_officers_at: frozenset[str]
    needs_appeal_window_closed: bool
    reporter_message: str
    cite: str


@dataclass(frozen=True)
class ReferralRule:
    id: str
    label: str
    categories: frozenset[str]
    facts: frozenset[str]
    severities: frozenset[str]
    cite: str


@dataclass(frozen=True)
class InvestigationMode:
    id: str
    label: str
    appointed_by: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Referral:
    facts: Mapping[str, str]
    rules: tuple[ReferralRule, ...]
    modes: Mapping[str, InvestigationMode]
    default_mode: str
    cite: str


@dataclass(frozen=True)
class ClockSpec:
    id: str
    label: str
    period: Period
    cite: str


@dataclass(frozen=True)
class ProgressReports:
    label: str
    first: Period
    then_every: Period
    recipients: tuple[str, ...]
    cite: str


@dataclass(frozen=True)
class InterventionRuleSpec:
    """One early-intervention rule: a pattern across a person's allegations that calls for a response.

    ``kind`` is one of ``INTERVENTION_KINDS``; the other fields are its parameters (unused ones keep
    their defaults). An empty ``categories`` means allegations of any kind."""

    id: str
    title: str
    description: str
    kind: str
    categories: frozenset[str] = frozenset()
    minimum: int = 1
    within_days: int = 0
    restriction_kinds: frozenset[str] = frozenset()
    chance_below_one_in: int = 0
    min_peers: int = 0
    cite: str = ""


INTERVENTION_KINDS = ("count_in_window", "distinct_complainants", "while_restricted", "peer_rate")

# The kinds of record the retention job knows how to delete or anonymise, and those it keeps for
# ever by their nature; a pack's [retention] section gives a rule for each of the first.
RETENTION_KINDS = ("report_content", "case_content", "separation_orders", "restrictions")
KEPT_FOR_EVER_KINDS = ("allegations", "barred_list", "advisory_list")


@dataclass(frozen=True)
class RetentionSpec:
    """How long one kind of record is kept after its case closes: ``months`` (years are read as
    twelve months each), or for ever when ``forever`` is true (``months`` is then 0)."""

    kind: str
    months: int = 0
    forever: bool = False
    cite: str = ""

    def describe(self) -> str:
        if self.forever:
            return "kept for ever"
        years, months = divmod(self.months, 12)
        parts = [f"{years} year{'' if years == 1 else 's'}"] if years else []
        parts += [f"{months} month{'' if months == 1 else 's'}"] if months else []
        return " and ".join(parts) + " after the case closes"


@dataclass(frozen=True, eq=False)
class Policy:
    id: str
    version: str
    title: str
    overseer: str
    legislation: tuple[str, ...]
    calendar: Calendar
    categories: Mapping[str, str]
    standards: Mapping[str, str]
    states: Mapping[str, StateSpec]
    actions: Mapping[str, ActionSpec]
    severities: Mapping[str, SeveritySpec]
    findings: Mapping[str, FindingSpec]
    sanctions: Mapping[str, SanctionSpec]
    forums: Mapping[str, ForumSpec]
    closures: Mapping[str, ClosureSpec]
    referral: Referral | None
    clocks: Mapping[str, ClockSpec]
    progress_reports: ProgressReports | None
    early_intervention: tuple[InterventionRuleSpec, ...] = ()
    # No [retention] section: nothing is ever deleted under this pack.
    retention: Mapping[str, RetentionSpec] | None = None

    def action(self, kind: str) -> ActionSpec | None:
        return self.actions.get(kind)

    def state_label(self, state_id: str) -> str:
        spec = self.states.get(state_id)
        return spec.label if spec else state_id

    def severity_label(self, severity_id: str | None) -> str:
        spec = self.severities.get(severity_id or "")
        return spec.label if spec else "not yet assessed"
