"""The Welsh catalogue: the committed .mo is the compiled .po, and the app reads it."""

from __future__ import annotations

from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from upstander.i18n import LOCALE_DIR, WELSH, gettext, speaking

WELSH_MESSAGES = LOCALE_DIR / "cy" / "LC_MESSAGES"


def test_the_compiled_catalogue_is_the_catalogue_compiled() -> None:
    """`make locale` compiles the .po; a .po edited without compiling would leave Welsh pages on
    old words, so the .mo is checked fresh here (compiled as `pybabel compile` does)."""
    with (WELSH_MESSAGES / "messages.po").open("rb") as file:
        catalogue = read_po(file, locale="cy")
    compiled = BytesIO()
    write_mo(compiled, catalogue)
    assert (WELSH_MESSAGES / "messages.mo").read_bytes() == compiled.getvalue(), "run `make locale`"


def test_the_language_of_the_moment_decides_and_english_is_the_default() -> None:
    assert gettext("Send report") == "Send report"
    with speaking(WELSH):
        assert gettext("Send report") == "Anfon adroddiad"
    with speaking("fr"):
        assert gettext("Send report") == "Send report"
