"""Escrow filings for tests: a member of staff naming a person, through the service."""

from __future__ import annotations

from dataclasses import replace

from common.staff import Staff, TestUser
from upstander.accounts.models import Role
from upstander.patterns.escrow.filing import EscrowFiling
from upstander.patterns.escrow.rules import NamedPerson
from upstander.patterns.escrow.service import FilingResult
from upstander.reports.models import Category, ReporterRelation

FILING = EscrowFiling(
    category=Category.SEXUAL_HARASSMENT,
    relation=ReporterRelation.VICTIM,
    what_happened="He cornered me in the locker room and touched me.",
    person=NamedPerson(name="José Álvarez-Núñez", unit="Northgate Response"),
)


def member(staff: Staff, name: str) -> TestUser:
    """An ordinary member of staff: may file and follow escrow reports, nothing else."""
    return staff.user(f"officer-{name}", [Role.STAFF])


def file(staff: Staff, user: TestUser, **changes: object) -> FilingResult:
    return staff.services.escrow.file(staff.principal(user), replace(FILING, **changes))  # type: ignore[arg-type]


def escrow_json(**changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "category": "sexual_harassment",
        "relation": "victim",
        "what_happened": "He cornered me in the locker room and touched me.",
        "person": {"name": "José Álvarez-Núñez", "unit": "Northgate Response"},
    }
    body.update(changes)
    return body
