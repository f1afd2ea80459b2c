"""JSON routes for escrow reports: file one, list my own, withdraw one of mine."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.patterns.escrow import rules as escrow_rules
from upstander.patterns.escrow.filing import EscrowFiling
from upstander.patterns.escrow.service import ALREADY_NAMED, MyEscrowReport
from upstander.reports.models import Category, ReporterRelation
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1/escrow", tags=["escrow"])


class NamedPersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_number: str = ""
    name: str = ""
    unit: str = Field(default="", description="Needed with a name: a name matches only within its unit")


class EscrowReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    relation: ReporterRelation = ReporterRelation.VICTIM
    what_happened: str
    when: str = ""
    where: str = ""
    person: NamedPersonIn
    threshold: int = Field(
        default=escrow_rules.DEFAULT_THRESHOLD,
        description="k: how many different people must name this person before the reports open",
    )


class EscrowFiledOut(BaseModel):
    id: uuid.UUID
    status: str
    opened_reports: int = Field(description="Escrow reports (this one included) this filing opened")
    already_named: bool
    message: str
    in_process_key_service: bool


class EscrowReportOut(BaseModel):
    id: uuid.UUID
    filed_on: date
    threshold: int
    status: str
    status_text: str
    opened_at: datetime | None
    withdrawn_on: date | None
    person: str
    category: str


def _out(item: MyEscrowReport) -> EscrowReportOut:
    return EscrowReportOut(
        id=item.id,
        filed_on=item.filed_on,
        threshold=item.threshold,
        status=item.status.value,
        status_text=item.status_text,
        opened_at=item.opened_at,
        withdrawn_on=item.withdrawn_on,
        person=item.person,
        category=item.category,
    )


@router.post("/reports", status_code=201, response_model=EscrowFiledOut)
def file_report(body: EscrowReportIn, staff: ApiStaff, services: ServicesDep) -> EscrowFiledOut:
    """Escrow a report: it opens to the PSD only when k different people have named the same person."""
    filing = EscrowFiling(
        category=body.category,
        relation=body.relation,
        what_happened=body.what_happened,
        when=body.when,
        where=body.where,
        person=escrow_rules.NamedPerson(
            staff_number=body.person.staff_number, name=body.person.name, unit=body.person.unit
        ),
        threshold=body.threshold,
    )
    result = services.escrow.file(staff, filing)
    if result.opened_reports:
        message = "Others had named the same person: the reports are now open to the professional standards department."
    else:
        message = ALREADY_NAMED if result.already_named else "Your report is in escrow."
    return EscrowFiledOut(
        id=result.escrowed_report_id,
        status=result.status.value,
        opened_reports=result.opened_reports,
        already_named=result.already_named,
        message=message,
        in_process_key_service=services.escrow.in_process,
    )


@router.get("/reports", response_model=list[EscrowReportOut])
def my_reports(staff: ApiStaff, services: ServicesDep) -> list[EscrowReportOut]:
    """The signed-in member of staff's own escrow reports and their status."""
    return [_out(item) for item in services.escrow.mine(staff)]


@router.post("/reports/{escrowed_id}/withdraw", status_code=204)
def withdraw(escrowed_id: uuid.UUID, staff: ApiStaff, services: ServicesDep) -> Response:
    """Withdraw one of my escrow reports that has not opened; its shares and content are deleted."""
    services.escrow.withdraw(staff, escrowed_id)
    return Response(status_code=204)
