"""One way to write a date, a time and a number on every page, in English or Welsh.

A day is written "4 March 2026" ("4 Mawrth 2026"); a time is 24-hour, "10:00", and a moment is
its day and time in the policy pack's time zone with the zone named, "4 March 2026, 10:00 GMT",
because the same moment is 10:00 GMT in March and 11:00 BST in June, and a reporter abroad or a
handler reading a deadline must not have to guess. The zone's own abbreviation (GMT, BST, IST)
is used in both languages, as UK public bodies' Welsh pages do.
"""

from __future__ import annotations

import datetime as dt
from datetime import tzinfo
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.numbers import format_decimal

from upstander.i18n import babel_locale, gettext

DATE_FORMAT = "d MMMM y"
DAY_MONTH_FORMAT = "d MMMM"
TIME_FORMAT = "HH:mm"
DEFAULT_ZONE = "Europe/London"


class Formats:
    """The filters of every template, in the pack's time zone and the request's language."""

    def __init__(self, time_zone: str = DEFAULT_ZONE) -> None:
        self.zone: tzinfo = ZoneInfo(time_zone)

    def local(self, value: dt.datetime) -> dt.datetime:
        return value.astimezone(self.zone)

    def date(self, value: dt.date | dt.datetime | None) -> str:
        """A calendar day: a moment is first put in the pack's zone, a day (a review due, an
        order's end) already is one."""
        if value is None:
            return ""
        if isinstance(value, dt.datetime):
            value = self.local(value).date()
        return babel_format_date(value, DATE_FORMAT, locale=babel_locale())

    def day_month(self, value: dt.date | None) -> str:
        """A day without its year, where the year follows straight after ("1 January to 31 December 2026")."""
        if value is None:
            return ""
        return babel_format_date(value, DAY_MONTH_FORMAT, locale=babel_locale())

    def time(self, value: dt.datetime | None) -> str:
        """The time of a moment in the pack's zone, with the zone named: "11:00 BST"."""
        if value is None:
            return ""
        local = self.local(value)
        return f"{babel_format_time(local, TIME_FORMAT, locale=babel_locale())} {local.tzname()}"

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        if not isinstance(value, dt.datetime):
            raise TypeError(
                f"the datetime filter needs a moment, not {type(value).__name__}; use the date filter"
            )
        return gettext("%(date)s, %(time)s") % {"date": self.date(value), "time": self.time(value)}

    @staticmethod
    def number(value: float | None) -> str:
        if value is None:
            return ""
        return format_decimal(value, locale=babel_locale())

    @staticmethod
    def filesize(size: int) -> str:
        if size < 1024:
            return gettext("%(count)s bytes") % {"count": format_decimal(size, locale=babel_locale())}
        if size < 1_048_576:
            return f"{format_decimal(round(size / 1024), locale=babel_locale())} KB"
        return f"{format_decimal(round(size / 1_048_576, 1), format='0.0', locale=babel_locale())} MB"
