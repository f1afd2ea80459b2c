"""Reaching a report's or case's private key through the keys sealed to a reader.

A reader holds a report key directly (intake readers get one when the report arrives) or
through a case: the case key is sealed to them and the report key to the case. Having no
sealed key is the cryptographic refusal; the role table is the other half (access.py).

A report key has versions (reports/rotation.py): the current one is in `ReportKeyGrant` and
`Report.case_sealed_private_key`; older ones, sealed to those still entitled, in
`RetiredReportKey`. Every sealed item records the version it was sealed with, and is opened
with that version.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from upstander import crypto
from upstander.errors import NotAllowed
from upstander.reports.models import CaseKeyGrant, Report, ReportKeyGrant, RetiredReportKey

NO_REPORT_ACCESS = "You have not been given access to this report."
NO_CASE_ACCESS = "You have not been given access to this case."
NO_KEY_VERSION = "Part of this report was sealed with a key you were not given."


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


def lock_for_sealing(session: Session, report: Report) -> Report:
    """Read the report's current key version afresh under its row lock before sealing to it.

    A reader's removal replaces the key under the same lock (reports/rotation.py), so new material
    is sealed either before the removal (and moves to the old version with everything else) or
    after it, with the new version; never with a key version the removal has already retired."""
    current = session.execute(
        select(Report.public_key, Report.key_version)
        .where(Report.id == report.id)
        .with_for_update(key_share=True)
    ).one()
    # Loaded values, not changes: the row's version (what a form checks) does not move for this.
    set_committed_value(report, "public_key", current.public_key)
    set_committed_value(report, "key_version", current.key_version)
    return report


class ReportKeys:
    """Every version of one report's private key a reader can open, each opened when first needed.

    Opening the current version checks the reader holds it (refused as `report_private_key` is);
    the older versions are read in one query, the first time an item sealed with one is opened."""

    def __init__(self, session: Session, report: Report, user_id: uuid.UUID, user_private_key: bytes) -> None:
        self._session = session
        self._report = report
        self._user_id = user_id
        self._user_private_key = user_private_key
        self._opened = {report.key_version: report_private_key(session, report, user_id, user_private_key)}
        self._retired_read = False

    @property
    def current(self) -> bytes:
        return self._opened[self._report.key_version]

    def of(self, key_version: int) -> bytes:
        """The private key of one version, or a refusal naming what is missing."""
        if key_version not in self._opened and not self._retired_read:
            self._retired_read = True
            self._opened.update(
                retired_private_keys(self._session, self._report, self._user_id, self._user_private_key)
            )
        key = self._opened.get(key_version)
        if key is None:
            raise NotAllowed(NO_KEY_VERSION, code="no_report_key_version")
        return key

    def unseal(self, key_version: int, sealed: bytes) -> bytes:
        return crypto.unseal(self.of(key_version), sealed)


def retired_private_keys(
    session: Session, report: Report, user_id: uuid.UUID, user_private_key: bytes
) -> dict[int, bytes]:
    """The older versions of a report's key this reader holds, directly or through the case."""
    rows = session.execute(
        select(
            RetiredReportKey.key_version, RetiredReportKey.user_id, RetiredReportKey.sealed_private_key
        ).where(
            RetiredReportKey.report_id == report.id,
            (RetiredReportKey.user_id == user_id) | RetiredReportKey.user_id.is_(None),
        )
    ).all()
    opened: dict[int, bytes] = {}
    case_key: bytes | None = None
    for version, holder, sealed in sorted(rows, key=lambda row: row.user_id is None):
        if holder == user_id:
            opened[version] = crypto.unseal(user_private_key, sealed)
        elif (
            version not in opened
            and report.case_id is not None
            and can_read_case(session, report.case_id, user_id)
        ):
            case_key = case_key or case_private_key(session, report.case_id, user_id, user_private_key)
            opened[version] = crypto.unseal(case_key, sealed)
    return opened


def grant_retired_report_key(
    session: Session,
    report_id: uuid.UUID,
    key_version: int,
    private_key: bytes,
    readers: Mapping[uuid.UUID, bytes],
) -> None:
    """An older version sealed to more readers (an overseer sharing what they hold)."""
    for user_id, public_key in readers.items():
        session.add(
            RetiredReportKey(
                report_id=report_id,
                key_version=key_version,
                user_id=user_id,
                sealed_private_key=crypto.seal(public_key, private_key),
            )
        )


def seal_retired_to_case(
    session: Session, report: Report, user_id: uuid.UUID, user_private_key: bytes, case_public_key: bytes
) -> None:
    """When a report goes into a case, the older versions its opener holds are sealed to the case
    key too, so those given the case read the report's earlier material as well as its newest."""
    for version, private_key in retired_private_keys(session, report, user_id, user_private_key).items():
        session.add(
            RetiredReportKey(
                report_id=report.id,
                key_version=version,
                user_id=None,
                sealed_private_key=crypto.seal(case_public_key, private_key),
            )
        )
