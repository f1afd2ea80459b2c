"""The overseer's view: every case it holds, with what needs its attention.

Referrals waiting for its decision, overdue cases, cases under one of its directions, and every
override — of a separation order by a posting, of a conflict of interest by an appointment. The
overseer reads each case read-only through its case key (sealed to the overseer when the case
opens) and acts on one only through the steps the pack gives it: deciding the mode of
investigation, upholding or reopening after a review, and directing a re-investigation or a review.
"""

from __future__ import annotations

from dataclasses import dataclass

from upstander import access
from upstander.accounts.service import StaffPrincipal
from upstander.cases.dashboard import CaseLine, DashboardService
from upstander.safeguarding.conflicts_service import AssignmentOverrideView, ConflictService
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


class OversightService:
    def __init__(
        self, dashboard: DashboardService, conflicts: ConflictService, safeguarding: SafeguardingService
    ) -> None:
        self._dashboard = dashboard
        self._conflicts = conflicts
        self._safeguarding = safeguarding

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
        )
