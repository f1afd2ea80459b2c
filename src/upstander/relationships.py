"""Whether a member of staff is tied to a case or a report: the relationship half of the access table.

A tie is cryptographic, not a list kept beside the data: a person is tied to a case when the case's
private key has been sealed to them, and to a report when its key, or its case's key, has been.
Checking the grant before a route runs lets the route answer 404 for anything the person could
never open, before it reads or validates anything else.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select

from upstander.access import Scope
from upstander.cases.models import CaseKeyGrant
from upstander.db import Database
from upstander.reports.models import Report, ReportKeyGrant


class Relationships:
    def __init__(self, database: Database) -> None:
        self.database = database

    def tied(self, user_id: uuid.UUID, scope: Scope, object_id: uuid.UUID) -> bool:
        with self.database.transaction() as session:
            if scope is Scope.CASE:
                return session.get(CaseKeyGrant, (object_id, user_id)) is not None
            if scope is Scope.REPORT:
                if session.get(ReportKeyGrant, (object_id, user_id)) is not None:
                    return True
                case_id = session.scalar(select(Report.case_id).where(Report.id == object_id))
                return case_id is not None and session.get(CaseKeyGrant, (case_id, user_id)) is not None
            return True
