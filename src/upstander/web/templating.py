"""Jinja2 templates from the shared folder and each domain's own `templates/` folder."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

PACKAGE = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    PACKAGE / "web" / "templates",
    PACKAGE / "reports" / "templates",
    PACKAGE / "accounts" / "templates",
    PACKAGE / "org" / "templates",
    PACKAGE / "cases" / "templates",
    PACKAGE / "equality" / "templates",
    PACKAGE / "safeguarding" / "templates",
    PACKAGE / "patterns" / "templates",
]
LOCAL_ZONE = ZoneInfo("Europe/London")


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime):
        raise TypeError(
            f"the datetime filter needs a moment, not {type(value).__name__}; use the date filter"
        )
    return value.astimezone(LOCAL_ZONE).strftime("%-d %b %Y, %H:%M")


def format_date(value: date | datetime | None) -> str:
    """A calendar day: a moment is first put in local time, a day (a review due, an order's end)
    is already one."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_ZONE)
    return value.strftime("%-d %b %Y")


def format_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1_048_576:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1_048_576:.1f} MB"


def build_templates() -> Jinja2Templates:
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(path)) for path in TEMPLATE_DIRS if path.exists()]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["datetime"] = format_datetime
    environment.filters["date"] = format_date
    environment.filters["filesize"] = format_size
    return Jinja2Templates(env=environment)
