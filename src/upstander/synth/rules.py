"""Fictional national data with known truths planted in it, drawn from one seed.

The shape follows published figures of one force's internal data, 2013-2022: 18,589 allegations in
10,252 cases about 8,917 distinct people, 1,809 of them in more than one case, and 55-60% of
allegations ending with no case to answer. So, per person who is the subject of anything: 2.08
allegations, 1.15 complaints, 20.3% in more than one complaint; per complaint: 1.81 allegations.

What is planted, and written to the manifest so that a test (or a sceptic) can check that the
statistics find it:

- **Relative rate of entry.** Each member of the workforce becomes the subject of at least one
  allegation in the period with probability ``base_entry_rate * relative_entry[group]`` for their
  ethnic group, independently: the "reported" stage of the equality statistics, measured against the
  workforce headcount, has exactly those relative rates in expectation (the reference group's is 1).
- **Serial offenders.** A few subjects get a burst of allegations: ``SERIAL_ALLEGATIONS`` within
  ``SERIAL_WITHIN_DAYS`` days, two of them sexual misconduct, which any reasonable early-intervention
  rule (three in twelve months; two sexual-misconduct allegations in five years) must flag. They are
  drawn among people who had already entered, so they leave the planted entry rates alone.

Everything is a pure function of the ``SynthSpec``: the same spec gives the same rows, ids included.
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from upstander.errors import InvalidInput

# Published shape (see the module docstring).
ALLEGATIONS_PER_SUBJECT = 18_589 / 8_917
SHARE_IN_SEVERAL_COMPLAINTS = 1_809 / 8_917
# A case there may be about several people, so the figures do not say how many complaints a repeat
# subject has; here each complaint is about one person and a repeat subject has 2 + Poisson(0.5).
EXTRA_COMPLAINTS_OF_REPEATS = 0.5
COMPLAINTS_PER_SUBJECT = 1 + SHARE_IN_SEVERAL_COMPLAINTS * (1 + EXTRA_COMPLAINTS_OF_REPEATS)
ALLEGATIONS_PER_COMPLAINT = ALLEGATIONS_PER_SUBJECT / COMPLAINTS_PER_SUBJECT

COMMANDS_PER_FORCE, UNITS_PER_COMMAND = 3, 4
SERIAL_ALLEGATIONS = 6
SERIAL_WITHIN_DAYS = 300
SERIAL_CATEGORY = "sexual_misconduct"
REFERENCE_GROUP = "White"

# (ethnicity, share of the workforce, planted relative rate of entry); None is "not recorded".
DEFAULT_ETHNICITIES: tuple[tuple[str, float, float], ...] = (
    ("White", 0.80, 1.0),
    ("Asian", 0.08, 1.4),
    ("Black", 0.06, 1.8),
    ("Mixed", 0.04, 1.2),
    ("Other", 0.02, 1.0),
)
RANKS = (
    ("Police Constable", 0.66),
    ("Police Sergeant", 0.13),
    ("Inspector", 0.05),
    ("Chief Inspector", 0.015),
    ("Superintendent", 0.008),
    ("Chief Superintendent", 0.004),
    ("Police Staff", 0.13),
)
SEXES = (("male", 0.64), ("female", 0.35), ("not recorded", 0.01))
CATEGORIES = (
    ("discrimination", 0.12),
    ("bullying", 0.16),
    ("abuse_of_position", 0.1),
    ("sexual_harassment", 0.06),
    ("corruption", 0.05),
    ("drink_drug_driving", 0.03),
    ("domestic_abuse", 0.03),
    ("other", 0.45),
)
CHANNELS = (("public_complaint", 0.8), ("internal_report", 0.15), ("import", 0.05))
GIVEN_NAMES = (
    "Alex",
    "Amira",
    "Ben",
    "Chloe",
    "Daniel",
    "Elena",
    "Farah",
    "George",
    "Hannah",
    "Imran",
    "Jack",
    "Kiran",
    "Laura",
    "Mohammed",
    "Nadia",
    "Oliver",
    "Priya",
    "Rhys",
    "Sophie",
    "Tom",
    "Uma",
    "Victor",
    "Wendy",
    "Yusuf",
    "Zara",
    "Aled",
    "Bethan",
    "Ciaran",
    "Deborah",
    "Emeka",
)
FAMILY_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Robinson",
    "Thompson",
    "White",
    "Hughes",
    "Edwards",
    "Green",
    "Hall",
    "Wood",
    "Harris",
    "Lewis",
    "Martin",
    "Jackson",
    "Clarke",
    "Okafor",
    "Mensah",
    "Begum",
    "Hussain",
    "Ali",
    "Murphy",
    "Kelly",
    "Singh",
    "Chen",
    "Nowak",
    "Campbell",
    "Reid",
)

# Stage probabilities, each given the stage before: 58% of assessed allegations end with no case to answer.
ASSESSED, INVESTIGATED, CASE_TO_ANSWER, PROVEN = 0.95, 0.6, 0.7, 0.55
NO_CASE_TO_ANSWER = 1 - INVESTIGATED * CASE_TO_ANSWER

KIND_UNIT, KIND_PERSON, KIND_COMPLAINT, KIND_ALLEGATION, KIND_COMPLAINANT = range(1, 6)


@dataclass(frozen=True)
class SynthSpec:
    """What to make. ``until`` is the last day of the period, which runs ``years`` whole years back."""

    forces: int = 43
    years: int = 10
    allegations: int = 20_000
    seed: int = 1
    until: date = date(2025, 12, 31)
    base_entry_rate: float = 0.3
    ethnicities: tuple[tuple[str, float, float], ...] = DEFAULT_ETHNICITIES
    serial_offenders: int = 10
    source: str = "synth"

    def __post_init__(self) -> None:
        if not 1 <= self.forces <= 99:
            raise InvalidInput("The number of forces must be between 1 and 99.", fields={"forces": "range"})
        if not 1 <= self.years <= 50:
            raise InvalidInput("The number of years must be between 1 and 50.", fields={"years": "range"})
        if self.allegations < 10:
            raise InvalidInput("Ask for at least 10 allegations.", fields={"allegations": "too few"})
        if not 0 < self.base_entry_rate <= 1:
            raise InvalidInput("The base entry rate is a probability.", fields={"base_entry_rate": "range"})
        if not self.ethnicities or self.ethnicities[0][2] != 1.0:
            raise InvalidInput(
                "The first ethnic group is the reference: its relative rate must be 1.",
                fields={"ethnicities": "reference"},
            )
        if any(share <= 0 or rate <= 0 for _, share, rate in self.ethnicities):
            raise InvalidInput("Shares and rates must be positive.", fields={"ethnicities": "range"})
        if self.base_entry_rate * max(rate for _, _, rate in self.ethnicities) > 1:
            raise InvalidInput(
                "base_entry_rate times the largest relative rate must not exceed 1.",
                fields={"base_entry_rate": "too high"},
            )
        if self.serial_offenders < 0:
            raise InvalidInput(
                "The number of serial offenders cannot be negative.", fields={"serial": "range"}
            )

    @property
    def first_day(self) -> date:
        """The day after the same date ``years`` years before ``until`` (29 February counts as the 28th)."""
        day = min(self.until.day, 28) if self.until.month == 2 else self.until.day
        return self.until.replace(year=self.until.year - self.years, day=day) + timedelta(days=1)

    @property
    def relative_entry(self) -> dict[str, float]:
        return {group: rate for group, _, rate in self.ethnicities}


@dataclass
class Table:
    """Rows of one table, as tuples in the order of ``columns``, ready for a bulk load."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


