"""Sealing what is disclosed to a case's subject to each consented representative's own key.

Called by whoever holds the case key when consent is recorded (for what came before) and after
every step (for what follows); a representative's own steps hand in their text in the clear.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import crypto
from upstander.accounts.models import User
from upstander.cases.models import Case, CaseEvent, DisclosedCopy, RepresentativeConsent
from upstander.cases.representation import disclosure
from upstander.cases.representation.disclosure import Entry


def open_texts(case_key: bytes, sealed: str) -> dict[str, str]:
    """The free texts of a case event, sealed to the case key (see `workflow`)."""
    opened = json.loads(crypto.unseal(case_key, base64.b64decode(sealed)))
    return {str(k): str(v) for k, v in opened.items()}


def active_representatives(session: Session, case_id: uuid.UUID) -> dict[uuid.UUID, bytes]:
    rows = session.execute(
        select(User.id, User.public_key)
        .join(RepresentativeConsent, RepresentativeConsent.representative_id == User.id)
        .where(RepresentativeConsent.case_id == case_id, RepresentativeConsent.withdrawn_at.is_(None))
        .distinct()
    ).all()
    return {row.id: row.public_key for row in rows}


def share_disclosed(
    session: Session,
    case: Case,
    case_key: bytes | None,
    plain_texts: Mapping[int, Mapping[str, str]] | None = None,
    only: uuid.UUID | None = None,
) -> None:
    """Seal every disclosed entry not yet copied to each consented representative (or only one).
    Text is opened with the case key, or taken from ``plain_texts`` for entries just written."""
    readers = active_representatives(session, case.id)
    if only is not None:
        readers = {only: readers[only]} if only in readers else {}
    if not readers:
        return
    entries = []
    # Entries whose sealed text cannot be opened now wait for the next holder of the case key,
    # rather than being copied without their text for good.
    unreadable: set[int] = set()
    rows = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq))
    for row in rows:
        texts: Mapping[str, str] = (plain_texts or {}).get(row.seq, {})
        if not texts and "_sealed" in row.data:
            if case_key is None:
                unreadable.add(row.seq)
            else:
                texts = open_texts(case_key, row.data["_sealed"])
        entries.append(Entry(row.seq, row.kind, row.at.isoformat(), row.data, texts))
    items = disclosure.disclosed_items(entries)
    for user_id, public_key in readers.items():
        have = set(
            session.scalars(
                select(DisclosedCopy.seq).where(
                    DisclosedCopy.case_id == case.id, DisclosedCopy.representative_id == user_id
                )
            )
        )
        for item in items:
            if item.seq in have or item.seq in unreadable:
                continue
            payload = {"kind": item.kind, "at": item.at, "details": item.details, "texts": item.texts}
            session.add(
                DisclosedCopy(
                    case_id=case.id,
                    representative_id=user_id,
                    seq=item.seq,
                    sealed=crypto.seal(public_key, json.dumps(payload).encode()),
                )
            )
    session.flush()
