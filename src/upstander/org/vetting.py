"""Vetting rules: is the person asked about someone on our records? Pure decisions, no I/O.

A vetting check asks, before a person is hired or accepted on transfer from another force,
whether they are on the police barred list or the police advisory list, or are named in open or
past misconduct cases (Police Act 1996, Part 4A; Police Barred List and Police Advisory List
Regulations 2017, which oblige a force not to employ a barred person and to consult the lists).

Records are compared by staff number, by name and by date of birth. Names are compared after
normalisation (case, accents, punctuation, titles and ranks), by spelling (rapidfuzz) and by sound
(metaphone, from jellyfish), against every name a record knows, other and maiden names included.
The answer for each record is a strength — certain, likely or possible — with its reason in plain
words, so the vetting officer sees why a record was matched and can confirm identity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import IntEnum, StrEnum
from typing import TypeVar

import jellyfish
from rapidfuzz import fuzz

from upstander.errors import InvalidInput
from upstander.org.people import normalise_name, normalise_staff_number

# Titles and ranks as people write them before a name ("PC Jon Smyth", "Det. Sgt. Khan").
TITLES = frozenset(
    {
        *("mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "rev"),
        *("pc", "wpc", "dc", "tdc", "sc", "pcso", "special", "constable"),
        *("ps", "ds", "sgt", "dsgt", "sergeant", "det", "detective"),
        *("insp", "inspector", "di", "ci", "dci", "chinsp", "ch", "chief"),
        *("supt", "superintendent", "dsupt", "chsupt", "dcs", "cs"),
        *("cmdr", "commander", "acc", "dac", "dcc", "cc", "commissioner"),
    }
)
SPELT_ALIKE = 80  # rapidfuzz ratio (0–100) at or above which two names are spelt alike
SOUND_ALIKE_FLOOR = 50  # same metaphone code, and at least this alike in spelling
MIN_PART = 3  # a part of a double-barrelled name counts only if it is at least this long
# A barred-list entry is reviewed this many years after the decision that put the person on it.
BARRED_LIST_REVIEW_YEARS = 5

T = TypeVar("T")


class Strength(IntEnum):
    """How sure a match is; compares in order (CERTAIN is the strongest)."""

    POSSIBLE = 1
    LIKELY = 2
    CERTAIN = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Purpose(StrEnum):
    HIRING = "hiring"
    TRANSFER = "transfer"


@dataclass(frozen=True)
class Identity:
    """The identifying details of a record: a staff record or a list entry."""

    given_name: str
    family_name: str
    staff_number: str | None = None
    other_names: tuple[str, ...] = ()
    date_of_birth: date | None = None


@dataclass(frozen=True)
class VettingQuery:
    """Who a vetting officer asks about, and why."""

    purpose: Purpose
    staff_number: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None


@dataclass(frozen=True)
class IdentityMatch:
    strength: Strength
    score: int  # 0–100, to rank matches of the same strength
    reason: str


def barred_list_review_due(decided_on: date, years: int = BARRED_LIST_REVIEW_YEARS) -> date:
    """When a barred-list entry falls due for review: ``years`` after the decision that put the person
    on the list (Police Barred List and Police Advisory List Regulations 2017); a decision made on
    29 February falls due on 28 February."""
    try:
        return decided_on.replace(year=decided_on.year + years)
    except ValueError:
        return decided_on.replace(year=decided_on.year + years, day=28)


def check_query(query: VettingQuery) -> None:
    """A check needs a staff number, or a family name with a date of birth: a name alone matches too
    many people to be a fair basis for refusing someone work."""
    if normalise_staff_number(query.staff_number or ""):
        return
    missing: dict[str, str] = {}
    if not normalise_name(query.family_name or ""):
        missing["family_name"] = "needed unless a staff number is given"
    if query.date_of_birth is None:
        missing["date_of_birth"] = "needed unless a staff number is given"
    if missing:
        raise InvalidInput(
            "Give a staff number, or a family name and a date of birth.",
            fields={"staff_number": "missing", **missing},
        )


def name_tokens(text: str, *, keep_last: bool) -> list[str]:
    """A name's words after normalisation, with leading titles and ranks dropped ("Det. Sgt. Khan" ->
    ["khan"]). With ``keep_last``, a title is never dropped when it is the only word left, so the
    family names Constable and Chief survive."""
    tokens = normalise_name(text).split()
    while tokens and tokens[0] in TITLES and (len(tokens) > 1 or not keep_last):
        tokens.pop(0)
    return tokens


class _Part(IntEnum):
    """How one part of a name (given or family) compares."""

    DIFFERENT = 0
    INITIAL = 1
    ALIKE = 2
    SAME = 3


@dataclass(frozen=True)
class _PartResult:
    part: _Part
    ratio: float
    words: str  # what to say about it, e.g. "sounds the same (Smyth/Smith)"


def _sounds_alike(a: str, b: str, ratio: float) -> bool:
    code = jellyfish.metaphone(a)
    return bool(code) and code == jellyfish.metaphone(b) and ratio >= SOUND_ALIKE_FLOOR


def _compare_family(asked: str, recorded: str) -> _PartResult:
    a = name_tokens(asked, keep_last=True)
    r = name_tokens(recorded, keep_last=True)
    if not a or not r:
        return _PartResult(_Part.DIFFERENT, 0.0, "")
    shown = f"({asked.strip()}/{recorded.strip()})"
    a_joined, r_joined = "".join(a), "".join(r)
    if a_joined == r_joined:
        return _PartResult(_Part.SAME, 100.0, "same family name")
    ratio = fuzz.ratio(a_joined, r_joined)
    if _sounds_alike(a_joined, r_joined, ratio):
        return _PartResult(_Part.ALIKE, ratio, f"family name sounds the same {shown}")
    if ratio >= SPELT_ALIKE:
        return _PartResult(_Part.ALIKE, ratio, f"family name spelt alike {shown}")
    shorter, longer = (a, r) if len(a) < len(r) else (r, a)
    if len(shorter) == 1 and len(shorter[0]) >= MIN_PART and shorter[0] in longer:
        return _PartResult(_Part.ALIKE, ratio, f"family name is part of a double-barrelled name {shown}")
    return _PartResult(_Part.DIFFERENT, ratio, "a different family name")


def _compare_given(asked: str, recorded: str) -> _PartResult | None:
    """None when either side has no given name to compare."""
    a = name_tokens(asked, keep_last=False)
    r = name_tokens(recorded, keep_last=False)
    if not a or not r:
        return None
    shown = f"({asked.strip()}/{recorded.strip()})"
    ratio = fuzz.ratio(a[0], r[0])
    if a[0] == r[0] or "".join(a) == "".join(r):
        result = _PartResult(_Part.SAME, 100.0, "same given name")
    elif (len(a[0]) == 1 or len(r[0]) == 1) and a[0][0] == r[0][0]:
        result = _PartResult(_Part.INITIAL, 70.0, f"initial matches {shown}")
    elif _sounds_alike(a[0], r[0], ratio):
        result = _PartResult(_Part.ALIKE, ratio, f"given name sounds the same {shown}")
    elif ratio >= SPELT_ALIKE:
        result = _PartResult(_Part.ALIKE, ratio, f"given name spelt alike {shown}")
    elif set(a) & set(r):
        result = _PartResult(_Part.ALIKE, 75.0, f"given name matches a middle name {shown}")
    else:
        result = _PartResult(_Part.DIFFERENT, ratio, "a different given name")
    return result


class _Name(IntEnum):
    """How a whole name compares, from the strongest to none."""

    NONE = 0
    GIVEN_ONLY = 1  # same given name, family name differs (perhaps changed on marriage)
    FAMILY_BUT_GIVEN_DIFFERS = 2
    FAMILY_ALIKE_ONLY = 3  # no given name to compare
    FAMILY_SAME_ONLY = 4
    ALIKE = 5  # both parts the same or alike, or an initial that fits
    SAME = 6


@dataclass(frozen=True)
class _NameResult:
    level: _Name
    score: float
    words: str


def _compare_names(asked_given: str, asked_family: str, given: str, family: str) -> _NameResult:
    fam = _compare_family(asked_family, family)
    giv = _compare_given(asked_given, given)
    parts = [fam.words] if fam.part != _Part.DIFFERENT else []
    if giv is not None and giv.part != _Part.DIFFERENT:
        parts.append(giv.words)
    words = "; ".join(parts)
    score = fam.ratio if giv is None else 0.6 * fam.ratio + 0.4 * giv.ratio
    if fam.part == _Part.DIFFERENT:
        same_given = giv is not None and giv.part == _Part.SAME
        level = _Name.GIVEN_ONLY if same_given else _Name.NONE
        return _NameResult(level, score, f"{words}; {fam.words}" if same_given else "")
    if giv is None:
        level = _Name.FAMILY_SAME_ONLY if fam.part == _Part.SAME else _Name.FAMILY_ALIKE_ONLY
    elif giv.part == _Part.DIFFERENT:
        level, words = _Name.FAMILY_BUT_GIVEN_DIFFERS, f"{words}; {giv.words}"
    elif fam.part == giv.part == _Part.SAME:
        level = _Name.SAME
    else:
        level = _Name.ALIKE
    return _NameResult(level, score, words)


def _name_variants(record: Identity) -> list[tuple[str, str, str]]:
    """(given, family, note) for the record's name and each of its other names: a one-word other name
    may be an earlier family name (maiden name) or the given name they go by."""
    variants = [(record.given_name, record.family_name, "")]
    for other in record.other_names:
        words = other.split()
        note = f"matched on their other name ({other.strip()})"
        if len(words) == 1:
            variants += [(record.given_name, other, note), (other, record.family_name, note)]
        elif words:
            variants.append((" ".join(words[:-1]), words[-1], note))
    return variants


def _best_name(query: VettingQuery, record: Identity) -> _NameResult:
    best = _NameResult(_Name.NONE, 0.0, "")
    for given, family, note in _name_variants(record):
        result = _compare_names(query.given_name or "", query.family_name or "", given, family)
        if note and result.level != _Name.NONE:
            result = _NameResult(result.level, result.score, f"{result.words}; {note}")
        # An other name is named as the reason only when it matches better than the name itself.
        if result.level > best.level or (not note and result.level == best.level):
            best = result
    return best


@dataclass(frozen=True)
class NameLikeness:
    """How close a described name is to a record's names, for ranking candidates (not for verdicts)."""

    family_matches: bool
    score: float
    reason: str


