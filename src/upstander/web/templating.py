"""Jinja2 templates from the shared folder and each domain's own `templates/` folder."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from upstander import i18n
from upstander.web.formatting import DEFAULT_ZONE, Formats
from upstander.web.language import language_link

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    PACKAGE / "web" / "templates",
    PACKAGE / "reports" / "templates",
    PACKAGE / "accounts" / "templates",
    PACKAGE / "org" / "templates",
    PACKAGE / "cases" / "templates",
    PACKAGE / "equality" / "templates",
    PACKAGE / "analysis" / "templates",
    PACKAGE / "safeguarding" / "templates",
    PACKAGE / "patterns" / "templates",
    PACKAGE / "notify" / "templates",
]


def build_environment(time_zone: str = DEFAULT_ZONE) -> Environment:
    """Every string of a template goes through the catalogues (`{% trans %}`, `_()`), in the
    language of the request; dates and times are shown in the policy pack's zone."""
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(path)) for path in TEMPLATE_DIRS if path.exists()]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    # A {% trans %} block's line breaks and indents are not part of its message.
    environment.policies["ext.i18n.trimmed"] = True
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext, npgettext=i18n.npgettext
    )
    formats = Formats(time_zone)
    environment.filters["datetime"] = formats.datetime
    environment.filters["date"] = formats.date
    environment.filters["day_month"] = formats.day_month
    environment.filters["time"] = formats.time
    environment.filters["number"] = formats.number
    environment.filters["filesize"] = formats.filesize
    environment.filters["translated"] = i18n.translated
    environment.globals["current_language"] = i18n.language
    environment.globals["language_names"] = i18n.NATIVE_NAMES
    environment.globals["language_link"] = language_link
    return environment


def build_templates(time_zone: str = DEFAULT_ZONE) -> Jinja2Templates:
    environment = build_environment(time_zone)
    return Jinja2Templates(env=environment)
