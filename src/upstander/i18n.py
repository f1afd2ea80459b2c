"""Every string a person reads goes through here: Welsh or English, chosen per request.

Public bodies in Wales must offer their services in Welsh (Welsh Language Standards, under the
Welsh Language (Wales) Measure 2011), so English is one of two languages, not the default of the
code. The language of the current request is held in a context variable that the web layer sets
(`web/language.py`); the command line and background work speak English unless told otherwise.

Catalogues are `locale/<language>/LC_MESSAGES/messages.po`, compiled to `.mo` beside them by
`make locale` (checked fresh by a test). A message whose Welsh wants a fluent reviewer carries the
translator comment `fluent-review` in the catalogue; the page shows the Welsh all the same.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from functools import cache
from gettext import NullTranslations
from pathlib import Path
from typing import Any

from babel.support import LazyProxy, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENGLISH = "en"
WELSH = "cy"
LANGUAGES = (ENGLISH, WELSH)
# Babel's locales for dates and numbers: the UK's English and Welsh.
BABEL_LOCALES = {ENGLISH: "en_GB", WELSH: "cy_GB"}
# What each language is called in itself, for the language switch.
NATIVE_NAMES = {ENGLISH: "English", WELSH: "Cymraeg"}
# Translator comment marking a Welsh message a fluent speaker should check.
FLUENT_REVIEW = "fluent-review"

current_language: ContextVar[str] = ContextVar("current_language", default=ENGLISH)


@cache
def translations(language: str) -> NullTranslations:
    if language == ENGLISH:
        return NullTranslations()
    return Translations.load(str(LOCALE_DIR), [language])


def language() -> str:
    return current_language.get()


def babel_locale() -> str:
    return BABEL_LOCALES[current_language.get()]


@contextlib.contextmanager
def speaking(chosen: str) -> Iterator[None]:
    """Within the block, messages are in `chosen` (a command that writes a Welsh page, a test)."""
    token = current_language.set(chosen if chosen in LANGUAGES else ENGLISH)
    try:
        yield
    finally:
        current_language.reset(token)


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, count)


def pgettext(context: str, message: str) -> str:
    return translations(current_language.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, count: int) -> str:
    return translations(current_language.get()).npgettext(context, singular, plural, count)


_ = gettext


def lazy_gettext(message: str) -> Any:
    """For text fixed at import (labels, error titles): translated each time it is shown, in the
    language of that moment. Typed Any because a LazyProxy stands in for the str it becomes."""
    return LazyProxy(gettext, message, enable_cache=False)


def lazy_pgettext(context: str, message: str) -> Any:
    return LazyProxy(pgettext, context, message, enable_cache=False)


def N_(message: str) -> str:  # noqa: N802 - gettext's own name for "extract this, translate it later"
    """Marks a word that is kept and compared in English (a stage, a band, a label from a pack)
    for extraction; it is translated where it is shown, by the `translated` template filter."""
    return message


def translated(value: object) -> str:
    """A value the code keeps in English, shown in the reader's language when the catalogue has
    it. A composed label ("suspended: bullying") is translated part by part."""
    text = str(value)
    if not text or current_language.get() == ENGLISH:
        return text
    if gettext(text) != text:
        return gettext(text)
    return ": ".join(_translated_part(part) for part in text.split(": "))


def _translated_part(text: str) -> str:
    found = gettext(text)
    if found == text and text[:1].isupper():
        lowered = gettext(text[:1].lower() + text[1:])
        if lowered != text[:1].lower() + text[1:]:
            return lowered[:1].upper() + lowered[1:]
    return found