@dataclass(frozen=True)
class SerialOffender:
    person_id: uuid.UUID
    staff_number: str
    allegation_ids: tuple[uuid.UUID, ...]


@dataclass
class SynthData:
    spec: SynthSpec
    tables: list[Table]
    serial_offenders: list[SerialOffender]
    headcount: dict[str, int]
    entrants: dict[str, int]

    def table(self, name: str) -> Table:
        return next(table for table in self.tables if table.name == name)

    def manifest(self) -> dict[str, Any]:
        """The planted truths and the sizes reached, as JSON-ready values."""
        spec = self.spec
        return {
            "seed": spec.seed,
            "source": spec.source,
            "period": {"start": spec.first_day.isoformat(), "end": spec.until.isoformat()},
            "sizes": {table.name: len(table.rows) for table in self.tables},
            "relative_rate_of_entry": {
                "stage": "reported, against the workforce headcount",
                "reference": spec.ethnicities[0][0],
                "base_entry_rate": spec.base_entry_rate,
                "planted": spec.relative_entry,
                "headcount": self.headcount,
                "entered": self.entrants,
            },
            "stage_probabilities": {
                "assessed": ASSESSED,
                "investigated_of_assessed": INVESTIGATED,
                "case_to_answer_of_investigated": CASE_TO_ANSWER,
                "proven_of_case_to_answer": PROVEN,
                "no_case_to_answer_of_assessed": round(NO_CASE_TO_ANSWER, 4),
            },
            "serial_offenders": [
                {
                    "person_id": str(offender.person_id),
                    "staff_number": offender.staff_number,
                    "allegations": len(offender.allegation_ids),
                    "within_days": SERIAL_WITHIN_DAYS,
                    "category_twice": SERIAL_CATEGORY,
                }
                for offender in self.serial_offenders
            ],
        }


