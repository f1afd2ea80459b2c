"""The statistics' own words, marked for the Welsh catalogue.

Stages, bands, characteristics and the pack's labels are kept, compared and exported in English
(they are keys of the tables and the CSV's columns); the pages show them in the reader's language
through the `translated` filter. Each is listed here once so that `make locale` extracts it.
"""

from __future__ import annotations

from upstander.i18n import N_

SHOWN_WORDS = (
    # Stages (stages.py) and the sanctions of the England & Wales pack.
    N_("workforce (headcount)"),
    N_("subject of a report"),
    N_("assessed"),
    N_("referred to the overseer"),
    N_("investigated"),
    N_("case to answer"),
    N_("proven"),
    N_("reflective practice"),
    N_("written warning"),
    N_("final written warning"),
    N_("reduction in rank"),
    N_("dismissal without notice"),
    N_("would have been dismissed"),
    # Characteristics and groups.
    N_("ethnicity"),
    N_("sex"),
    N_("age"),
    N_("age band"),
    N_("rank"),
    N_("service"),
    N_("length of service"),
    N_("not recorded"),
    N_("female"),
    N_("male"),
    N_("other"),
    N_("under 25"),
    N_("25 to 34"),
    N_("35 to 44"),
    N_("45 to 54"),
    N_("55 and over"),
    N_("under 2 years"),
    N_("2 to under 5 years"),
    N_("5 to under 10 years"),
    N_("10 to under 20 years"),
    N_("20 years and over"),
    N_("constable"),
    N_("sergeant"),
    N_("inspector"),
    N_("chief inspector"),
    N_("superintendent"),
    N_("chief superintendent"),
    N_("chief officer"),
    N_("police staff"),
    # Time bands (activity.py).
    N_("within 1 day"),
    N_("1 to 2 days"),
    N_("2 to 7 days"),
    N_("more than 7 days"),
    N_("not acknowledged yet"),
    N_("within 30 days"),
    N_("31 to 90 days"),
    N_("91 to 180 days"),
    N_("181 to 365 days"),
    N_("more than a year"),
    N_("not closed yet"),
    # Breakdown titles (service.py) and the register's measures.
    N_("people suspended or on restricted duties"),
    N_("reports received"),
    N_("complaints received"),
    N_("restricted duties"),
    N_("suspended"),
    # The England & Wales pack's categories, as the register and the breakdowns write them.
    N_("sexual misconduct or assault"),
    N_("sexual misconduct"),
    N_("sexual harassment"),
    N_("racism or other discrimination"),
    N_("discrimination"),
    N_("bullying"),
    N_("abuse of position"),
    N_("corruption"),
    N_("drink or drug driving"),
    N_("drink drug driving"),
    N_("domestic abuse"),
    N_("something else"),
    N_("other"),
)
