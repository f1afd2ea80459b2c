"""Giving an overseer appointed later the keys of the cases and reports that came before them.

(And the detriment-watch key, to any overseer or custodian appointed after it was made.)

A case's key is sealed to the overseers there are when it opens, and a report's to the intake team
and the overseers there are when it arrives. An overseer appointed afterwards holds no copy, and no
administrator can give one: only someone who holds a key can seal it again. So an overseer who
holds them shares them, from the oversight page, with every other active overseer who lacks them;
each sharing is one audited decision, and the keys never leave the server unsealed. The older
versions of a report's key (kept when a reader was removed, reports/rotation.py) are shared as well,
so the overseer who receives them reads what was written before the replacement too.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts import org_keys
from upstander.accounts.models import Role
from upstander.accounts.org_keys import WATCH_KEY, WATCH_KEY_HOLDERS
from upstander.accounts.service import StaffPrincipal, users_with_roles
from upstander.audit.service import AuditLog
from upstander.db import Database
from upstander.reports import keys as keyring
from upstander.reports import sealing
from upstander.reports.models import CaseKeyGrant, ReportKeyGrant, RetiredReportKey


@dataclass(frozen=True)
class SharedKeys:
    overseers: int
    cases: int
    reports: int
    # How many overseers and custodians were given the detriment-watch key they lacked.
    detriment_watch_key: int
    # How many older versions of report keys were shared.
    older_report_keys: int = 0


class OverseerKeys:
    def __init__(self, database: Database, audit: AuditLog, clock: Callable[[], datetime]) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock

    def unshared(self, principal: StaffPrincipal) -> int:
        """How many of the cases this overseer holds some other active overseer cannot read yet."""
        access.require(principal.roles, access.Action.OVERSEE)
        with self._db.transaction() as session:
            others = _other_overseers(session, principal.user_id)
            granted = _case_grants(session, others)
            held = _case_keys(session, principal.user_id)
            return sum(1 for case_id in held if any((case_id, uid) not in granted for uid in others))

    def share(self, principal: StaffPrincipal) -> SharedKeys:
        """Seal every case and report key this overseer holds to each active overseer who lacks it."""
        access.require(principal.roles, access.Action.OVERSEE)
        with self._db.transaction() as session:
            others = _other_overseers(session, principal.user_id)
            cases = _share(
                session,
                principal,
                others,
                _case_keys(session, principal.user_id),
                _case_grants(session, others),
                keyring.grant_case_key,
            )
            reports = _share(
                session,
                principal,
                others,
                _report_keys(session, principal.user_id),
                _report_grants(session, others),
                sealing.grant_report_key,
            )
            older = _share_retired_report_keys(session, principal, others)
            watch_key = _share_watch_key(session, principal)
            self._audit.record(
                session,
                principal.actor,
                "keys.shared_with_overseers",
                "user",
                principal.user_id,
                {
                    "overseers": len(others),
                    "cases": cases,
                    "reports": reports,
                    "older_report_keys": older,
                    "detriment_watch_key": watch_key,
                },
                at=self._clock(),
            )
            return SharedKeys(len(others), cases, reports, watch_key, older)


Pairs = set[tuple[uuid.UUID, uuid.UUID]]


def _other_overseers(session: Session, me: uuid.UUID) -> dict[uuid.UUID, bytes]:
    return {uid: key for uid, key in users_with_roles(session, [Role.OVERSEER]).items() if uid != me}


def _case_keys(session: Session, user_id: uuid.UUID) -> dict[uuid.UUID, bytes]:
    query = select(CaseKeyGrant.case_id, CaseKeyGrant.sealed_private_key).where(
        CaseKeyGrant.user_id == user_id
    )
    return {row[0]: row[1] for row in session.execute(query)}


def _report_keys(session: Session, user_id: uuid.UUID) -> dict[uuid.UUID, bytes]:
    query = select(ReportKeyGrant.report_id, ReportKeyGrant.sealed_private_key).where(
        ReportKeyGrant.user_id == user_id
    )
    return {row[0]: row[1] for row in session.execute(query)}


def _case_grants(session: Session, users: dict[uuid.UUID, bytes]) -> Pairs:
    query = select(CaseKeyGrant.case_id, CaseKeyGrant.user_id).where(CaseKeyGrant.user_id.in_(list(users)))
    return {(row[0], row[1]) for row in session.execute(query)}


def _report_grants(session: Session, users: dict[uuid.UUID, bytes]) -> Pairs:
    query = select(ReportKeyGrant.report_id, ReportKeyGrant.user_id).where(
        ReportKeyGrant.user_id.in_(list(users))
    )
    return {(row[0], row[1]) for row in session.execute(query)}


def _share_retired_report_keys(
    session: Session, principal: StaffPrincipal, others: dict[uuid.UUID, bytes]
) -> int:
    """Seal each older report key version this overseer holds to the others who lack it."""
    held = session.execute(
        select(
            RetiredReportKey.report_id, RetiredReportKey.key_version, RetiredReportKey.sealed_private_key
        ).where(RetiredReportKey.user_id == principal.user_id)
    ).all()
    granted = {
        (row[0], row[1], row[2])
        for row in session.execute(
            select(RetiredReportKey.report_id, RetiredReportKey.key_version, RetiredReportKey.user_id).where(
                RetiredReportKey.user_id.in_(list(others))
            )
        )
    }
    count = 0
    for report_id, version, sealed in held:
        missing = {uid: key for uid, key in others.items() if (report_id, version, uid) not in granted}
        if missing:
            keyring.grant_retired_report_key(
                session, report_id, version, crypto.unseal(principal.private_key, sealed), missing
            )
            count += 1
    return count


def _share_watch_key(session: Session, principal: StaffPrincipal) -> int:
    """The detriment-watch key goes to every active overseer and custodian who lacks it."""
    holders = org_keys.org_key_holders(session, WATCH_KEY)
    if principal.user_id not in holders:
        return 0
    missing = {
        uid: key for uid, key in users_with_roles(session, WATCH_KEY_HOLDERS).items() if uid not in holders
    }
    if missing:
        private_key = org_keys.org_private_key(session, WATCH_KEY, principal.user_id, principal.private_key)
        org_keys.grant_org_key(session, WATCH_KEY, private_key, missing)
    return len(missing)


def _share(
    session: Session,
    principal: StaffPrincipal,
    others: dict[uuid.UUID, bytes],
    held: dict[uuid.UUID, bytes],
    granted: Pairs,
    grant: Callable[[Session, uuid.UUID, bytes, Mapping[uuid.UUID, bytes]], None],
) -> int:
    """Seal each held key to the others who lack it; returns how many keys were shared."""
    count = 0
    for object_id, sealed in held.items():
        missing = {uid: key for uid, key in others.items() if (object_id, uid) not in granted}
        if missing:
            grant(session, object_id, crypto.unseal(principal.private_key, sealed), missing)
            count += 1
    return count