def name_likeness(given: str, family: str, record: Identity) -> NameLikeness:
    """The family name the same or alike (under any of the record's names), whatever the given name:
    a reporter may know a colleague by a nickname."""
    name = _best_name(VettingQuery(purpose=Purpose.TRANSFER, given_name=given, family_name=family), record)
    return NameLikeness(name.level >= _Name.FAMILY_BUT_GIVEN_DIFFERS, name.score, name.words)


def _dates_near(a: date, b: date) -> bool:
    """One digit mistyped, or day and month swapped: the usual slips in a date of birth."""
    one_digit = sum(x != y for x, y in zip(a.isoformat(), b.isoformat(), strict=True)) == 1
    return one_digit or (a.year == b.year and a.day == b.month and a.month == b.day)


def match_identity(query: VettingQuery, record: Identity) -> IdentityMatch | None:
    """How strongly a record matches the person asked about, and why; None if it does not.

    * the same staff number is certain — unless the date of birth or the whole name contradicts it
      (staff numbers are per force, so another force's number can be one of ours), then possible;
    * otherwise the same date of birth with the same or a close name (misspelt, sounding the same,
      an initial, an other or maiden name) is likely; with only the family name close, or only the
      given name the same, possible;
    * a name without a date of birth to compare is at most possible, and so is a matching name with
      a different date of birth (the same full name, or a close name with a date one slip away).
    """
    name = _best_name(query, record)
    asked_number = normalise_staff_number(query.staff_number or "")
    if asked_number and asked_number == normalise_staff_number(record.staff_number or ""):
        return _same_staff_number(query, record, name)
    if query.date_of_birth is None or record.date_of_birth is None:
        return _name_only(name)
    if query.date_of_birth == record.date_of_birth:
        return _same_date_of_birth(name)
    return _different_date_of_birth(name, _dates_near(query.date_of_birth, record.date_of_birth))


