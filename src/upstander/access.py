"""Who may do what: one declarative table, read by every service and by the access tests.

Roles decide which actions are open to a person at all; reading content additionally needs the
content's key to have been sealed to them (the cryptographic half of the rule, enforced where
the key is unsealed). An admin holds no content key, so cannot read a report whatever the table
says — and the table does not say so either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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
    FILE_ESCROW_REPORT = "file_escrow_report"
    OVERRIDE_CONFLICT = "override_conflict"
    DECLARE_RELATIONSHIP = "declare_relationship"
    RECORD_DECLARATION = "record_declaration"
    RECORD_CONSENT = "record_consent"
    REPRESENT = "represent"
    OVERSEE = "oversee"
    RECORD_RESTRICTED_DUTIES = "record_restricted_duties"
    SUSPEND = "suspend"
    READ_RESTRICTIONS = "read_restrictions"
    RECORD_HR_EVENT = "record_hr_event"
    VIEW_DETRIMENT_ALERTS = "view_detriment_alerts"
    VIEW_INTERVENTION_FLAGS = "view_intervention_flags"
    RESPOND_TO_INTERVENTION_FLAG = "respond_to_intervention_flag"
    SET_LEGAL_HOLD = "set_legal_hold"
    MAKE_CASE_FILE = "make_case_file"
    VIEW_READERS = "view_readers"
    MANAGE_UNITS = "manage_units"


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
    Action.MANAGE_UNITS: frozenset({R.ADMIN}),
    # Not the administrators: the trail records what they do, and who reads what.
    Action.VIEW_AUDIT: frozenset({R.OVERSEER}),
    # Who has read a case or a report: its overseer and decision makers, who answer for its handling.
    Action.VIEW_READERS: frozenset({R.OVERSEER, R.DECISION_MAKER}),
    Action.LINK_SUBJECT: frozenset({R.HANDLER, R.DECISION_MAKER}),
    Action.VIEW_PERSON_HISTORY: frozenset({R.HANDLER, R.DECISION_MAKER, R.OVERSEER}),
    Action.RUN_VETTING_CHECK: frozenset({R.VETTING, R.HANDLER, R.DECISION_MAKER, R.OVERSEER}),
    Action.VIEW_STATISTICS: frozenset({R.ANALYST, R.OVERSEER}),
    Action.MAKE_SEPARATION_ORDER: frozenset({R.HANDLER, R.WELFARE}),
    Action.READ_SEPARATION_ORDERS: frozenset({R.HANDLER, R.WELFARE, R.DECISION_MAKER, R.OVERSEER}),
    Action.CHANGE_POSTING: frozenset({R.HR, R.WELFARE, R.HANDLER, R.DECISION_MAKER}),
    Action.OVERRIDE_POSTING: frozenset({R.DECISION_MAKER}),
    Action.VIEW_OVERRIDES: frozenset({R.OVERSEER}),
    # Any signed-in member of staff: escrow needs an account (no sybil matches), not a PSD role.
    # Not the admin function account (it only manages users); its holder files from their own.
    Action.FILE_ESCROW_REPORT: frozenset(R) - {R.ADMIN},
    Action.OVERRIDE_CONFLICT: frozenset({R.DECISION_MAKER}),
    Action.DECLARE_RELATIONSHIP: frozenset(set(R) - {R.ADMIN}),
    Action.RECORD_DECLARATION: frozenset({R.HANDLER, R.DECISION_MAKER}),
    Action.RECORD_CONSENT: frozenset({R.HANDLER, R.DECISION_MAKER}),
    Action.REPRESENT: frozenset({R.REPRESENTATIVE}),
    Action.OVERSEE: frozenset({R.OVERSEER}),
    # Welfare may put someone on restricted duties (and review or lift it); suspension is the
    # appropriate authority's decision alone (Police (Conduct) Regulations 2020, reg. 11).
    Action.RECORD_RESTRICTED_DUTIES: frozenset({R.DECISION_MAKER, R.WELFARE}),
    Action.SUSPEND: frozenset({R.DECISION_MAKER}),
    Action.READ_RESTRICTIONS: frozenset({R.WELFARE, R.DECISION_MAKER, R.HANDLER, R.OVERSEER}),
    Action.RECORD_HR_EVENT: frozenset({R.HR}),
    Action.VIEW_DETRIMENT_ALERTS: frozenset({R.OVERSEER, R.CUSTODIAN}),
    Action.VIEW_INTERVENTION_FLAGS: frozenset({R.HANDLER, R.DECISION_MAKER, R.OVERSEER}),
    Action.RESPOND_TO_INTERVENTION_FLAG: frozenset({R.DECISION_MAKER}),
    # The appropriate authority decides what must be kept for litigation or an inquiry.
    Action.SET_LEGAL_HOLD: frozenset({R.DECISION_MAKER}),
    # The bundle for a hearing: made by the appropriate authority who brings the case, or the overseer.
    Action.MAKE_CASE_FILE: frozenset({R.DECISION_MAKER, R.OVERSEER}),
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
    Action.MANAGE_UNITS: "Only an administrator keeps the organisation's units.",
    Action.VIEW_AUDIT: "Only the overseer reads the audit trail.",
    Action.VIEW_READERS: "Only the overseer and decision makers see who has read a case or a report.",
    Action.LINK_SUBJECT: "Only a case handler or a decision maker can link an allegation to a staff record.",
    Action.VIEW_PERSON_HISTORY: "Only the professional standards team and the overseer see a person's history.",
    Action.RUN_VETTING_CHECK: "Only the vetting unit, the professional standards team and the overseer can run vetting checks.",
    Action.VIEW_STATISTICS: "Only analysts and the overseer see exact statistics; everyone can see the published figures at /transparency.",
    Action.MAKE_SEPARATION_ORDER: "Only a case handler or a welfare officer can make or end a separation order.",
    Action.READ_SEPARATION_ORDERS: "Only welfare, the professional standards team, decision makers and the overseer can read separation orders.",
    Action.CHANGE_POSTING: "Only HR, welfare, the professional standards team or a decision maker can change or check a posting.",
    Action.OVERRIDE_POSTING: "Only a decision maker can override a separation order, and only with written reasons.",
    Action.VIEW_OVERRIDES: "Only the overseer reviews the overrides of separation orders.",
    Action.FILE_ESCROW_REPORT: "An administrator account cannot file escrow reports; file from your own staff account.",
    Action.OVERRIDE_CONFLICT: "Only a decision maker can appoint someone despite a conflict of interest, and only with written reasons.",
    Action.DECLARE_RELATIONSHIP: "Administrators do not declare relationships: they are given no case.",
    Action.RECORD_DECLARATION: "Only a case handler or a decision maker can record a relationship for someone else.",
    Action.RECORD_CONSENT: "Only a case handler or a decision maker can record a subject's consent to a representative.",
    Action.REPRESENT: "Only a staff-association representative has represented members' cases.",
    Action.OVERSEE: "Only the overseer sees the oversight view and gives directions on cases.",
    Action.RECORD_RESTRICTED_DUTIES: "Only a decision maker or a welfare officer can record or review restricted duties.",
    Action.SUSPEND: "Only a decision maker can suspend someone, or review or lift a suspension.",
    Action.READ_RESTRICTIONS: "Only welfare, the professional standards team, decision makers and the overseer can read the register of suspensions and restricted duties.",
    Action.RECORD_HR_EVENT: "Only HR can record HR decisions.",
    Action.VIEW_DETRIMENT_ALERTS: "Only the overseer and the custodian see detriment alerts.",
    Action.VIEW_INTERVENTION_FLAGS: "Only the professional standards team and the overseer see early-intervention flags.",
    Action.RESPOND_TO_INTERVENTION_FLAG: "Only a decision maker can respond to an early-intervention flag.",
    Action.SET_LEGAL_HOLD: "Only a decision maker can set or lift a legal hold, and only with written reasons.",
    Action.MAKE_CASE_FILE: "Only a decision maker or the overseer can make the case file for a hearing.",
}


def allowed(roles: Iterable[Role], action: Action) -> bool:
    return not PERMISSIONS[action].isdisjoint(roles)


def require(roles: Iterable[Role], action: Action) -> None:
    if not allowed(roles, action):
        raise NotAllowed(REFUSALS[action], code=f"not_allowed:{action.value}")


# --- Routes -------------------------------------------------------------------------------------
#
# Every HTTP route has exactly one row here: who may reach it at all (its audience), the action it
# needs, and whether it is about one case or report that the person must be tied to. The web layer
# enforces the row before the route runs (`web/gate.py`), and a generated test requests every
# route as every role, with and without a tie to the case, and compares the answer with the row.
# A route without a row is refused, and fails that test.


class Audience(StrEnum):
    PUBLIC = "public"  # anyone; with an action, a caller presenting a staff token must hold it
    REPORTER = "reporter"  # a reporter signed in with their receipt key (checked by the route)
    STAFF = "staff"  # a signed-in member of staff; the row's action narrows it to some roles


class Scope(StrEnum):
    """What a route is about, named by one of its path parameters. A person with no tie to that
    thing gets 404: to them, whether it exists is itself a secret."""

    NONE = "none"
    CASE = "case"  # tied when the case's key has been sealed to the person
    REPORT = "report"  # tied when the report's key, or its case's, has been sealed to them
    ESCROWED = "escrowed"  # tied only to one's own escrow report
    REPRESENTED = "represented"  # a case, tied to a representative while the subject's consent holds
    CONSENT = "consent"  # tied to its representative, the subject's own account, and a handler or
    # decision maker holding the case's key
    DECLARATION = "declaration"  # tied to its declarer, and to handlers and decision makers

    @property
    def parameter(self) -> str:
        return "case_id" if self is Scope.REPRESENTED else f"{self.value}_id"


@dataclass(frozen=True)
class RouteRule:
    audience: Audience
    action: Action | None = None
    scope: Scope = Scope.NONE


PUBLIC = RouteRule(Audience.PUBLIC)
REPORTER = RouteRule(Audience.REPORTER)
ANY_STAFF = RouteRule(Audience.STAFF)


def staff(action: Action, scope: Scope = Scope.NONE) -> RouteRule:
    return RouteRule(Audience.STAFF, action, scope)


A, CASE, REPORT, OWN_ESCROW = Action, Scope.CASE, Scope.REPORT, Scope.ESCROWED
REPRESENTED, CONSENT, DECLARATION = Scope.REPRESENTED, Scope.CONSENT, Scope.DECLARATION

ROUTES: Mapping[tuple[str, str], RouteRule] = {
    # Public pages and the reporter's own pages.
    ("GET", "/"): PUBLIC,
    ("GET", "/privacy"): PUBLIC,
    ("GET", "/favicon.ico"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/report"): PUBLIC,
    ("POST", "/report"): PUBLIC,
    ("GET", "/follow-up"): PUBLIC,
    ("POST", "/follow-up"): PUBLIC,
    ("GET", "/follow-up/report"): REPORTER,
    ("POST", "/follow-up/report/messages"): REPORTER,
    ("POST", "/follow-up/report/steps/{kind}"): REPORTER,
    ("GET", "/follow-up/report/files/{attachment_id}"): REPORTER,
    ("POST", "/follow-up/sign-out"): PUBLIC,
    ("GET", "/transparency"): PUBLIC,
    ("GET", "/transparency/charts/{name}.svg"): PUBLIC,
    ("GET", "/transparency/report/{year}.html"): PUBLIC,
    ("GET", "/transparency/report/{year}.csv"): PUBLIC,
    # Staff pages.
    ("GET", "/staff/sign-in"): PUBLIC,
    ("POST", "/staff/sign-in"): PUBLIC,
    ("POST", "/staff/sign-out"): PUBLIC,
    ("GET", "/staff"): ANY_STAFF,
    ("GET", "/staff/inbox"): staff(A.VIEW_INBOX),
    ("GET", "/staff/reports/{report_id}"): staff(A.READ_REPORT, REPORT),
    ("POST", "/staff/reports/{report_id}/acknowledge"): staff(A.ACKNOWLEDGE_REPORT, REPORT),
    ("POST", "/staff/reports/{report_id}/replies"): staff(A.REPLY_TO_REPORTER, REPORT),
    ("POST", "/staff/reports/{report_id}/notes"): staff(A.WRITE_NOTE, REPORT),
    ("GET", "/staff/reports/{report_id}/files/{attachment_id}"): staff(A.READ_REPORT, REPORT),
    ("GET", "/staff/phone-report"): staff(A.ENTER_REPORT_ON_BEHALF),
    ("POST", "/staff/phone-report"): staff(A.ENTER_REPORT_ON_BEHALF),
    ("GET", "/staff/identities"): staff(A.DISCLOSE_IDENTITY),
    ("POST", "/staff/identities/{report_id}/disclose"): staff(A.DISCLOSE_IDENTITY),
    ("GET", "/staff/dashboard"): staff(A.READ_CASE),
    ("GET", "/staff/cases"): staff(A.READ_CASE),
    ("POST", "/staff/cases"): staff(A.OPEN_CASE),
    ("GET", "/staff/cases/{case_id}"): staff(A.READ_CASE, CASE),
    ("GET", "/staff/cases/{case_id}/readers"): staff(A.VIEW_READERS, CASE),
    ("GET", "/staff/reports/{report_id}/readers"): staff(A.VIEW_READERS, REPORT),
    ("POST", "/staff/cases/{case_id}/steps/{kind}"): staff(A.READ_CASE, CASE),
    ("POST", "/staff/cases/{case_id}/handler"): staff(A.ASSIGN_HANDLER, CASE),
    ("GET", "/staff/cases/{case_id}/case-file.pdf"): staff(A.MAKE_CASE_FILE, CASE),
    ("GET", "/staff/statistics"): staff(A.VIEW_STATISTICS),
    ("GET", "/staff/statistics/disproportionality.svg"): staff(A.VIEW_STATISTICS),
    ("GET", "/staff/analysis"): staff(A.VIEW_STATISTICS),
    ("GET", "/staff/analysis/export.csv"): staff(A.VIEW_STATISTICS),
    ("GET", "/staff/analysis/export.json"): staff(A.VIEW_STATISTICS),
    ("GET", "/staff/people/{person_id}"): staff(A.VIEW_PERSON_HISTORY),
    ("POST", "/staff/allegations/{allegation_id}/links"): staff(A.LINK_SUBJECT),
    ("GET", "/staff/separation-orders"): staff(A.READ_SEPARATION_ORDERS),
    ("POST", "/staff/separation-orders"): staff(A.MAKE_SEPARATION_ORDER),
    ("GET", "/staff/postings/overrides"): staff(A.VIEW_OVERRIDES),
    # The JSON API: reporters.
    ("POST", "/api/v1/reports"): PUBLIC,
    ("POST", "/api/v1/reporter/session"): PUBLIC,
    ("DELETE", "/api/v1/reporter/session"): REPORTER,
    ("GET", "/api/v1/reporter/report"): REPORTER,
    ("POST", "/api/v1/reporter/messages"): REPORTER,
    ("POST", "/api/v1/reporter/steps/{kind}"): REPORTER,
    ("GET", "/api/v1/reporter/attachments/{attachment_id}"): REPORTER,
    # The JSON API: staff.
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("DELETE", "/api/v1/auth/token"): ANY_STAFF,
    ("GET", "/api/v1/me"): ANY_STAFF,
    ("POST", "/api/v1/operator/reports"): staff(A.ENTER_REPORT_ON_BEHALF),
    ("GET", "/api/v1/inbox"): staff(A.VIEW_INBOX),
    ("GET", "/api/v1/reports/{report_id}"): staff(A.READ_REPORT, REPORT),
    ("POST", "/api/v1/reports/{report_id}/acknowledge"): staff(A.ACKNOWLEDGE_REPORT, REPORT),
    ("POST", "/api/v1/reports/{report_id}/replies"): staff(A.REPLY_TO_REPORTER, REPORT),
    ("POST", "/api/v1/reports/{report_id}/notes"): staff(A.WRITE_NOTE, REPORT),
    ("GET", "/api/v1/reports/{report_id}/attachments/{attachment_id}"): staff(A.READ_REPORT, REPORT),
    ("GET", "/api/v1/dashboard"): staff(A.READ_CASE),
    ("GET", "/api/v1/cases"): staff(A.READ_CASE),
    ("POST", "/api/v1/cases"): staff(A.OPEN_CASE),
    ("GET", "/api/v1/cases/{case_id}"): staff(A.READ_CASE, CASE),
    ("POST", "/api/v1/cases/{case_id}/steps/{kind}"): staff(A.READ_CASE, CASE),
    ("POST", "/api/v1/cases/{case_id}/handler"): staff(A.ASSIGN_HANDLER, CASE),
    ("GET", "/api/v1/people/{person_id}/history"): staff(A.VIEW_PERSON_HISTORY),
    ("POST", "/api/v1/allegations/{allegation_id}/links"): staff(A.LINK_SUBJECT),
    ("POST", "/api/v1/vetting/checks"): staff(A.RUN_VETTING_CHECK),
    ("GET", "/staff/vetting"): staff(A.RUN_VETTING_CHECK),
    ("POST", "/staff/vetting"): staff(A.RUN_VETTING_CHECK),
    # Published figures for everyone; exact ones for an analyst or the overseer who signs in.
    ("GET", "/api/v1/statistics/stages"): RouteRule(Audience.PUBLIC, A.VIEW_STATISTICS),
    # Analyses of imported records: exact figures, for analysts and the overseer.
    ("GET", "/api/v1/analysis"): staff(A.VIEW_STATISTICS),
    ("GET", "/api/v1/separation-orders"): staff(A.READ_SEPARATION_ORDERS),
    ("POST", "/api/v1/separation-orders"): staff(A.MAKE_SEPARATION_ORDER),
    ("POST", "/api/v1/separation-orders/{order_id}/end"): staff(A.MAKE_SEPARATION_ORDER),
    ("POST", "/api/v1/postings"): staff(A.CHANGE_POSTING),
    ("POST", "/api/v1/postings/checks"): staff(A.CHANGE_POSTING),
    ("GET", "/api/v1/postings/overrides"): staff(A.VIEW_OVERRIDES),
    # Escrow reports: each member of staff sees and withdraws only their own.
    ("GET", "/staff/escrow"): staff(A.FILE_ESCROW_REPORT),
    ("POST", "/staff/escrow"): staff(A.FILE_ESCROW_REPORT),
    ("POST", "/staff/escrow/{escrowed_id}/withdraw"): staff(A.FILE_ESCROW_REPORT, OWN_ESCROW),
    ("GET", "/api/v1/escrow/reports"): staff(A.FILE_ESCROW_REPORT),
    ("POST", "/api/v1/escrow/reports"): staff(A.FILE_ESCROW_REPORT),
    ("POST", "/api/v1/escrow/reports/{escrowed_id}/withdraw"): staff(A.FILE_ESCROW_REPORT, OWN_ESCROW),
    # Conflicts of interest: declarations, the screened candidates, and overrides for the overseer.
    ("GET", "/staff/declarations"): staff(A.DECLARE_RELATIONSHIP),
    ("POST", "/staff/declarations"): staff(A.DECLARE_RELATIONSHIP),
    ("POST", "/staff/declarations/{declaration_id}/withdraw"): staff(A.DECLARE_RELATIONSHIP, DECLARATION),
    ("GET", "/api/v1/declarations"): staff(A.DECLARE_RELATIONSHIP),
    ("POST", "/api/v1/declarations"): staff(A.DECLARE_RELATIONSHIP),
    ("POST", "/api/v1/declarations/{declaration_id}/withdraw"): staff(A.DECLARE_RELATIONSHIP, DECLARATION),
    ("GET", "/api/v1/cases/{case_id}/candidates"): staff(A.ASSIGN_HANDLER, CASE),
    ("POST", "/api/v1/cases/{case_id}/decision-maker-overrides"): staff(A.OVERRIDE_CONFLICT, CASE),
    ("GET", "/api/v1/assignment-overrides"): staff(A.VIEW_OVERRIDES),
    # Representatives: consent recorded by the case's handler or a decision maker; the
    # representative sees only the cases they hold consent for, and only disclosed material.
    ("POST", "/staff/cases/{case_id}/representatives"): staff(A.RECORD_CONSENT, CASE),
    ("POST", "/staff/cases/{case_id}/representatives/{consent_id}/withdraw"): RouteRule(
        Audience.STAFF, None, CONSENT
    ),
    ("GET", "/api/v1/cases/{case_id}/representatives"): staff(A.RECORD_CONSENT, CASE),
    ("POST", "/api/v1/cases/{case_id}/representatives"): staff(A.RECORD_CONSENT, CASE),
    ("POST", "/api/v1/cases/{case_id}/representatives/{consent_id}/withdraw"): RouteRule(
        Audience.STAFF, None, CONSENT
    ),
    ("GET", "/staff/represented"): staff(A.REPRESENT),
    ("GET", "/staff/represented/{case_id}"): staff(A.REPRESENT, REPRESENTED),
    ("POST", "/staff/represented/{case_id}/steps/{kind}"): staff(A.REPRESENT, REPRESENTED),
    ("GET", "/api/v1/represented"): staff(A.REPRESENT),
    ("GET", "/api/v1/represented/{case_id}"): staff(A.REPRESENT, REPRESENTED),
    ("POST", "/api/v1/represented/{case_id}/steps/{kind}"): staff(A.REPRESENT, REPRESENTED),
    # The register of suspensions and restricted duties.
    ("GET", "/staff/restrictions"): staff(A.READ_RESTRICTIONS),
    ("POST", "/staff/restrictions"): staff(A.RECORD_RESTRICTED_DUTIES),
    ("POST", "/staff/restrictions/{reference}/reviews"): staff(A.RECORD_RESTRICTED_DUTIES),
    ("GET", "/api/v1/restrictions"): staff(A.READ_RESTRICTIONS),
    ("GET", "/api/v1/restrictions/due"): staff(A.READ_RESTRICTIONS),
    ("POST", "/api/v1/restrictions"): staff(A.RECORD_RESTRICTED_DUTIES),
    ("POST", "/api/v1/restrictions/{restriction_id}/reviews"): staff(A.RECORD_RESTRICTED_DUTIES),
    # HR decisions, and the detriment watch over reporters (alerts only to the overseer and custodian).
    ("GET", "/staff/hr/events"): staff(A.RECORD_HR_EVENT),
    ("POST", "/staff/hr/events"): staff(A.RECORD_HR_EVENT),
    ("POST", "/api/v1/hr/events"): staff(A.RECORD_HR_EVENT),
    ("GET", "/staff/detriment-alerts"): staff(A.VIEW_DETRIMENT_ALERTS),
    ("GET", "/api/v1/detriment-alerts"): staff(A.VIEW_DETRIMENT_ALERTS),
    ("POST", "/staff/identities/{report_id}/detriment-watch"): staff(A.DISCLOSE_IDENTITY),
    ("POST", "/api/v1/reports/{report_id}/detriment-watch"): staff(A.DISCLOSE_IDENTITY),
    # Early-intervention flags: seen by the PSD and the overseer, answered by a decision maker.
    ("GET", "/staff/intervention-flags"): staff(A.VIEW_INTERVENTION_FLAGS),
    ("POST", "/staff/intervention-flags/{flag_id}/response"): staff(A.RESPOND_TO_INTERVENTION_FLAG),
    ("GET", "/api/v1/intervention-flags"): staff(A.VIEW_INTERVENTION_FLAGS),
    ("POST", "/api/v1/intervention-flags/{flag_id}/response"): staff(A.RESPOND_TO_INTERVENTION_FLAG),
    # The overseer's view of every case, referral, override and overdue item.
    ("GET", "/staff/oversight"): staff(A.OVERSEE),
    ("GET", "/api/v1/oversight"): staff(A.OVERSEE),
    ("POST", "/staff/oversight/share-keys"): staff(A.OVERSEE),
    ("POST", "/api/v1/oversight/share-keys"): staff(A.OVERSEE),
    # Accounts: the administrator runs them (no route here shows content); each person changes
    # their own password and recovery key; a forgotten password is reset with the recovery key.
    ("GET", "/staff/admin"): staff(A.MANAGE_USERS),
    # The organisation's units, kept by the administrator (people move through the posting service).
    ("GET", "/staff/units"): staff(A.MANAGE_UNITS),
    ("POST", "/staff/units"): staff(A.MANAGE_UNITS),
    ("POST", "/staff/units/{unit_id}/rename"): staff(A.MANAGE_UNITS),
    ("POST", "/staff/units/{unit_id}/move"): staff(A.MANAGE_UNITS),
    ("POST", "/staff/units/{unit_id}/close"): staff(A.MANAGE_UNITS),
    ("GET", "/staff/users"): staff(A.MANAGE_USERS),
    ("POST", "/staff/users"): staff(A.MANAGE_USERS),
    ("POST", "/staff/users/{user_id}/second-factor"): staff(A.MANAGE_USERS),
    ("POST", "/api/v1/users"): staff(A.MANAGE_USERS),
    ("POST", "/api/v1/users/{user_id}/second-factor"): staff(A.MANAGE_USERS),
    # Enrolment: whoever holds a one-time code, before they have a password or second factor.
    ("GET", "/staff/enrol"): PUBLIC,
    ("POST", "/staff/enrol"): PUBLIC,
    ("POST", "/staff/enrol/finish"): PUBLIC,
    ("POST", "/api/v1/auth/enrolment"): PUBLIC,
    ("POST", "/api/v1/auth/enrolment/finish"): PUBLIC,
    ("POST", "/staff/users/{user_id}/disable"): staff(A.MANAGE_USERS),
    ("POST", "/staff/users/{user_id}/enable"): staff(A.MANAGE_USERS),
    ("POST", "/staff/users/{user_id}/roles"): staff(A.MANAGE_USERS),
    ("GET", "/api/v1/users"): staff(A.MANAGE_USERS),
    ("POST", "/api/v1/users/{user_id}/disable"): staff(A.MANAGE_USERS),
    ("POST", "/api/v1/users/{user_id}/enable"): staff(A.MANAGE_USERS),
    ("POST", "/api/v1/users/{user_id}/roles"): staff(A.MANAGE_USERS),
    ("GET", "/staff/account"): ANY_STAFF,
    ("POST", "/staff/account/password"): ANY_STAFF,
    ("POST", "/staff/account/recovery-key"): ANY_STAFF,
    ("POST", "/api/v1/me/password"): ANY_STAFF,
    ("POST", "/api/v1/me/recovery-key"): ANY_STAFF,
    # Where one's own notifications go; a reporter is never sent any.
    ("GET", "/staff/account/notifications"): ANY_STAFF,
    ("POST", "/staff/account/notifications"): ANY_STAFF,
    ("GET", "/api/v1/me/notifications"): ANY_STAFF,
    ("PUT", "/api/v1/me/notifications"): ANY_STAFF,
    ("GET", "/staff/recover"): PUBLIC,
    ("POST", "/staff/recover"): PUBLIC,
    ("POST", "/api/v1/auth/recovery"): PUBLIC,
    # The audit trail, for the overseer; reading it is itself recorded.
    ("GET", "/staff/audit"): staff(A.VIEW_AUDIT),
    ("GET", "/staff/audit/export.csv"): staff(A.VIEW_AUDIT),
    ("GET", "/api/v1/audit"): staff(A.VIEW_AUDIT),
    ("GET", "/api/v1/audit/export.csv"): staff(A.VIEW_AUDIT),
    # Legal holds keep a case from the retention job; set and lifted by a decision maker with reasons.
    ("POST", "/staff/cases/{case_id}/legal-hold"): staff(A.SET_LEGAL_HOLD, CASE),
    ("POST", "/staff/cases/{case_id}/legal-hold/lift"): staff(A.SET_LEGAL_HOLD, CASE),
    ("GET", "/api/v1/cases/{case_id}/legal-holds"): staff(A.READ_CASE, CASE),
    ("POST", "/api/v1/cases/{case_id}/legal-hold"): staff(A.SET_LEGAL_HOLD, CASE),
    ("POST", "/api/v1/cases/{case_id}/legal-hold/lift"): staff(A.SET_LEGAL_HOLD, CASE),
    # Subject access: each member of staff exports their own record, whatever their role.
    ("GET", "/staff/account/export"): ANY_STAFF,
    ("GET", "/api/v1/me/export"): ANY_STAFF,
}

NOT_IN_TABLE = "This address has no entry in the access table, so nobody may use it."
NOT_TIED = {
    Scope.CASE: "There is no such case, or you have not been given access to it.",
    Scope.REPORT: "There is no such report, or you have not been given access to it.",
    Scope.ESCROWED: "You have no escrow report with that reference.",
    Scope.REPRESENTED: "There is no such case among those you represent.",
    Scope.CONSENT: "There is no such consent.",
    Scope.DECLARATION: "There is no such declaration.",
}


def route_rule(method: str, path: str) -> RouteRule | None:
    """The row for a route; HEAD is answered as GET."""
    return ROUTES.get(("GET" if method == "HEAD" else method, path))
