"""JSON route for vetting checks: barred list, advisory list and case history, for hiring and transfers."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from upstander.org.vetting import Purpose, VettingQuery
from upstander.org.vetting_verdict import VettingMatch, VettingResult
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["vetting"])


class VettingCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_number: str | None = Field(default=None, max_length=40)
    given_name: str | None = Field(default=None, max_length=120)
    family_name: str | None = Field(default=None, max_length=120)
    date_of_birth: date | None = None
    purpose: Purpose = Field(description="hiring, or a transfer from another force")


class MatchOut(BaseModel):
    source: str = Field(description="barred_list, advisory_list or staff_record")
    strength: str = Field(description="certain, likely or possible")
    score: int
    reason: str = Field(description="Why this record matched, in plain words")
    record: str = Field(description="What the record says, in plain words")
    name: str
    staff_number: str | None
    force_name: str | None
    case_reference: str | None
    listed_because: str | None
    listed_on: date | None
    review_on: date | None
    employment_status: str | None
    open_cases: list[str]
    closed_cases: list[str]


class VettingResultOut(BaseModel):
    check_id: uuid.UUID
    purpose: str
    checked_at: datetime
    verdict: str = Field(
        description="barred, advisory_list, open_cases, possible_match, past_cases or no_record"
    )
    summary: str
    findings: list[str]
    matches: list[MatchOut]


@router.post("/vetting/checks", response_model=VettingResultOut)
def run_check(body: VettingCheckIn, staff: ApiStaff, services: ServicesDep) -> VettingResultOut:
    """Is this person barred, on the advisory list, or named in open or past cases? Give a staff
    number, or a family name and a date of birth (a given name helps). Every check is audited."""
    query = VettingQuery(
        purpose=body.purpose,
        staff_number=body.staff_number,
        given_name=body.given_name,
        family_name=body.family_name,
        date_of_birth=body.date_of_birth,
    )
    return result_out(services.vetting.check(staff, query))


def result_out(result: VettingResult) -> VettingResultOut:
    return VettingResultOut(
        check_id=result.check_id,
        purpose=result.purpose.value,
        checked_at=result.checked_at,
        verdict=result.verdict.value,
        summary=result.summary,
        findings=list(result.findings),
        matches=[_match_out(match) for match in result.matches],
    )


def _match_out(match: VettingMatch) -> MatchOut:
    return MatchOut(
        source=match.source.value,
        strength=match.strength.label,
        score=match.score,
        reason=match.reason,
        record=match.record,
        name=match.name,
        staff_number=match.staff_number,
        force_name=match.force_name,
        case_reference=match.case_reference,
        listed_because=match.listed_because,
        listed_on=match.listed_on,
        review_on=match.review_on,
        employment_status=match.employment_status,
        open_cases=list(match.open_cases),
        closed_cases=list(match.closed_cases),
    )
