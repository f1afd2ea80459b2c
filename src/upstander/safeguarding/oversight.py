"""The overseer's view: every case it holds, with what needs its attention.

Referrals waiting for its decision, overdue cases, cases under one of its directions, every
override — of a separation order by a posting, of a conflict of interest by an appointment —,
detriment alerts about reporters, and suspensions or restricted duties whose review is overdue. The
overseer reads each case read-only through its case key (sealed to the overseer when the case
opens) and acts on one only through the steps the pack gives it: deciding the mode of
investigation, upholding or reopening after a review, and directing a re-investigation or a review.
"""

from __future__ import annotations

from dataclasses import dataclass

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.cases.dashboard import CaseLine, DashboardService
from upstander.errors import NotAllowed
from upstander.safeguarding.conflicts.service import AssignmentOverrideView, ConflictService
from upstander.safeguarding.detriment import AlertView, DetrimentService
from upstander.safeguarding.register.service import RegisterService
from upstander.safeguarding.register.views import RestrictionView
from upstander.safeguarding.results import OverrideView
from upstander.safeguarding.service import SafeguardingService


@dataclass(frozen=True)
class Oversight:
    cases: list[CaseLine]
    referrals: list[CaseLine]
    overdue: list[CaseLine]
    directions: list[CaseLine]
    assignment_overrides: list[AssignmentOverrideView]
    posting_overrides: list[OverrideView]
    # None when this overseer was appointed after the detriment-watch key was made and holds no copy.
    detriment_alerts: list[AlertView] | None
    restrictions_overdue: list[RestrictionView]


class OversightService:
    def __init__(
        self,
        dashboard: DashboardService,
        conflicts: ConflictService,
        safeguarding: SafeguardingService,
        detriment: DetrimentService,
        register: RegisterService,
    ) -> None:
        self._dashboard = dashboard
        self._conflicts = conflicts
        self._safeguarding = safeguarding
        self._detriment = detriment
        self._register = register

    def overview(self, principal: StaffPrincipal) -> Oversight:
        """Everything the overseer reviews, in one place; each part is read (and audited) by its own service."""
        access.require(principal.roles, access.Action.OVERSEE)
        board = self._dashboard.for_person(principal)
        return Oversight(
            cases=board.cases,
            referrals=board.referrals,
            overdue=board.overdue,
            directions=[line for line in board.cases if line.direction],
            assignment_overrides=self._conflicts.overrides(principal),
            posting_overrides=self._safeguarding.overrides(principal),
            detriment_alerts=self._alerts(principal),
            restrictions_overdue=self._register.due(principal).overdue,
        )

    def _alerts(self, principal: StaffPrincipal) -> list[AlertView] | None:
        try:
            return self._detriment.alerts(principal)
        except NotAllowed:
            return None
