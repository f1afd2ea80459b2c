"""Whether a member of staff is tied to a case or a report: the relationship half of the access table.

A tie is cryptographic, not a list kept beside the data: a person is tied to a case when the case's
private key has been sealed to them, to a report when its key, or its case's key, has been, and to an
escrow report when their own private key derives its reporter reference.
Checking the grant before a route runs lets the route answer 404 for anything the person could
never open, before it reads or validates anything else.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from upstander import crypto
from upstander.access import Scope
from upstander.accounts.service import StaffPrincipal
from upstander.cases.models import CaseKeyGrant
from upstander.db import Database
from upstander.patterns.escrow_models import EscrowedReport
from upstander.patterns.escrow_service import reporter_ref
from upstander.reports.models import Report, ReportKeyGrant


class Relationships:
    def __init__(self, database: Database) -> None:
        self.database = database

    def tied(self, principal: StaffPrincipal, scope: Scope, object_id: uuid.UUID) -> bool:
        user_id = principal.user_id
        with self.database.transaction() as session:
            if scope is Scope.CASE:
                return session.get(CaseKeyGrant, (object_id, user_id)) is not None
            if scope is Scope.REPORT:
                if session.get(ReportKeyGrant, (object_id, user_id)) is not None:
                    return True
                case_id = session.scalar(select(Report.case_id).where(Report.id == object_id))
                return case_id is not None and session.get(CaseKeyGrant, (case_id, user_id)) is not None
            if scope is Scope.ESCROWED:
                # An escrow report carries no user id: only its reporter's key derives its reference.
                row = session.get(EscrowedReport, object_id)
                return row is not None and crypto.constant_time_equal(
                    row.reporter_ref, reporter_ref(principal.private_key)
                )
            return True
