"""Telling people apart: names and staff numbers in the form they are compared in, and finding a staff record.

Reporters, rosters and lists spell the same person differently; every comparison goes through
these, so an escrow match, a vetting check and a roster row agree on who is who.
"""

from __future__ import annotations

import unicodedata
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from upstander.errors import NotFound
from upstander.org.models import Person

_DROPPED = frozenset("'\u2019\u2018`\u00b4")  # apostrophes: O'Brien and OBrien are one name


def normalise_name(text: str) -> str:
    """A name as reporters may write it: case, accents, punctuation and spacing do not matter.

    Case-folded and compatibility-decomposed (NFKD) with combining marks removed, apostrophes
    dropped, any other character that is not a letter or digit read as a space, and runs of
    spaces collapsed: "  José ÁLVAREZ-Núñez " and "jose alvarez nunez" are the same.
    """
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    spaced = "".join(
        "" if c in _DROPPED or unicodedata.combining(c) else (c if c.isalnum() else " ") for c in folded
    )
    return " ".join(spaced.split())


def normalise_staff_number(text: str) -> str:
    """A staff (collar, warrant) number: upper case, without spaces or separators."""
    return "".join(c for c in unicodedata.normalize("NFKC", text) if c.isalnum()).upper()


def staff_key(text: str) -> str:
    """The form staff numbers are compared in (see ``normalise_staff_number``), fast for plain ones."""
    text = text.strip()
    if text.isascii() and text.isalnum():
        return text.upper()
    return normalise_staff_number(text)


def label(person: Person) -> str:
    return who(person.given_name, person.family_name, person.staff_number)


def who(given_name: str, family_name: str, staff_number: str) -> str:
    return f"{given_name} {family_name} ({staff_number})"


def find_person(session: Session, reference: uuid.UUID | str, field: str) -> Person:
    """A staff record by id, or by staff number (without regard to case, spaces or separators)."""
    person = None
    if isinstance(reference, uuid.UUID):
        person = session.get(Person, reference)
    else:
        text = reference.strip()
        try:
            person = session.get(Person, uuid.UUID(text))
        except ValueError:
            person = session.scalars(select(Person).where(Person.staff_number == text).limit(1)).first()
            key = staff_key(text)
            if person is None and key:
                spelled = func.upper(func.replace(func.replace(Person.staff_number, " ", ""), "-", ""))
                person = session.scalars(select(Person).where(spelled == key).limit(1)).first()
    if person is None:
        raise NotFound(f"There is no staff record for {str(reference)!r}.", code=f"not_found:{field}")
    return person
