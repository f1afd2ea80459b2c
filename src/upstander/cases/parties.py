"""The parties of a case: the people it is about (subjects) and the people who complained.

A person is a party through a report's named subject, an allegation, or a complaint's
complainant; conflicts of interest and representatives' consents both start from this list.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander.cases.models import Allegation, Complainant, Complaint
from upstander.reports.models import Report, ReportSubject


class PartyRole(StrEnum):
    SUBJECT = "subject"
    COMPLAINANT = "complainant"


def case_people(
    session: Session, *, case_ids: Collection[uuid.UUID] = (), person_ids: Collection[uuid.UUID] = ()
) -> dict[uuid.UUID, dict[uuid.UUID, PartyRole]]:
    """For each case (of those given, or concerning the people given): its parties and their role."""
    found: dict[uuid.UUID, dict[uuid.UUID, PartyRole]] = defaultdict(dict)
    case_col = func.coalesce(Complaint.case_id, Report.case_id)
    queries = [
        (
            select(Report.case_id, ReportSubject.person_id).join(
                ReportSubject, ReportSubject.report_id == Report.id
            ),
            Report.case_id,
            ReportSubject.person_id,
            PartyRole.SUBJECT,
        ),
        (
            select(case_col, Allegation.person_id)
            .select_from(Allegation)
            .join(Complaint, Complaint.id == Allegation.complaint_id)
            .outerjoin(Report, Report.id == Complaint.report_id),
            case_col,
            Allegation.person_id,
            PartyRole.SUBJECT,
        ),
        (
            select(case_col, Complainant.person_id)
            .select_from(Complainant)
            .join(Complaint, Complaint.id == Complainant.complaint_id)
            .outerjoin(Report, Report.id == Complaint.report_id),
            case_col,
            Complainant.person_id,
            PartyRole.COMPLAINANT,
        ),
    ]
    for base, case_column, person_column, role in queries:
        query = base.where(case_column.is_not(None), person_column.is_not(None))
        if case_ids:
            query = query.where(case_column.in_(list(case_ids)))
        if person_ids:
            query = query.where(person_column.in_(list(person_ids)))
        for case_id, person_id in session.execute(query):
            # A person both complained and is complained about: the subject role is the stronger.
            if case_id is None or person_id is None:
                continue
            if found[case_id].get(person_id) is not PartyRole.SUBJECT:
                found[case_id][person_id] = role
    return found