def _same_staff_number(query: VettingQuery, record: Identity, name: _NameResult) -> IdentityMatch:
    same = f"same staff number ({record.staff_number})"
    asked, recorded = query.date_of_birth, record.date_of_birth
    if asked is not None and recorded is not None and asked != recorded:
        return IdentityMatch(Strength.POSSIBLE, 60, f"{same}, but a different date of birth")
    if normalise_name(query.family_name or "") and name.level == _Name.NONE:
        return IdentityMatch(Strength.POSSIBLE, 60, f"{same}, but a different name")
    dob = "same date of birth" if asked is not None and asked == recorded else ""
    return IdentityMatch(Strength.CERTAIN, 100, _join(same, dob))


def _same_date_of_birth(name: _NameResult) -> IdentityMatch | None:
    if name.level >= _Name.FAMILY_SAME_ONLY:
        return IdentityMatch(
            Strength.LIKELY, _score(name.score, 1.0), _join("same date of birth", name.words)
        )
    if name.level > _Name.NONE:
        return IdentityMatch(
            Strength.POSSIBLE, _score(name.score, 0.9), _join("same date of birth", name.words)
        )
    return None


def _different_date_of_birth(name: _NameResult, near: bool) -> IdentityMatch | None:
    if name.level == _Name.SAME or (near and name.level == _Name.ALIKE):
        when = "a date of birth one slip away" if near else "a different date of birth"
        return IdentityMatch(Strength.POSSIBLE, _score(name.score, 0.6), _join(name.words, when))
    return None


def _name_only(name: _NameResult) -> IdentityMatch | None:
    if name.level >= _Name.ALIKE:
        return IdentityMatch(
            Strength.POSSIBLE, _score(name.score, 0.8), _join(name.words, "no date of birth to compare")
        )
    return None


def _score(name_score: float, factor: float) -> int:
    return max(1, min(99, round(name_score * factor)))


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def rank_matches(
    query: VettingQuery, records: Iterable[T], identity: Callable[[T], Identity]
) -> list[tuple[T, IdentityMatch]]:
    """The records that match, strongest first (then by score)."""
    found = [(record, match) for record in records if (match := match_identity(query, identity(record)))]
    found.sort(key=lambda pair: (pair[1].strength, pair[1].score), reverse=True)
    return found
