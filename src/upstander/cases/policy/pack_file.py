"""A policy pack file's shape as pydantic models: every table, its keys and their types.

`reader.py` reads a pack through `read_pack` and builds the frozen dataclasses from the models,
deciding what the shape cannot say (exactly one length in a period, a time zone that exists, the
parameters each kind of early-intervention rule takes). What does not fit the shape is told as
``file: place: message`` in the pack's own words, every such place at once, the place written as
the file has it (``states.received.label``, ``referral.mandatory[0].id``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model

from upstander.cases.policy.model import KEPT_FOR_EVER_KINDS, RETENTION_KINDS
from upstander.file_places import place_in, written


class PackShapeError(ValueError):
    """What does not fit a pack's shape, each problem as ``file: place: message``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("lists the same value twice")
    return values


Texts = Annotated[list[str], AfterValidator(_distinct)]
NonEmptyTexts = Annotated[list[str], Field(min_length=1), AfterValidator(_distinct)]


class _Strict(BaseModel):
    # Strict: TOML has its own types, and 1 is not true nor "3" a number.
    model_config = ConfigDict(extra="forbid", strict=True)


class PackInfo(_Strict):
    id: str
    version: str
    title: str
    overseer: str = "the overseer"
    legislation: Texts = []


class CalendarTable(_Strict):
    timezone: str
    holidays_country: str
    holidays_subdivision: str = ""


class PeriodTable(_Strict):
    days: int = 0
    working_days: int = 0
    months: int = 0


class StateTable(_Strict):
    label: str
    open: bool = True
    investigation_open: bool = False
    advisory_list_if_subject_leaves: bool = False
    hold_until_referred: bool = False
    owed: Texts = []


class ActionTable(_Strict):
    label: str
    from_: Texts = Field([], alias="from")
    to: str = ""
    returns: bool = False
    roles: NonEmptyTexts
    requires: Texts = []
    severities: Texts = []
    needs_allegations: bool = False
    cite: str = ""


class SeverityTable(_Strict):
    label: str
    rank: int


class FindingTable(_Strict):
    label: str
    rank: int
    proven: bool = False


class SanctionTable(_Strict):
    label: str
    rank: int
    findings: Texts = []
    findings_if_final_warning_in_force: Texts = []
    former_officer_findings: Texts = []
    barred_list: bool = False
    cite: str = ""


class HearingWindow(_Strict):
    earliest: PeriodTable
    latest: PeriodTable


class AppealTable(_Strict):
    body: str
    period: PeriodTable
    cite: str = ""


class ForumTable(_Strict):
    label: str
    from_: NonEmptyTexts = Field(alias="from")
    severities: Texts = []
    severities_if_final_warning_in_force: Texts = []
    former_officer_severities: Texts = []
    special_conditions: bool = False
    max_finding: str
    max_sanction: str
    sanctions: NonEmptyTexts
    panel_size: int
    response_period: PeriodTable | None = None
    hearing_window: HearingWindow | None = None
    appeal: AppealTable | None = None
    cite: str = ""


class ClosureTable(_Strict):
    label: str
    from_: NonEmptyTexts = Field(alias="from")
    severities: Texts = []
    needs_withdrawal_request: bool = False
    not_for_former_officers_at: Texts = []
    needs_appeal_window_closed: bool = False
    reporter_message: str
    cite: str = ""


class ReferralRuleTable(_Strict):
    id: str
    label: str
    categories: Texts = []
    facts: Texts = []
    severities: Texts = []
    cite: str = ""


class ModeTable(_Strict):
    label: str
    appointed_by: NonEmptyTexts


class ReferralTable(_Strict):
    facts: dict[str, str]
    mandatory: list[ReferralRuleTable] = []
    modes: Annotated[dict[str, ModeTable], Field(min_length=1)]
    default_mode: str
    cite: str = ""


class ClockTable(_Strict):
    label: str
    period: PeriodTable
    cite: str = ""