def synth_id(spec: SynthSpec, kind: int, serial: int) -> uuid.UUID:
    """A deterministic id: the kind and the seed in the top bits, a serial number below."""
    return uuid.UUID(int=_id_base(spec, kind) | serial)


def _id_base(spec: SynthSpec, kind: int) -> int:
    return (0x5E << 120) | (kind << 112) | ((spec.seed % 2**48) << 64)


def _picker(choices: Sequence[tuple[Any, ...]]) -> tuple[list[Any], list[float]]:
    total = sum(choice[1] for choice in choices)
    values = [choice[0] for choice in choices]
    running, cumulative = 0.0, []
    for choice in choices:
        running += choice[1] / total
        cumulative.append(running)
    return values, cumulative


def _draw(rng: random.Random, picker: tuple[list[Any], list[float]]) -> Any:
    """One value by its weight: a bisection of the running shares (``random.choices`` is several times slower)."""
    values, cumulative = picker
    return values[min(bisect.bisect(cumulative, rng.random()), len(values) - 1)]


def _below(rng: random.Random, count: int) -> int:
    """A whole number from 0 to ``count - 1``, each as likely."""
    return int(rng.random() * count)


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the small means used here."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def _prefix(spec: SynthSpec) -> str:
    return f"SY{spec.seed}"


def units(spec: SynthSpec) -> tuple[Table, list[uuid.UUID]]:
    """Forces, each with its commands and their units: a three-level tree; the leaves hold people."""
    table = Table("org_units", ("id", "parent_id", "kind", "code", "name"))
    leaves: list[uuid.UUID] = []
    serial = 0
    prefix = _prefix(spec)
    for force in range(1, spec.forces + 1):
        serial += 1
        force_id = synth_id(spec, KIND_UNIT, serial)
        table.rows.append((force_id, None, "force", f"{prefix}-F{force:02d}", f"Synthetic force {force:02d}"))
        for command in range(1, COMMANDS_PER_FORCE + 1):
            serial += 1
            command_id = synth_id(spec, KIND_UNIT, serial)
            code = f"{prefix}-F{force:02d}-C{command}"
            table.rows.append((command_id, force_id, "command", code, f"Force {force:02d} command {command}"))
            for unit in range(1, UNITS_PER_COMMAND + 1):
                serial += 1
                unit_id = synth_id(spec, KIND_UNIT, serial)
                table.rows.append((unit_id, command_id, "unit", f"{code}-U{unit}", f"{code} unit {unit}"))
                leaves.append(unit_id)
    return table, leaves


def workforce_size(spec: SynthSpec) -> int:
    """People needed for about ``spec.allegations`` allegations at the planted entry rates."""
    total_share = sum(share for _, share, _ in spec.ethnicities)
    mean_rate = sum(share * rate for _, share, rate in spec.ethnicities) / total_share
    subjects = spec.allegations / ALLEGATIONS_PER_SUBJECT
    return max(20, math.ceil(subjects / (spec.base_entry_rate * mean_rate)))


def _complaints_of(rng: random.Random) -> int:
    if rng.random() >= SHARE_IN_SEVERAL_COMPLAINTS:
        return 1
    return 2 + _poisson(rng, EXTRA_COMPLAINTS_OF_REPEATS)


