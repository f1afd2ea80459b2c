"""Escrow reporting: file, match, open to the PSD, follow, withdraw. One transaction per use case.

The OPRF outputs are computed before the transaction (the key service is a network call) and
dropped as soon as the entries are derived from them. A filing and any match it completes
commit together or not at all: a report never opens half-way, and a key service that cannot be
reached leaves nothing behind. Audit entries name the escrowed report, never the reporter or
the person named.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts import ratelimit
from upstander.accounts.models import User
from upstander.accounts.service import StaffPrincipal, lock_holders_of_roles, users_with_roles
from upstander.audit.service import Actor, AuditLog
from upstander.config import Settings
from upstander.db import Database, unused_value, utcnow
from upstander.errors import Conflict, NotFound, ServiceUnavailable, TooManyAttempts
from upstander.patterns.escrow import filing as escrow_filing
from upstander.patterns.escrow import keys as escrow_keys
from upstander.patterns.escrow import oprf
from upstander.patterns.escrow import rules as escrow_rules
from upstander.patterns.escrow.client import UNREACHABLE, KeyServiceError
from upstander.patterns.escrow.models import EscrowedReport, EscrowKeyPin, EscrowMatchEntry, EscrowStatus
from upstander.patterns.escrow.ristretto import Element
from upstander.patterns.service import LinkingService
from upstander.reports import rules as report_rules
from upstander.reports import sealing
from upstander.reports.models import Category, Channel, Report, ReporterRelation, ReportStatus, ReportSubject
from upstander.reports.service import _linked_person

KEY_CHANGED = (
    "The escrow key service answered with a key other than the one this system pinned, so its "
    "answer was refused and nothing was stored. Tell the overseer's office."
)
ALREADY_NAMED = (
    "You had already named this person in escrow. Your reports count once towards a match: "
    "the other reporters needed must be other people."
)


@dataclass(frozen=True)
class FilingResult:
    escrowed_report_id: uuid.UUID
    status: EscrowStatus
    opened_reports: int
    already_named: bool


@dataclass(frozen=True)
class MyEscrowReport:
    id: uuid.UUID
    filed_on: date
    threshold: int
    status: EscrowStatus
    opened_at: datetime | None
    withdrawn_on: date | None
    person: str
    category: str
    what_happened: str

    @property
    def status_text(self) -> str:
        if self.status is EscrowStatus.OPENED and self.opened_at is not None:
            return (
                "Matched and opened to the professional standards department on "
                f"{self.opened_at.strftime('%-d %B %Y')}."
            )
        if self.status is EscrowStatus.WITHDRAWN and self.withdrawn_on is not None:
            return f"Withdrawn on {self.withdrawn_on.strftime('%-d %B %Y')}; nothing of it is kept."
        return f"In escrow: it opens when {self.threshold} different people have named this person."


def reporter_ref(private_key: bytes) -> str:
    """The reporter's reference in escrow: only their own unlocked key can compute it."""
    return crypto.subkey(private_key, "upstander escrow reporter reference").hex()


