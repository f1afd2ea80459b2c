"""The answer to a vetting check, in plain words. Pure decisions, no I/O.

Only a certain or likely match decides the verdict: a possible match is reported as one to
confirm, never as a finding against the person, since refusing someone work on a namesake's
record would be unfair (Police Barred List and Police Advisory List Regulations 2017: a force
checks the lists before appointing; it is the identity that the vetting officer confirms).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from upstander.org.vetting import Purpose, Strength


class Source(StrEnum):
    BARRED_LIST = "barred_list"
    ADVISORY_LIST = "advisory_list"
    STAFF_RECORD = "staff_record"


class Verdict(StrEnum):
    """From the gravest; a check's verdict is the gravest of its findings."""

    BARRED = "barred"
    ADVISORY_LIST = "advisory_list"
    OPEN_CASES = "open_cases"
    POSSIBLE_MATCH = "possible_match"
    PAST_CASES = "past_cases"
    NO_RECORD = "no_record"

    @property
    def exit_code(self) -> int:
        """For `upstander vet`: 0 no record found, 2 barred, 1 anything else to look at."""
        if self is Verdict.NO_RECORD:
            return 0
        return 2 if self is Verdict.BARRED else 1


HEADINGS = {
    Verdict.BARRED: "BARRED",
    Verdict.ADVISORY_LIST: "ON THE ADVISORY LIST",
    Verdict.OPEN_CASES: "HAS OPEN CASES",
    Verdict.POSSIBLE_MATCH: "POSSIBLE MATCH",
    Verdict.PAST_CASES: "HAS PAST CASES",
    Verdict.NO_RECORD: "NO RECORD FOUND",
}


def format_date(day: date) -> str:
    """'5 June 2027', for sentences."""
    return f"{day.day} {day:%B %Y}"


def _cases(count_word: str, references: Sequence[str]) -> str:
    noun = "case" if len(references) == 1 else "cases"
    return f"{len(references)} {count_word} {noun} ({', '.join(references)})"


def _verb(references: Sequence[str]) -> str:
    return "names them" if len(references) == 1 else "name them"


@dataclass(frozen=True)
class VettingMatch:
    """One record that matched: where it is, how strongly and why, and what it says."""

    source: Source
    strength: Strength
    score: int
    reason: str
    name: str
    staff_number: str | None
    force_name: str | None = None
    case_reference: str | None = None
    listed_because: str | None = None
    listed_on: date | None = None
    review_on: date | None = None
    employment_status: str | None = None
    open_cases: tuple[str, ...] = ()
    closed_cases: tuple[str, ...] = ()

    @property
    def firm(self) -> bool:
        """Certain or likely: strong enough to decide the verdict."""
        return self.strength >= Strength.LIKELY

    @property
    def adverse(self) -> bool:
        """On a list, or named in a case."""
        return self.source is not Source.STAFF_RECORD or bool(self.open_cases or self.closed_cases)

    @property
    def record(self) -> str:
        """What the record says, e.g. 'on the barred list since 3 March 2027 (would have been
        dismissed, case C-2027-0001); review due 3 March 2032'."""
        why = ", ".join(
            part
            for part in (self.listed_because, f"case {self.case_reference}" if self.case_reference else "")
            if part
        )
        since = f" since {format_date(self.listed_on)}" if self.listed_on else ""
        because = f" ({why})" if why else ""
        if self.source is Source.BARRED_LIST:
            review = f"; review due {format_date(self.review_on)}" if self.review_on else ""
            return f"on the barred list{since}{because}{review}"
        if self.source is Source.ADVISORY_LIST:
            return f"on the advisory list{since}{because}"
        status = f" ({self.employment_status})" if self.employment_status else ""
        cases = [
            _cases(word, refs)
            for word, refs in (("open", self.open_cases), ("closed", self.closed_cases))
            if refs
        ]
        return f"staff record{status}: " + (" and ".join(cases) if cases else "no case names them")


@dataclass(frozen=True)
class VettingResult:
    """The answer to one check: a verdict, the findings in plain words, and every match with its reason."""

    check_id: uuid.UUID
    purpose: Purpose
    checked_at: datetime
    verdict: Verdict
    summary: str
    findings: tuple[str, ...]
    matches: tuple[VettingMatch, ...]


def assess(matches: Iterable[VettingMatch]) -> tuple[Verdict, tuple[str, ...]]:
    """The verdict and the findings, gravest first.

    Barred (a firm match on the barred list) comes before the advisory list, then open cases, then
    possible matches that carry anything adverse (to confirm), then closed cases only; with none of
    these, no record is found — whatever staff record matched, nothing stands against the person.
    """
    found: list[tuple[Verdict, str]] = []
    possible: list[VettingMatch] = []
    for match in matches:
        if not match.firm:
            if match.adverse:
                possible.append(match)
            continue
        if match.source is Source.BARRED_LIST:
            found.append((Verdict.BARRED, f"{match.record}."))
        elif match.source is Source.ADVISORY_LIST:
            found.append((Verdict.ADVISORY_LIST, f"{match.record}."))
        elif match.open_cases:
            found.append(
                (Verdict.OPEN_CASES, f"{_cases('open', match.open_cases)} {_verb(match.open_cases)}.")
            )
        elif match.closed_cases:
            found.append(
                (Verdict.PAST_CASES, f"{_cases('closed', match.closed_cases)} {_verb(match.closed_cases)}.")
            )
    if possible:
        records = "; ".join(f"{m.name}, {m.record}" for m in possible)
        lead = "a record may be" if len(possible) == 1 else f"{len(possible)} records may be"
        found.append(
            (
                Verdict.POSSIBLE_MATCH,
                f"{lead} this person — {records}. Confirm their identity before relying on it.",
            )
        )
    if not found:
        found.append(
            (Verdict.NO_RECORD, "not on the barred list or the advisory list, and no case names them.")
        )
    order = list(Verdict)
    found.sort(key=lambda item: order.index(item[0]))
    return found[0][0], tuple(f"{HEADINGS[verdict]}: {text}" for verdict, text in found)