def _allegations_of(rng: random.Random) -> int:
    return 1 + _poisson(rng, ALLEGATIONS_PER_COMPLAINT - 1)


def _stage(rng: random.Random) -> int:
    """How far an allegation went: 0 not yet assessed, 1 assessed, 2 investigated, 3 case to answer, 4 proven."""
    rank = 0
    for probability in (ASSESSED, INVESTIGATED, CASE_TO_ANSWER, PROVEN):
        if rng.random() >= probability:
            break
        rank += 1
    return rank


FINDINGS = {1: "no case to answer", 2: "no case to answer", 3: "case to answer", 4: "proven"}
SANCTIONS = ("written warning", "final written warning", "management action", "dismissal")


def _people(
    spec: SynthSpec, rng: random.Random, leaves: Sequence[uuid.UUID]
) -> tuple[Table, dict[str, int], dict[str, int], list[tuple[uuid.UUID, str]]]:
    """The workforce, and who among them enters (is the subject of something) at the planted rates."""
    first, last = spec.first_day, spec.until
    count = workforce_size(spec)
    groups = _picker([(group, share) for group, share, _ in spec.ethnicities])
    ranks, sexes = _picker(RANKS), _picker(SEXES)
    entry = spec.relative_entry
    people = Table(
        "people",
        (
            "id",
            "staff_number",
            "given_name",
            "family_name",
            "other_names",
            "rank",
            "unit_id",
            "employment_status",
            "date_of_birth",
            "birth_year",
            "joined_on",
            "left_on",
            "ethnicity",
            "sex",
            "protected_characteristics",
        ),
    )
    headcount: dict[str, int] = dict.fromkeys(entry, 0)
    entrants: dict[str, int] = dict.fromkeys(entry, 0)
    subjects: list[tuple[uuid.UUID, str]] = []
    prefix = _prefix(spec)
    person_base = _id_base(spec, KIND_PERSON)
    for index in range(count):
        person_id = uuid.UUID(int=person_base | index)
        group = _draw(rng, groups)
        staff_number = f"{prefix}-{index:07d}"
        age_days = 20 * 365 + _below(rng, 40 * 365)
        born = last - timedelta(days=age_days)
        # everyone serves throughout the period, so the headcount of any part of it is the whole workforce
        joined = first - timedelta(days=30 + _below(rng, age_days - 18 * 365))
        people.rows.append(
            (
                person_id,
                staff_number,
                GIVEN_NAMES[_below(rng, len(GIVEN_NAMES))],
                FAMILY_NAMES[_below(rng, len(FAMILY_NAMES))],
                [],
                _draw(rng, ranks),
                leaves[_below(rng, len(leaves))],
                "serving",
                born,
                born.year,
                joined,
                None,
                group,
                _draw(rng, sexes),
                {},
            )
        )
        headcount[group] += 1
        if rng.random() < spec.base_entry_rate * entry[group]:
            entrants[group] += 1
            subjects.append((person_id, staff_number))
    return people, headcount, entrants, subjects


