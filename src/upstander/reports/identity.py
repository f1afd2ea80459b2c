"""A named reporter's identity: held sealed to the custodian, disclosed only by a recorded decision.

Disclosure is cryptographic: the custodian opens the identity with the custodian key and seals
it to the report key, which the handlers hold. Until then no handler can read it, whatever
the page shows.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from upstander import access, crypto
from upstander.accounts import org_keys
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.db import Database, utcnow
from upstander.errors import Conflict, InvalidInput, NotFound
from upstander.reports import keys as keyring
from upstander.reports import rules
from upstander.reports.models import Report

MIN_REASONS = 20


@dataclass(frozen=True)
class HeldIdentity:
    report_id: uuid.UUID
    reference: str
    category: str
    received_at: datetime
    disclosed: bool


class IdentityService:
    def __init__(self, database: Database, audit: AuditLog, clock: Callable[[], datetime] = utcnow) -> None:
        self._db = database
        self._audit = audit
        self._clock = clock

    def held(self, principal: StaffPrincipal) -> list[HeldIdentity]:
        access.require(principal.roles, access.Action.DISCLOSE_IDENTITY)
        with self._db.transaction() as session:
            rows = session.scalars(
                select(Report).where(Report.sealed_identity.is_not(None)).order_by(Report.received_at.desc())
            )
            return [
                HeldIdentity(
                    r.id,
                    r.reference,
                    str(rules.CATEGORY_LABELS[r.category]),
                    r.received_at,
                    r.disclosed_identity is not None,
                )
                for r in rows
            ]

    def disclose(self, principal: StaffPrincipal, report_id: uuid.UUID, reasons: str) -> None:
        """Disclose a named reporter's identity to the report's readers, with reasons, audited."""
        access.require(principal.roles, access.Action.DISCLOSE_IDENTITY)
        if len(reasons.strip()) < MIN_REASONS:
            raise InvalidInput(
                f"Write the reasons for disclosure (at least {MIN_REASONS} characters); they are recorded.",
                fields={"reasons": "too short"},
            )
        with self._db.transaction() as session:
            report = session.get(Report, report_id)
            if report is not None:
                keyring.lock_for_sealing(session, report)
            if report is None or report.sealed_identity is None:
                raise NotFound("There is no held identity for that report.")
            if report.disclosed_identity is not None:
                raise Conflict(f"The identity for {report.reference} has already been disclosed.")
            custodian_key = org_keys.org_private_key(
                session, org_keys.CUSTODIAN_KEY, principal.user_id, principal.private_key
            )
            identity = crypto.unseal(custodian_key, report.sealed_identity)
            report.disclosed_identity = crypto.seal(report.public_key, identity)
            report.disclosed_identity_key_version = report.key_version
            self._audit.record(
                session,
                principal.actor,
                "identity.disclosed",
                "report",
                report.id,
                # Free text: sealed to the report's key, so its readers can read why, not the log's.
                {
                    "key_version": report.key_version,
                    "reasons_sealed": base64.b64encode(
                        crypto.seal(report.public_key, reasons.strip().encode())
                    ).decode(),
                },
            )
