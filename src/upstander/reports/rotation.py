"""Replacing the report keys a reader could open, when they lose reading (THREAT_MODEL.md,
"Removing a reader: versioned report keys").

The server cannot open a report key (nobody need be signed in when an administrator removes a
role), so nothing is re-encrypted. For each report the removed reader held a key to, the grants
of the readers still entitled move unchanged to `RetiredReportKey` (as does the copy sealed to the
report's case key), the removed reader's copies are deleted, and a new key pair — the next
version — is sealed to those readers (and the case key) only. Material written from then on is
sealed to the new version, which the removed reader never held.

It runs in the transaction of the removal, under the report rows' locks, and its number of
statements does not grow with the number of reports.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, cast

from sqlalchemy import Table, bindparam, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts.models import User, UserRole
from upstander.reports.models import Report, ReportKeyGrant, RetiredReportKey

READING_ROLES = sorted(access.PERMISSIONS[access.Action.READ_REPORT])


class CasePublicKeys(Protocol):
    """The public key of each of these cases (cases/service.py answers it; reports sit below cases,
    so the composition root hands it in)."""

    def __call__(self, session: Session, case_ids: Collection[uuid.UUID]) -> Mapping[uuid.UUID, bytes]: ...


@dataclass(frozen=True)
class _Held:
    report_id: uuid.UUID
    key_version: int
    case_id: uuid.UUID | None
    case_sealed_private_key: bytes | None


class ReportKeyRotation:
    def __init__(
        self,
        case_public_keys: CasePublicKeys,
        new_key_pair: Callable[[], crypto.KeyPair] = crypto.generate_key_pair,
    ) -> None:
        self._case_public_keys = case_public_keys
        self._new_key_pair = new_key_pair

    def remove_reader(self, session: Session, user_id: uuid.UUID, now: datetime) -> int:
        """Replace the key of every report `user_id` holds a key to; returns how many were replaced.

        The caller has locked the account's row, so no report can be sealed to them meanwhile."""
        held = self._lock_held_reports(session, user_id)
        session.execute(delete(RetiredReportKey).where(RetiredReportKey.user_id == user_id))
        if not held:
            return 0
        by_id = {report.report_id: report for report in held}
        remaining = self._remaining_readers(session, user_id)
        case_keys = self._case_public_keys(
            session, {report.case_id for report in held if report.case_id is not None}
        )

        retired = [
            {
                "id": uuid.uuid4(),
                "report_id": report_id,
                "key_version": by_id[report_id].key_version,
                "user_id": reader_id,
                "sealed_private_key": sealed,
                "retired_at": now,
            }
            for report_id, reader_id, sealed, _public_key in remaining
        ] + [
            {
                "id": uuid.uuid4(),
                "report_id": report.report_id,
                "key_version": report.key_version,
                "user_id": None,
                "sealed_private_key": report.case_sealed_private_key,
                "retired_at": now,
            }
            for report in held
            if report.case_sealed_private_key is not None
        ]
        new_keys = {report.report_id: self._new_key_pair() for report in held}
        grants = [
            {
                "report_id": report_id,
                "user_id": reader_id,
                "sealed_private_key": crypto.seal(public_key, new_keys[report_id].private),
                "granted_at": now,
            }
            for report_id, reader_id, _sealed, public_key in remaining
        ]
        reports = [
            {
                "held_id": report.report_id,
                "new_public_key": new_keys[report.report_id].public,
                "new_key_version": report.key_version + 1,
                "new_case_sealed": crypto.seal(case_keys[report.case_id], new_keys[report.report_id].private)
                if report.case_id is not None and report.case_id in case_keys
                else None,
            }
            for report in held
        ]

        if retired:
            session.execute(insert(RetiredReportKey), retired)
        session.execute(delete(ReportKeyGrant).where(ReportKeyGrant.report_id.in_(list(by_id))))
        if grants:
            session.execute(insert(ReportKeyGrant), grants)
        table = cast(Table, Report.__table__)
        # Core, not the ORM: replacing a key is not a change a reader saw, so the row's version
        # (what a form checks before a change) stays as it was.
        session.execute(
            update(table)
            .where(table.c.id == bindparam("held_id"))
            .values(
                public_key=bindparam("new_public_key"),
                key_version=bindparam("new_key_version"),
                case_sealed_private_key=bindparam("new_case_sealed"),
            ),
            reports,
        )
        for instance in list(session.identity_map.values()):
            if isinstance(instance, Report) and instance.id in by_id:
                session.expire(instance)
        return len(held)

    @staticmethod
    def _lock_held_reports(session: Session, user_id: uuid.UUID) -> list[_Held]:
        # FOR NO KEY UPDATE: a message, note, file or disclosure seals to a report under the same
        # lock (keys.lock_for_sealing), so it waits for this transaction and then reads the new key.
        rows = session.execute(
            select(Report.id, Report.key_version, Report.case_id, Report.case_sealed_private_key)
            .where(Report.id.in_(select(ReportKeyGrant.report_id).where(ReportKeyGrant.user_id == user_id)))
            .order_by(Report.id)
            .with_for_update(key_share=True)
        ).all()
        return [_Held(*row) for row in rows]

    @staticmethod
    def _remaining_readers(
        session: Session, user_id: uuid.UUID
    ) -> list[tuple[uuid.UUID, uuid.UUID, bytes, bytes]]:
        """The other grants of those reports whose holders still read: active, with a reading role.

        Grants of holders who no longer read (removed before versioned keys) are not carried on."""
        held = select(ReportKeyGrant.report_id).where(ReportKeyGrant.user_id == user_id)
        rows = session.execute(
            select(
                ReportKeyGrant.report_id,
                ReportKeyGrant.user_id,
                ReportKeyGrant.sealed_private_key,
                User.public_key,
            )
            .join(User, User.id == ReportKeyGrant.user_id)
            .where(
                ReportKeyGrant.report_id.in_(held),
                ReportKeyGrant.user_id != user_id,
                User.active.is_(True),
                exists().where(UserRole.user_id == User.id, UserRole.role.in_(READING_ROLES)),
            )
        ).all()
        return [(row[0], row[1], row[2], row[3]) for row in rows]