class EscrowService:
    def __init__(
        self,
        database: Database,
        settings: Settings,
        audit: AuditLog,
        linking: LinkingService,
        limits: report_rules.Limits,
        key_service: escrow_keys.EscrowKeyService,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._db = database
        self._settings = settings
        self._audit = audit
        self._linking = linking
        self._limits = limits
        self._keys = key_service
        # Without a separate key service the app holds the OPRF key itself: the weaker mode.
        self.in_process = not settings.escrow_key_service_url
        self._clock = clock

    # --- the key service ---------------------------------------------------------------------

    def pinned_key(self) -> Element:
        """The key every answer must be proven under: configured, else pinned on first contact."""
        configured = self._settings.escrow_key_service_public_key
        with self._db.transaction() as session:
            pin = session.get(EscrowKeyPin, 1)
            stored = Element(pin.public_key) if pin else None
        if configured:
            try:
                key = oprf.deserialize_element(bytes.fromhex(configured))
            except (ValueError, oprf.OprfError) as error:
                raise KeyServiceError(
                    f"{UNREACHABLE} (UPSTANDER_ESCROW_KEY_SERVICE_PUBLIC_KEY is not a key.)"
                ) from error
        elif stored is not None:
            return stored
        else:
            key = self._keys.public_key
        if stored is not None:
            if stored != key:
                raise KeyServiceError(KEY_CHANGED, code="escrow_key_changed")
            return key  # pinned already: nothing to write on each filing
        with self._db.transaction() as session:
            insert = postgresql.insert if self._db.is_postgresql else sqlite.insert
            session.execute(
                insert(EscrowKeyPin)
                .values(id=1, public_key=key, pinned_at=self._clock())
                .on_conflict_do_nothing(index_elements=["id"])
            )
            if session.get_one(EscrowKeyPin, 1).public_key != key:  # another process pinned first
                raise KeyServiceError(KEY_CHANGED, code="escrow_key_changed")
        return key

    def _oprf_outputs(self, inputs: list[bytes]) -> list[bytes]:
        key = self.pinned_key()
        try:
            return escrow_keys.oprf_outputs(self._keys, inputs, public_key=key)
        except oprf.VerifyError as error:
            raise KeyServiceError(KEY_CHANGED, code="escrow_key_changed") from error
        except oprf.OprfError as error:
            raise KeyServiceError() from error

    # --- filing ------------------------------------------------------------------------------

    def file(self, principal: StaffPrincipal, filing: escrow_filing.EscrowFiling) -> FilingResult:
        """Escrow a report about a named person; open it, and every report it completes, on a match.

        Any signed-in member of staff may file; the account is what makes each reporter count once.
        """
        access.require(principal.roles, access.Action.FILE_ESCROW_REPORT)
        inputs = escrow_filing.validate(filing, self._limits, self._settings.escrow_max_threshold)
        mine = reporter_ref(principal.private_key)
        now = self._clock()
        with self._db.transaction() as session:
            within = ratelimit.hit(
                session, f"escrow:tokens:{mine}", self._settings.escrow_token_requests_per_hour, 3600, now
            )
        if not within:
            raise TooManyAttempts(
                "You have filed as many escrow reports as allowed in an hour. Nothing was stored; "
                "please try again later.",
                retry_after_seconds=ratelimit.seconds_left(now, 3600),
                code="escrow_rate_limited",
            )
        escrowed_id = uuid.uuid4()
        data_key = crypto.random_bytes(escrow_rules.DATA_KEY_BYTES)
        outputs = self._oprf_outputs(list(inputs.values()))
        entries = [
            escrow_rules.escrow(
                output,
                reporter_id=str(principal.user_id),
                report_id=str(escrowed_id),
                data_key=data_key,
                threshold=filing.threshold,
            )
            for output in outputs
        ]
        del outputs  # never stored, never kept: the match tokens and shares are all that remain
        document = escrow_filing.content_document(filing)
        reporter_keys = crypto.generate_key_pair()
        with self._db.transaction() as session:
            self._lock_tokens(session, [entry.match_token for entry in entries])
            account_key = session.get_one(User, principal.user_id).public_key
            escrowed = EscrowedReport(
                id=escrowed_id,
                reporter_ref=mine,
                threshold=filing.threshold,
                status=EscrowStatus.ESCROWED,
                filed_on=now.date(),
                encrypted_content=crypto.encrypt(data_key, sealing.to_json(document)),
                reporter_public_key=reporter_keys.public,
                sealed_reporter_key=crypto.seal(account_key, reporter_keys.private),
                reporter_copy=crypto.seal(reporter_keys.public, sealing.to_json(document)),
            )
            session.add(escrowed)
            session.flush()
            for entry in entries:
                session.add(
                    EscrowMatchEntry(
                        escrowed_report_id=escrowed_id,
                        match_token=entry.match_token,
                        share_x=escrow_rules.field_to_bytes(entry.x),
                        share_ys=b"".join(escrow_rules.field_to_bytes(y) for y in entry.ys),
                        key_check=entry.key_check,
                        wrapped_key=entry.wrapped_key,
                    )
                )
            session.flush()
            self._audit.record(
                session,
                Actor(f"escrow:{escrowed_id}"),
                "escrow.filed",
                "escrowed_report",
                escrowed_id,
                {"threshold": filing.threshold, "identifiers": len(entries)},
            )
            already_named, opened = self._match(session, entries, escrowed_id, now)
            status = escrowed.status
        return FilingResult(escrowed_id, status, opened, already_named)

    def _lock_tokens(self, session: Session, tokens: list[bytes]) -> None:
        """Two filings on the same person must see each other: serialise them (SQLite already does)."""
        if self._db.is_postgresql:
            for token in sorted(set(tokens)):
                key = int.from_bytes(token[:8], "big", signed=True)
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})

    def _match(
        self, session: Session, mine: list[escrow_rules.EscrowEntry], escrowed_id: uuid.UUID, now: datetime
    ) -> tuple[bool, int]:
        """Try every group this filing joined; open the escrowed reports whose threshold is now met."""
        tokens = [entry.match_token for entry in mine]
        rows = session.execute(
            select(EscrowMatchEntry, EscrowedReport)
            .join(EscrowedReport, EscrowedReport.id == EscrowMatchEntry.escrowed_report_id)
            .where(
                EscrowMatchEntry.match_token.in_(tokens),
                EscrowedReport.status != EscrowStatus.WITHDRAWN,
            )
        ).all()
        my_points = {(entry.match_token, escrow_rules.field_to_bytes(entry.x)) for entry in mine}
        already_named = any(
            (row.match_token, row.share_x) in my_points and report.id != escrowed_id for row, report in rows
        )
        release = escrow_rules.release([_as_rule_entry(row, report.threshold) for row, report in rows])
        waiting = {str(report.id): report for _, report in rows if report.status is EscrowStatus.ESCROWED}
        to_open = [(waiting[rid], key) for rid, key in sorted(release.data_keys.items()) if rid in waiting]
        if to_open:
            # As at intake: a reader being removed meanwhile is waited for, then left out.
            lock_holders_of_roles(session, access.INTAKE_READERS)
            readers = users_with_roles(session, access.INTAKE_READERS)
            if not readers:
                raise ServiceUnavailable(
                    "Escrow reports cannot be opened yet: no handler or overseer account exists to read "
                    "them. Nothing was stored; please try again later."
                )
            for escrowed, data_key in to_open:
                self._open(session, escrowed, data_key, readers, now)
        return already_named, len(to_open)

    def _open(
        self,
        session: Session,
        escrowed: EscrowedReport,
        data_key: bytes,
        readers: dict[uuid.UUID, bytes],
        now: datetime,
    ) -> None:
        """The escrowed report becomes an ordinary report in the PSD inbox, sealed to intake readers."""
        assert escrowed.encrypted_content is not None
        assert escrowed.reporter_copy is not None
        document = sealing.from_json(crypto.decrypt(data_key, escrowed.encrypted_content))
        report_keys = crypto.generate_key_pair()
        content = {
            **document,
            "escrow": {"filed_on": escrowed.filed_on.isoformat(), "opened_at": now.isoformat()},
        }
        report = Report(
            id=uuid.uuid4(),
            reference=unused_value(session, Report.reference, report_rules.new_reference),
            category=Category(document["category"]),
            status=ReportStatus.RECEIVED,
            channel=Channel.ESCROW,
            anonymous=True,
            reporter_relation=ReporterRelation(document["relation"]),
            received_at=now,
            public_key=report_keys.public,
            reporter_public_key=escrowed.reporter_public_key,
            # Escrow reporters follow up through their account: no receipt key opens this report.
            receipt_hash=crypto.sha256_hex(crypto.random_bytes(32)),
            sealed_content=crypto.seal(report_keys.public, sealing.to_json(content)),
            sealed_content_for_reporter=escrowed.reporter_copy,
        )
        session.add(report)
        session.flush()
        subject = document["subjects"][0]
        person_id = _linked_person(
            session, report_rules.SubjectInput(staff_number=subject.get("staff_number") or ""), 0
        )
        session.add(ReportSubject(report_id=report.id, position=0, person_id=person_id))
        self._linking.record_report(session, report, [(0, person_id, "staff_number")])
        sealing.grant_report_key(session, report.id, report_keys.private, readers)
        escrowed.status = EscrowStatus.OPENED
        escrowed.opened_at = now
        escrowed.report_id = report.id
        escrowed.encrypted_content = None  # the report now holds it, sealed to its readers
        actor = Actor.system("escrow")
        self._audit.record(
            session,
            actor,
            "report.received",
            "report",
            report.id,
            {"reference": report.reference, "category": report.category.value, "channel": "escrow"},
        )
        self._audit.record(
            session, actor, "escrow.opened", "escrowed_report", escrowed.id, {"report": report.reference}
        )

    # --- the reporter's own escrow reports -------------------------------------------------------

    def mine(self, principal: StaffPrincipal) -> list[MyEscrowReport]:
        """The signed-in reporter's escrow reports, newest first, read with their own key."""
        access.require(principal.roles, access.Action.FILE_ESCROW_REPORT)
        with self._db.transaction() as session:
            rows = session.scalars(
                select(EscrowedReport)
                .where(EscrowedReport.reporter_ref == reporter_ref(principal.private_key))
                .order_by(EscrowedReport.filed_on.desc(), EscrowedReport.id)
            ).all()
            items = []
            for row in rows:
                document: dict[str, Any] = {}
                if row.sealed_reporter_key is not None and row.reporter_copy is not None:
                    key = crypto.unseal(principal.private_key, row.sealed_reporter_key)
                    document = sealing.from_json(crypto.unseal(key, row.reporter_copy))
                category = document.get("category")
                items.append(
                    MyEscrowReport(
                        id=row.id,
                        filed_on=row.filed_on,
                        threshold=row.threshold,
                        status=row.status,
                        opened_at=row.opened_at,
                        withdrawn_on=row.withdrawn_on,
                        person=escrow_filing.describe_person(document) if document else "—",
                        category=str(report_rules.CATEGORY_LABELS[Category(category)]) if category else "—",
                        what_happened=str(document.get("what_happened", "")),
                    )
                )
            return items

    def withdraw(self, principal: StaffPrincipal, escrowed_id: uuid.UUID) -> None:
        """Withdraw an escrow report not yet opened: its shares, wrapped key and content are deleted."""
        access.require(principal.roles, access.Action.FILE_ESCROW_REPORT)
        with self._db.transaction() as session:
            row = session.get(EscrowedReport, escrowed_id)
            if row is None or not crypto.constant_time_equal(
                row.reporter_ref, reporter_ref(principal.private_key)
            ):
                raise NotFound("You have no escrow report with that reference.")
            if row.status is EscrowStatus.OPENED:
                raise Conflict(
                    "This report has already been opened to the professional standards department, "
                    "so it can no longer be withdrawn. You can still tell them what you want to add.",
                    code="escrow_already_opened",
                )
            if row.status is EscrowStatus.WITHDRAWN:
                return
            session.execute(delete(EscrowMatchEntry).where(EscrowMatchEntry.escrowed_report_id == row.id))
            row.status = EscrowStatus.WITHDRAWN
            row.withdrawn_on = self._clock().date()
            row.encrypted_content = row.sealed_reporter_key = row.reporter_copy = None
            self._audit.record(
                session, Actor(f"escrow:{row.id}"), "escrow.withdrawn", "escrowed_report", row.id
            )


def _as_rule_entry(row: EscrowMatchEntry, threshold: int) -> escrow_rules.EscrowEntry:
    ys = row.share_ys
    size = escrow_rules.FIELD_BYTES
    return escrow_rules.EscrowEntry(
        report_id=str(row.escrowed_report_id),
        match_token=row.match_token,
        threshold=threshold,
        x=escrow_rules.field_from_bytes(row.share_x),
        ys=tuple(escrow_rules.field_from_bytes(ys[i : i + size]) for i in range(0, len(ys), size)),
        key_check=row.key_check,
        wrapped_key=row.wrapped_key,
    )
