"""Who may do what: one declarative table, read by every service and by the access tests.

Roles decide which actions are open to a person at all; reading content additionally needs the
content's key to have been sealed to them (the cryptographic half of the rule, enforced where
the key is unsealed). An admin holds no content key, so cannot read a report whatever the table
says — and the table does not say so either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from upstander.accounts.models import Role
from upstander.errors import NotAllowed


class Action(StrEnum):
    VIEW_INBOX = "view_inbox"
    READ_REPORT = "read_report"
    ACKNOWLEDGE_REPORT = "acknowledge_report"
    REPLY_TO_REPORTER = "reply_to_reporter"
    WRITE_NOTE = "write_note"
    OPEN_CASE = "open_case"
    ASSIGN_HANDLER = "assign_handler"
    READ_CASE = "read_case"
    ENTER_REPORT_ON_BEHALF = "enter_report_on_behalf"
    DISCLOSE_IDENTITY = "disclose_identity"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    LINK_SUBJECT = "link_subject"
    VIEW_PERSON_HISTORY = "view_person_history"
    RUN_VETTING_CHECK = "run_vetting_check"
    VIEW_STATISTICS = "view_statistics"
    MAKE_SEPARATION_ORDER = "make_separation_order"
    READ_SEPARATION_ORDERS = "read_separation_orders"
    CHANGE_POSTING = "change_posting"
    OVERRIDE_POSTING = "override_posting"
    VIEW_OVERRIDES = "view_overrides"
    VIEW_INTERVENTION_FLAGS = "view_intervention_flags"
    RESPOND_TO_INTERVENTION_FLAG = "respond_to_intervention_flag"


R = Role

PERMISSIONS: Mapping[Action, frozenset[Role]] = {
    Action.VIEW_INBOX: frozenset({R.HANDLER, R.OVERSEER, R.DECISION_MAKER}),
    Action.READ_REPORT: frozenset({R.HANDLER, R.OVERSEER, R.DECISION_MAKER, R.INVESTIGATOR}),
    Action.ACKNOWLEDGE_REPORT: frozenset({R.HANDLER}),
    Action.REPLY_TO_REPORTER: frozenset({R.HANDLER}),
    Action.WRITE_NOTE: frozenset({R.HANDLER, R.DECISION_MAKER, R.INVESTIGATOR}),
    Action.OPEN_CASE: frozenset({R.HANDLER}),
    Action.ASSIGN_HANDLER: frozenset({R.HANDLER, R.DECISION_MAKER}),
    Action.READ_CASE: frozenset({R.HANDLER, R.OVERSEER, R.DECISION_MAKER, R.INVESTIGATOR}),
    Action.ENTER_REPORT_ON_BEHALF: frozenset({R.OPERATOR}),
    Action.DISCLOSE_IDENTITY: frozenset({R.CUSTODIAN}),
    Action.MANAGE_USERS: frozenset({R.ADMIN}),
    Action.VIEW_AUDIT: frozenset({R.OVERSEER, R.ADMIN}),
    Action.LINK_SUBJECT: frozenset({R.HANDLER, R.DECISION_MAKER}),
    Action.VIEW_PERSON_HISTORY: frozenset({R.HANDLER, R.DECISION_MAKER, R.OVERSEER}),
    Action.RUN_VETTING_CHECK: frozenset({R.VETTING, R.HANDLER, R.DECISION_MAKER, R.OVERSEER}),
    Action.VIEW_STATISTICS: frozenset({R.ANALYST, R.OVERSEER}),
    Action.MAKE_SEPARATION_ORDER: frozenset({R.HANDLER, R.WELFARE}),
    Action.READ_SEPARATION_ORDERS: frozenset({R.HANDLER, R.WELFARE, R.DECISION_MAKER, R.OVERSEER}),
    Action.CHANGE_POSTING: frozenset({R.HR, R.WELFARE, R.HANDLER, R.DECISION_MAKER}),
    Action.OVERRIDE_POSTING: frozenset({R.DECISION_MAKER}),
    Action.VIEW_OVERRIDES: frozenset({R.OVERSEER}),
    Action.VIEW_INTERVENTION_FLAGS: frozenset({R.HANDLER, R.DECISION_MAKER, R.OVERSEER}),
    Action.RESPOND_TO_INTERVENTION_FLAG: frozenset({R.DECISION_MAKER}),
}

# New reports are sealed to these roles, so nobody needs to be signed in when one arrives.
INTAKE_READERS: frozenset[Role] = frozenset({R.HANDLER, R.OVERSEER})
# A new case's key is sealed to the opener, the assigned handler and these roles.
CASE_READERS: frozenset[Role] = frozenset({R.OVERSEER, R.DECISION_MAKER})

REFUSALS: Mapping[Action, str] = {
    Action.VIEW_INBOX: "Only the professional standards team and the overseer see the report inbox.",
    Action.READ_REPORT: "Your role does not allow you to read reports.",
    Action.ACKNOWLEDGE_REPORT: "Only a case handler can acknowledge a report.",
    Action.REPLY_TO_REPORTER: "Only a case handler can reply to a reporter.",
    Action.WRITE_NOTE: "Your role does not allow you to write case notes.",
    Action.OPEN_CASE: "Only a case handler can open a case.",
    Action.ASSIGN_HANDLER: "Only a case handler or a decision maker can assign a handler.",
    Action.READ_CASE: "Your role does not allow you to read cases.",
    Action.ENTER_REPORT_ON_BEHALF: "Only an operator can enter a report on someone's behalf.",
    Action.DISCLOSE_IDENTITY: "Only the custodian can disclose a reporter's identity.",
    Action.MANAGE_USERS: "Only an administrator can manage users.",
    Action.VIEW_AUDIT: "Only the overseer and administrators can inspect the audit log.",
    Action.LINK_SUBJECT: "Only a case handler or a decision maker can link an allegation to a staff record.",
    Action.VIEW_PERSON_HISTORY: "Only the professional standards team and the overseer see a person's history.",
    Action.RUN_VETTING_CHECK: "Only the vetting unit, the professional standards team and the overseer can run vetting checks.",
    Action.VIEW_STATISTICS: "Only analysts and the overseer see exact statistics; everyone can see the published figures at /transparency.",
    Action.MAKE_SEPARATION_ORDER: "Only a case handler or a welfare officer can make or end a separation order.",
    Action.READ_SEPARATION_ORDERS: "Only welfare, the professional standards team, decision makers and the overseer can read separation orders.",
    Action.CHANGE_POSTING: "Only HR, welfare, the professional standards team or a decision maker can change or check a posting.",
    Action.OVERRIDE_POSTING: "Only a decision maker can override a separation order, and only with written reasons.",
    Action.VIEW_OVERRIDES: "Only the overseer reviews the overrides of separation orders.",
    Action.VIEW_INTERVENTION_FLAGS: "Only the professional standards team and the overseer see early-intervention flags.",
    Action.RESPOND_TO_INTERVENTION_FLAG: "Only a decision maker can respond to an early-intervention flag.",
}


def allowed(roles: Iterable[Role], action: Action) -> bool:
    return not PERMISSIONS[action].isdisjoint(roles)


def require(roles: Iterable[Role], action: Action) -> None:
    if not allowed(roles, action):
        raise NotAllowed(REFUSALS[action], code=f"not_allowed:{action.value}")