def generate(spec: SynthSpec) -> SynthData:
    """Every table's rows for ``spec``, parents first, and the truths planted in them."""
    rng = random.Random(spec.seed)  # noqa: S311 - fictional data, reproducible on purpose
    unit_table, leaves = units(spec)
    first, last = spec.first_day, spec.until
    period_days = (last - first).days + 1
    sexes = _picker(SEXES)
    people, headcount, entrants, subjects = _people(spec, rng, leaves)
    complaints = Table(
        "complaints",
        (
            "id",
            "source",
            "source_ref",
            "channel",
            "received_on",
            "incident_on",
            "closed_on",
            "filed_by_officer",
            "imported_at",
        ),
    )
    complainants = Table("complainants", ("id", "complaint_id", "ethnicity", "sex", "age"))
    allegations = Table(
        "allegations",
        (
            "id",
            "complaint_id",
            "source_ref",
            "category",
            "received_on",
            "incident_on",
            "finding",
            "closed_on",
            "stage_rank",
            "referred_to_overseer",
            "sanction",
            "person_id",
            "described",
        ),
    )
    prefix = _prefix(spec)
    categories, channels = _picker(CATEGORIES), _picker(CHANNELS)
    complainant_groups = _picker([(group, share) for group, share, _ in spec.ethnicities])
    imported_at = datetime.combine(spec.until + timedelta(days=1), time(), UTC)
    serial_count = min(spec.serial_offenders, len(subjects))
    serial_people = set(rng.sample(range(len(subjects)), serial_count)) if serial_count else set()
    serial_offenders: list[SerialOffender] = []
    complaint_base, complainant_base = _id_base(spec, KIND_COMPLAINT), _id_base(spec, KIND_COMPLAINANT)
    allegation_base = _id_base(spec, KIND_ALLEGATION)

    def add_complaint(person_id: uuid.UUID, received: date, sizes: Sequence[str]) -> list[uuid.UUID]:
        serial = len(complaints.rows)
        complaint_id = uuid.UUID(int=complaint_base | serial)
        reference = f"{prefix}-C{serial:08d}"
        open_for = min(int(rng.lognormvariate(math.log(120), 0.9)), 3000)
        closed = received + timedelta(days=open_for)
        channel = _draw(rng, channels)
        complaints.rows.append(
            (
                complaint_id,
                spec.source,
                reference,
                channel,
                received,
                received - timedelta(days=_below(rng, 31)),
                closed if closed <= last else None,
                channel == "internal_report",
                imported_at,
            )
        )
        if rng.random() < 0.85:
            complainants.rows.append(
                (
                    uuid.UUID(int=complainant_base | serial),
                    complaint_id,
                    _draw(rng, complainant_groups),
                    _draw(rng, sexes),
                    16 + _below(rng, 74),
                )
            )
        ids = []
        for category in sizes:
            number = len(allegations.rows)
            allegation_id = uuid.UUID(int=allegation_base | number)
            rank = _stage(rng) if closed <= last else min(_stage(rng), 2)
            allegations.rows.append(
                (
                    allegation_id,
                    complaint_id,
                    f"{reference}/{number}",
                    category,
                    received,
                    received - timedelta(days=_below(rng, 31)),
                    FINDINGS.get(rank),
                    closed if closed <= last and rank > 0 else None,
                    rank,
                    rank >= 1 and rng.random() < 0.06,
                    rng.choice(SANCTIONS) if rank == 4 else None,
                    person_id,
                    {},
                )
            )
            ids.append(allegation_id)
        return ids

    for position, (person_id, staff_number) in enumerate(subjects):
        for _ in range(_complaints_of(rng)):
            received = first + timedelta(days=_below(rng, period_days))
            add_complaint(person_id, received, [_draw(rng, categories) for _ in range(_allegations_of(rng))])
        if position in serial_people:
            start = first + timedelta(days=rng.randrange(max(1, period_days - SERIAL_WITHIN_DAYS)))
            planted: list[uuid.UUID] = []
            for burst in range(SERIAL_ALLEGATIONS):
                received = start + timedelta(days=burst * (SERIAL_WITHIN_DAYS // SERIAL_ALLEGATIONS))
                category = SERIAL_CATEGORY if burst < 2 else _draw(rng, categories)
                planted += add_complaint(person_id, min(received, last), [category])
            serial_offenders.append(SerialOffender(person_id, staff_number, tuple(planted)))
    return SynthData(
        spec,
        [unit_table, people, complaints, complainants, allegations],
        serial_offenders,
        headcount,
        entrants,
    )


def entry_rates(headcount: Mapping[str, int], entered: Mapping[str, int], reference: str) -> dict[str, float]:
    """Each group's rate of entry over the reference group's, from counts (the manifest's own check)."""
    reference_rate = entered[reference] / headcount[reference]
    return {
        group: (entered[group] / headcount[group]) / reference_rate for group in headcount if headcount[group]
    }


def demo_spec(today: date) -> SynthSpec:
    """The small synth `upstander demo` loads: three years to the end of the last complete month, so the
    transparency page's current year (which runs to that day) and the years before show real figures."""
    last_month_end = today.replace(day=1) - timedelta(days=1)
    return SynthSpec(
        forces=3, years=3, allegations=1_500, seed=2026, until=last_month_end, serial_offenders=3
    )
