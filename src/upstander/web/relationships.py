"""Whether a member of staff is tied to a case or a report: the relationship half of the access table.

A tie is cryptographic, not a list kept beside the data: a person is tied to a case when the case's
private key has been sealed to them, to a report when its key, or its case's key, has been, and to an
escrow report when their own private key derives its reporter reference. A representative is tied
to a case while the subject's consent for them holds.
Checking the grant before a route runs lets the route answer 404 for anything the person could
never open, before it reads or validates anything else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.access import Scope
from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal
from upstander.cases.models import RepresentativeConsent
from upstander.db import Database
from upstander.patterns.escrow.models import EscrowedReport
from upstander.patterns.escrow.service import reporter_ref
from upstander.reports import keys as keyring
from upstander.reports.models import Report, ReportKeyGrant
from upstander.safeguarding.models import RelationshipDeclaration


class Relationships:
    def __init__(self, database: Database) -> None:
        self.database = database

    def tied(self, principal: StaffPrincipal, scope: Scope, object_id: uuid.UUID) -> bool:
        if scope is Scope.NONE:
            return True
        with self.database.transaction() as session:
            return TIES[scope](session, principal, object_id)


def _case(session: Session, principal: StaffPrincipal, case_id: uuid.UUID) -> bool:
    return keyring.can_read_case(session, case_id, principal.user_id)


def _report(session: Session, principal: StaffPrincipal, report_id: uuid.UUID) -> bool:
    if session.get(ReportKeyGrant, (report_id, principal.user_id)) is not None:
        return True
    case_id = session.scalar(select(Report.case_id).where(Report.id == report_id))
    return case_id is not None and keyring.can_read_case(session, case_id, principal.user_id)


def _escrowed(session: Session, principal: StaffPrincipal, escrowed_id: uuid.UUID) -> bool:
    # An escrow report carries no user id: only its reporter's key derives its reference.
    row = session.get(EscrowedReport, escrowed_id)
    return row is not None and crypto.constant_time_equal(
        row.reporter_ref, reporter_ref(principal.private_key)
    )


def _represented(session: Session, principal: StaffPrincipal, case_id: uuid.UUID) -> bool:
    consent = session.scalar(
        select(RepresentativeConsent.id).where(
            RepresentativeConsent.case_id == case_id,
            RepresentativeConsent.representative_id == principal.user_id,
            RepresentativeConsent.withdrawn_at.is_(None),
        )
    )
    return consent is not None


def _consent(session: Session, principal: StaffPrincipal, consent_id: uuid.UUID) -> bool:
    consent = session.get(RepresentativeConsent, consent_id)
    if consent is None:
        return False
    if consent.representative_id == principal.user_id:
        return True  # a representative may always step down
    me = session.get(User, principal.user_id)
    if me is not None and me.person_id == consent.person_id:
        return True  # the subject's own account
    return access.allowed(principal.roles, access.Action.RECORD_CONSENT) and keyring.can_read_case(
        session, consent.case_id, principal.user_id
    )


def _declaration(session: Session, principal: StaffPrincipal, declaration_id: uuid.UUID) -> bool:
    declaration = session.get(RelationshipDeclaration, declaration_id)
    return declaration is not None and (
        declaration.user_id == principal.user_id
        or access.allowed(principal.roles, access.Action.RECORD_DECLARATION)
    )


TIES: dict[Scope, Callable[[Session, StaffPrincipal, uuid.UUID], bool]] = {
    Scope.CASE: _case,
    Scope.REPORT: _report,
    Scope.ESCROWED: _escrowed,
    Scope.REPRESENTED: _represented,
    Scope.CONSENT: _consent,
    Scope.DECLARATION: _declaration,
}
