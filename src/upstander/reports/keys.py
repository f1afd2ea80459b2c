"""Reaching a report's or case's private key through the keys sealed to a reader.

A reader holds a report key directly (intake readers get one when the report arrives) or
through a case: the case key is sealed to them and the report key to the case. Having no
sealed key is the cryptographic refusal; the role table is the other half (access.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy.orm import Session

from upstander import crypto
from upstander.errors import NotAllowed
from upstander.reports.models import CaseKeyGrant, Report, ReportKeyGrant

NO_REPORT_ACCESS = "You have not been given access to this report."
NO_CASE_ACCESS = "You have not been given access to this case."


def case_private_key(
    session: Session, case_id: uuid.UUID, user_id: uuid.UUID, user_private_key: bytes
) -> bytes:
    grant = session.get(CaseKeyGrant, (case_id, user_id))
    if grant is None:
        raise NotAllowed(NO_CASE_ACCESS, code="no_case_key")
    return crypto.unseal(user_private_key, grant.sealed_private_key)


def can_read_case(session: Session, case_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return session.get(CaseKeyGrant, (case_id, user_id)) is not None


def require_case_reader(session: Session, case_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Refuse someone the case key was never sealed to (for reads that need no content)."""
    if session.get(CaseKeyGrant, (case_id, user_id)) is None:
        raise NotAllowed(NO_CASE_ACCESS, code="no_case_key")


def report_private_key(
    session: Session, report: Report, user_id: uuid.UUID, user_private_key: bytes
) -> bytes:
    grant = session.get(ReportKeyGrant, (report.id, user_id))
    if grant is not None:
        return crypto.unseal(user_private_key, grant.sealed_private_key)
    if (
        report.case_id is not None
        and report.case_sealed_private_key is not None
        and session.get(CaseKeyGrant, (report.case_id, user_id)) is not None
    ):
        case_key = case_private_key(session, report.case_id, user_id, user_private_key)
        return crypto.unseal(case_key, report.case_sealed_private_key)
    raise NotAllowed(NO_REPORT_ACCESS, code="no_report_key")


def can_open_report(session: Session, report: Report, user_id: uuid.UUID) -> bool:
    if session.get(ReportKeyGrant, (report.id, user_id)) is not None:
        return True
    return report.case_id is not None and session.get(CaseKeyGrant, (report.case_id, user_id)) is not None


def grant_case_key(
    session: Session, case_id: uuid.UUID, private_key: bytes, readers: Mapping[uuid.UUID, bytes]
) -> None:
    for user_id, public_key in readers.items():
        if session.get(CaseKeyGrant, (case_id, user_id)) is None:
            session.add(
                CaseKeyGrant(
                    case_id=case_id, user_id=user_id, sealed_private_key=crypto.seal(public_key, private_key)
                )
            )
