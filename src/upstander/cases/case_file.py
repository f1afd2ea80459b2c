"""The case file for a hearing: what of a case goes to whom, and a record of every file made.

Three recipients. The independent overseer may read everything, so its file holds the whole
timeline with every text. A misconduct panel and the Police Appeals Tribunal get the bundle the
officer is given, no more: only what `representation/disclosure.py` discloses to the subject
(notices, the investigator's report once the referral notice is served, the officer's response,
findings, outcome, appeal, each with its reasons), never what the reporter wrote or was told, nor
the notes or the evidence log. The PDF itself is drawn by the web face from a template; this module
decides the contents and audits each file, with its digest, in the trail.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.audit.service import AuditLog
from upstander.cases.representation.disclosure import DISCLOSED, DISCLOSED_WITH_NOTICE, NOTICE
from upstander.cases.service import CaseService, CaseView
from upstander.cases.views import TEXT_LABELS, EventView
from upstander.db import Database
from upstander.errors import InvalidInput

RECIPIENTS: Mapping[str, str] = {
    "overseer": "the independent overseer",
    "panel": "the misconduct panel",
    "tribunal": "the Police Appeals Tribunal",
}
# Those who may read the whole case; everyone else is given what is disclosed to the officer.
WHOLE_CASE = frozenset({"overseer"})


def recipient_named(value: str) -> str:
    recipient = value.strip().lower()
    if recipient not in RECIPIENTS:
        raise InvalidInput(
            f"A case file is made for {', '.join(RECIPIENTS)}; {value!r} is none of them.",
            fields={"for": "not a recipient"},
        )
    return recipient


def timeline_for(recipient: str, timeline: Sequence[EventView]) -> list[EventView]:
    """The overseer's file has every entry; a panel's or tribunal's only what the officer is given."""
    if recipient in WHOLE_CASE:
        return list(timeline)
    notice_served = any(event.kind == NOTICE for event in timeline)
    shown = []
    for event in timeline:
        disclosed = DISCLOSED.get(event.kind)
        if disclosed is None or (event.kind in DISCLOSED_WITH_NOTICE and not notice_served):
            continue
        labels = {TEXT_LABELS.get(name, name) for name in disclosed[1]}
        texts = {label: text for label, text in event.texts.items() if label in labels}
        shown.append(
            EventView(event.seq, event.at, event.kind, event.title, event.actor_name, event.details, texts)
        )
    return shown


@dataclass(frozen=True)
class CaseFileContents:
    case: CaseView
    recipient: str
    recipient_label: str
    whole_case: bool
    timeline: list[EventView]
    prepared_by: str
    prepared_at: datetime


class CaseFileService:
    def __init__(
        self, database: Database, audit: AuditLog, cases: CaseService, clock: Callable[[], datetime]
    ) -> None:
        self._db = database
        self._audit = audit
        self._cases = cases
        self._clock = clock

    def contents(self, principal: StaffPrincipal, case_id: uuid.UUID, recipient: str) -> CaseFileContents:
        access.require(principal.roles, access.Action.MAKE_CASE_FILE)
        chosen = recipient_named(recipient)
        view = self._cases.view_case(principal, case_id)
        return CaseFileContents(
            case=view,
            recipient=chosen,
            recipient_label=RECIPIENTS[chosen],
            whole_case=chosen in WHOLE_CASE,
            timeline=timeline_for(chosen, view.workflow.timeline),
            prepared_by=principal.display_name,
            prepared_at=self._clock(),
        )

    def record_made(
        self, principal: StaffPrincipal, contents: CaseFileContents, digest: str, size: int, pages: int
    ) -> None:
        """Every file made is in the trail: for whom, by whom, and the SHA-256 of the very bytes given."""
        with self._db.transaction() as session:
            self._audit.record(
                session,
                principal.actor,
                "case_file.made",
                "case",
                contents.case.id,
                {
                    "recipient": contents.recipient,
                    "sha256": digest,
                    "bytes": size,
                    "pages": pages,
                    "entries": len(contents.timeline),
                },
                at=contents.prepared_at,
            )
