"""Function keys: a key pair held by a role rather than a person (the custodian's, the detriment watch's).

Its private half is sealed to each holder's own key; holding a sealed copy is what holding the
function means, so a new holder is given one by someone who already has it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from upstander import access, crypto
from upstander.accounts.models import OrgKey, OrgKeyGrant
from upstander.errors import NotAllowed

CUSTODIAN_KEY = "custodian"


def org_public_key(session: Session, name: str) -> bytes | None:
    key = session.get(OrgKey, name)
    return key.public_key if key else None


def create_org_key(session: Session, name: str, holders: Mapping[uuid.UUID, bytes]) -> bytes:
    """A new function key whose private half is sealed to each holder; returns its public key."""
    key_pair = crypto.generate_key_pair()
    session.add(OrgKey(name=name, public_key=key_pair.public))
    session.flush()
    for user_id, public_key in holders.items():
        session.add(
            OrgKeyGrant(
                name=name, user_id=user_id, sealed_private_key=crypto.seal(public_key, key_pair.private)
            )
        )
    return key_pair.public


def org_private_key(session: Session, name: str, user_id: uuid.UUID, user_private_key: bytes) -> bytes:
    grant = session.get(OrgKeyGrant, (name, user_id))
    if grant is None:
        raise NotAllowed("You do not hold the custodian key.", code="no_org_key")
    return crypto.unseal(user_private_key, grant.sealed_private_key)


def grant_org_key(
    session: Session, name: str, private_key: bytes, readers: Mapping[uuid.UUID, bytes]
) -> None:
    for user_id, public_key in readers.items():
        if session.get(OrgKeyGrant, (name, user_id)) is None:
            session.add(
                OrgKeyGrant(
                    name=name, user_id=user_id, sealed_private_key=crypto.seal(public_key, private_key)
                )
            )


def org_key_holders(session: Session, name: str) -> set[uuid.UUID]:
    return set(session.scalars(select(OrgKeyGrant.user_id).where(OrgKeyGrant.name == name)))


WATCH_KEY = "detriment_watch"


WATCH_KEY_HOLDERS = frozenset({access.R.OVERSEER, access.R.CUSTODIAN})