class ProgressReportsTable(_Strict):
    label: str
    first: PeriodTable
    then_every: PeriodTable
    recipients: NonEmptyTexts
    cite: str = ""


class InterventionRuleTable(_Strict):
    """One early-intervention rule; which parameters its kind takes is `intervention.py`'s to say."""

    id: str
    title: str
    description: str
    kind: str
    categories: Texts | None = None
    minimum: int | None = None
    within_days: int | None = None
    restriction_kinds: Texts | None = None
    chance_below_one_in: int | None = None
    min_peers: int | None = None
    cite: str = ""


class EarlyInterventionTable(_Strict):
    rules: list[InterventionRuleTable] = []


class KeepPeriod(_Strict):
    years: int = 0
    months: int = 0


class RetentionRule(_Strict):
    keep: str | KeepPeriod  # "forever", or a period
    cite: str = ""


RetentionTable: type[BaseModel] = create_model(
    "RetentionTable",
    __config__=ConfigDict(extra="forbid", strict=True),
    **dict.fromkeys((*RETENTION_KINDS, *KEPT_FOR_EVER_KINDS), (RetentionRule | None, None)),  # type: ignore[call-overload]
)


class PackFile(_Strict):
    pack: PackInfo
    calendar: CalendarTable
    categories: dict[str, str]
    standards: dict[str, str] = {}
    states: Annotated[dict[str, StateTable], Field(min_length=1)]
    actions: Annotated[dict[str, ActionTable], Field(min_length=1)]
    severities: dict[str, SeverityTable] = {}
    findings: dict[str, FindingTable] = {}
    sanctions: dict[str, SanctionTable] = {}
    forums: dict[str, ForumTable] = {}
    closures: dict[str, ClosureTable] = {}
    referral: ReferralTable | None = None
    clocks: dict[str, ClockTable] = {}
    progress_reports: ProgressReportsTable | None = None
    early_intervention: EarlyInterventionTable | None = None
    retention: RetentionTable | None = None


def read_pack(data: dict[str, Any], source: str) -> PackFile:
    """The pack as the models hold it; `PackShapeError` naming the file and each place that does not fit."""
    try:
        return PackFile.model_validate(data)
    except ValidationError as error:
        problems = []
        for problem in error.errors():
            place = place_in(data, problem["loc"], problem["type"] in {"missing", "extra_forbidden"})
            problems.append((place, problem["type"], _message(problem)))
        # In a union ("forever" or a period), the branch the input was not meant for is no news.
        deeper = [place for place, _, _ in problems if place]
        kept: dict[str, list[str]] = {}
        for place, kind, message in problems:
            if kind.endswith("_type") and any(
                other[: len(place)] == place and other != place for other in deeper
            ):
                continue
            kept.setdefault(written(place), []).append(message)
        lines = []
        for where, messages in kept.items():
            # Each branch of a union said what it wanted: say it once.
            wanted = [message.removeprefix("must be ").split(", not ")[0] for message in messages]
            said = (
                [f"must be {' or '.join(wanted)}"]
                if len(messages) > 1 and all(message.startswith("must be") for message in messages)
                else messages
            )
            lines += [f"{source}: {where}: {message}" for message in dict.fromkeys(said)]
        raise PackShapeError(lines) from None


def _message(problem: Any) -> str:
    kind, given = problem["type"], problem.get("input")
    wanted = {
        "string_type": "text",
        "bool_type": "true or false",
        "int_type": "a whole number",
        "list_type": "a list",
    }
    if kind == "missing":
        return "is missing"
    if kind == "extra_forbidden":
        return "is not a key this pack format knows (is it misspelt?)"
    if kind in wanted:
        return f"must be {wanted[kind]}, not {given!r}"
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return "must be a table"
    if kind == "too_short":
        return "must not be empty"
    return str(problem["msg"]).removeprefix("Value error, ")
