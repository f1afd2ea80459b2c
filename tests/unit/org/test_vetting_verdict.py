"""The verdict of a vetting check: gravest finding first, in plain words; possible matches never decide it."""

from __future__ import annotations

from datetime import date

import pytest

from upstander.org.vetting import Strength
from upstander.org.vetting_verdict import Source, Verdict, VettingMatch, assess


def match(source: Source, strength: Strength = Strength.LIKELY, **fields: object) -> VettingMatch:
    values: dict[str, object] = {
        "source": source,
        "strength": strength,
        "score": 90,
        "reason": "same date of birth; same family name",
        "name": "John Smith",
        "staff_number": "NS01234",
    }
    values.update(fields)
    return VettingMatch(**values)  # type: ignore[arg-type]


BARRED = match(
    Source.BARRED_LIST,
    listed_because="would have been dismissed",
    case_reference="C-2027-0001",
    listed_on=date(2027, 3, 3),
    review_on=date(2032, 3, 3),
)
ADVISORY = match(
    Source.ADVISORY_LIST,
    listed_because="resigned while under investigation",
    case_reference="C-2027-0002",
    listed_on=date(2027, 1, 9),
)


def test_a_barred_entry_reads_as_the_law_has_it() -> None:
    verdict, findings = assess([BARRED])
    assert verdict is Verdict.BARRED
    assert findings == (
        "BARRED: on the barred list since 3 March 2027 (would have been dismissed, case C-2027-0001); "
        "review due 3 March 2032.",
    )


def test_the_gravest_finding_decides_and_every_finding_is_listed() -> None:
    staff = match(
        Source.STAFF_RECORD, open_cases=("C-2027-0005",), closed_cases=("C-2020-0001", "C-2021-0002")
    )
    verdict, findings = assess([staff, ADVISORY, BARRED])
    assert verdict is Verdict.BARRED
    assert [finding.split(":")[0] for finding in findings] == [
        "BARRED",
        "ON THE ADVISORY LIST",
        "HAS OPEN CASES",
    ]
    assert findings[1] == (
        "ON THE ADVISORY LIST: on the advisory list since 9 January 2027 "
        "(resigned while under investigation, case C-2027-0002)."
    )
    assert findings[2] == "HAS OPEN CASES: 1 open case (C-2027-0005) names them."


def test_closed_cases_only_are_past_cases() -> None:
    verdict, findings = assess([match(Source.STAFF_RECORD, closed_cases=("C-2020-0001", "C-2021-0002"))])
    assert verdict is Verdict.PAST_CASES
    assert findings == ("HAS PAST CASES: 2 closed cases (C-2020-0001, C-2021-0002) name them.",)


def test_a_clean_staff_record_is_no_record_found() -> None:
    clean = match(Source.STAFF_RECORD, Strength.CERTAIN, employment_status="serving")
    verdict, findings = assess([clean])
    assert verdict is Verdict.NO_RECORD
    assert findings == (
        "NO RECORD FOUND: not on the barred list or the advisory list, and no case names them.",
    )
    assert clean.record == "staff record (serving): no case names them"
    assert assess([])[0] is Verdict.NO_RECORD


def test_a_possible_match_on_the_barred_list_is_one_to_confirm_not_a_bar() -> None:
    maybe = match(
        Source.BARRED_LIST,
        Strength.POSSIBLE,
        listed_because="dismissed without notice",
        listed_on=date(2026, 5, 1),
        review_on=date(2031, 5, 1),
    )
    verdict, findings = assess([maybe])
    assert verdict is Verdict.POSSIBLE_MATCH
    assert findings == (
        "POSSIBLE MATCH: a record may be this person — John Smith, on the barred list since 1 May 2026 "
        "(dismissed without notice); review due 1 May 2031. Confirm their identity before relying on it.",
    )


def test_a_possible_clean_staff_record_is_not_worth_a_finding() -> None:
    assert assess([match(Source.STAFF_RECORD, Strength.POSSIBLE)])[0] is Verdict.NO_RECORD


@pytest.mark.parametrize(
    ("verdict", "code"),
    [(Verdict.NO_RECORD, 0), (Verdict.BARRED, 2), (Verdict.ADVISORY_LIST, 1), (Verdict.POSSIBLE_MATCH, 1)],
)
def test_exit_codes(verdict: Verdict, code: int) -> None:
    assert verdict.exit_code == code
