"""`/openapi.json` as the API really answers, not only as its routes' signatures suggest.

FastAPI documents each operation's success and a 422 `HTTPValidationError` it never sends. This
module builds the same schema and then says the rest, each from where the behaviour comes from:

- Who may call it (`securitySchemes`): `staffBearer` where the access gate or the route signs a
  member of staff in, `reporterBearer` where the route asks for a reporter's receipt-key token,
  both optional where a public route shows more to a member of staff who presents a token.
- Which errors it answers, each as RFC 9457 `application/problem+json` (`Problem`):
  401 where a token is needed or may be presented; 403 where the access table names an action;
  404 where the route is about one thing (a path parameter, or a tie the gate checks); 413 where
  it reads a body (the body size limit); 422 where it reads any input; 503 everywhere, because
  every operation reaches the database and an unreachable one is answered "try again later".
  What no dependency shows (a wrong password's 401, a rate limit's 429, a reference in the body
  to something that does not exist answered 404, a workflow refusing a step with 409) is listed
  per operation in `DOMAIN_ANSWERS`, each with the rule behind it.
- What it serves: attachments are served as the sniffed type of their bytes, never as JSON; a
  retried submission is answered 200 with the first receipt.

An operation whose input has rules that JSON Schema cannot state (a combination of fields, a
reference that must exist in the database, a date range that must be ordered, a file whose bytes
must be of an accepted type) carries `x-upstander-rules-beyond-schema` with those rules in plain
words: a request that matches the schema can still be refused there with 422.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.routing import APIRoute, iter_route_contexts

from upstander import access
from upstander.reports import file_kinds
from upstander.safeguarding.register.rules import MAX_REVIEW_DAYS
from upstander.web.deps import api_reporter, api_staff

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
STAFF_BEARER = "staffBearer"
REPORTER_BEARER = "reporterBearer"
RULES_BEYOND_SCHEMA = "x-upstander-rules-beyond-schema"

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document: what went wrong, in words written for the person who reads it.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri", "description": "Identifies the kind of problem."},
        "title": {"type": "string", "description": "A short summary of the kind of problem."},
        "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status."},
        "detail": {"type": "string", "description": "What happened this time, and what to do about it."},
        "instance": {"type": "string", "description": "The path that was asked for."},
        "code": {"type": "string", "description": "A stable code for programs to act on."},
        "errors": {
            "type": "array",
            "description": "For 422: each field that was not valid, and why.",
            "items": {
                "type": "object",
                "required": ["field", "detail"],
                "properties": {"field": {"type": "string"}, "detail": {"type": "string"}},
            },
        },
    },
}

SECURITY_SCHEMES: dict[str, Any] = {
    STAFF_BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "A member of staff's token from `POST /api/v1/auth/token` (username, password and TOTP code).",
    },
    REPORTER_BEARER: {
        "type": "http",
        "scheme": "bearer",
        "description": "A reporter's token from `POST /api/v1/reporter/session` (the receipt key).",
    },
}

RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again.", "schema": {"type": "integer"}}
}
ERROR_ANSWERS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The request body could not be read.", {}),
    401: (
        "No token, or one that is not valid (any more).",
        {"WWW-Authenticate": {"description": "`Bearer`.", "schema": {"type": "string"}}},
    ),
    403: ("Signed in, but this needs a role you do not have.", {}),
    404: ("There is no such thing, or you have not been given access to it.", {}),
    409: ("This conflicts with the current state; the detail says what.", {}),
    413: ("What was sent is larger than this service accepts at once.", {}),
    422: ("Some of what was sent is missing or not valid; `errors` names each field.", {}),
    429: ("Too many attempts; wait as long as Retry-After says.", RETRY_AFTER),
    503: ("Not available right now (the database could not be reached); try again later.", RETRY_AFTER),
}

# What an operation answers beyond what its dependencies show, with the rule that says so.
STEP_REFUSED = "the process does not allow this step now; the detail says why"
DOMAIN_ANSWERS: dict[tuple[str, str], dict[int, str]] = {
    ("POST", "/api/v1/auth/token"): {
        401: "the username, password or code is wrong",
        429: "five failures lock the account for a while",
    },
    ("POST", "/api/v1/reporter/session"): {
        401: "no report has that receipt key",
        429: "too many wrong receipt keys are being tried",
    },
    ("POST", "/api/v1/reports"): {409: "the Idempotency-Key was used before with a different report"},
    ("POST", "/api/v1/operator/reports"): {
        409: "the Idempotency-Key was used before with a different report"
    },
    ("POST", "/api/v1/reports/{report_id}/acknowledge"): {409: "the report has already been acknowledged"},
    ("POST", "/api/v1/reporter/steps/{kind}"): {409: STEP_REFUSED},
    ("POST", "/api/v1/cases/{case_id}/steps/{kind}"): {409: STEP_REFUSED},
    ("POST", "/api/v1/represented/{case_id}/steps/{kind}"): {409: STEP_REFUSED},
    ("POST", "/api/v1/cases"): {
        404: "a report named in the body does not exist or is not yours to read",
        409: "a report named is already part of a case",
    },
    ("POST", "/api/v1/cases/{case_id}/handler"): {409: "that person is already the case's handler"},
    ("POST", "/api/v1/allegations/{allegation_id}/links"): {
        409: "the allegation is already linked to someone else"
    },
    ("POST", "/api/v1/intervention-flags/{flag_id}/response"): {409: "the flag has already been answered"},
    ("POST", "/api/v1/escrow/reports/{escrowed_id}/withdraw"): {
        409: "the report has already been opened to the professional standards department"
    },
    ("POST", "/api/v1/cases/{case_id}/representatives"): {
        409: "the subject has already consented to that representative"
    },
    ("POST", "/api/v1/cases/{case_id}/representatives/{consent_id}/withdraw"): {
        409: "the consent has already been withdrawn"
    },
    ("POST", "/api/v1/declarations"): {
        404: "the case or person named is not known",
        409: "the same relationship is already declared",
    },
    ("POST", "/api/v1/declarations/{declaration_id}/withdraw"): {
        409: "the declaration has already been withdrawn"
    },
    ("POST", "/api/v1/cases/{case_id}/decision-maker-overrides"): {
        409: "there is no conflict to override, or the person may already decide"
    },
    ("POST", "/api/v1/separation-orders"): {
        404: "a person named in the body is not on the staff records",
        409: "an order between the same people is already in force",
    },
    ("POST", "/api/v1/separation-orders/{order_id}/end"): {409: "the order is no longer in force"},
    ("POST", "/api/v1/restrictions"): {409: "the person is already on restricted duties or suspended"},
    ("POST", "/api/v1/restrictions/{restriction_id}/reviews"): {409: "the restriction has been lifted"},
    ("POST", "/api/v1/escrow/reports"): {
        429: "too many escrow reports filed in the last hour, or the escrow key service is busy"
    },
    ("GET", "/api/v1/statistics/stages"): {
        403: "published figures are for whole calendar years and the published breakdowns only",
        404: "the unit named is not known",
    },
    ("POST", "/api/v1/postings"): {404: "the person or unit named is not on the staff records"},
    ("POST", "/api/v1/postings/checks"): {404: "the person or unit named is not on the staff records"},
    ("POST", "/api/v1/hr/events"): {404: "the person named is not on the staff records"},
    ("POST", "/api/v1/users/{user_id}/disable"): {409: "the account is already disabled"},
    ("POST", "/api/v1/users/{user_id}/enable"): {
        409: "the account is already active, or has not been enrolled yet"
    },
    ("POST", "/api/v1/users"): {409: "the username is already taken"},
    ("POST", "/api/v1/users/{user_id}/second-factor"): {409: "the account is disabled"},
    ("POST", "/api/v1/auth/enrolment/finish"): {
        409: "the code was used meanwhile, or the account changed meanwhile",
        429: "five wrong passwords an hour for one second-factor code",
    },
    ("POST", "/api/v1/me/password"): {409: "the account changed meanwhile (another password change)"},
    ("POST", "/api/v1/me/recovery-key"): {409: "the account changed meanwhile"},
    ("POST", "/api/v1/auth/recovery"): {
        401: "the username or recovery key is wrong",
        409: "the account changed meanwhile",
        429: "five recovery attempts an hour per username",
    },
}

# The rules an operation's input must keep that the schema does not state; each is checked by the
# domain (rules.py or service.py) and refused with 422 and the field, so one place decides.
REPORT_RULES = [
    "what happened is said, and each text field keeps to its length limit",
    "an identity, when given, names the reporter; an age is between 16 and 90",
    "attachments: at most the configured number, none empty, each of a declared type/subtype",
]
REASON_RULE = "the reason is not blank"
TRAIL_RULES = [
    "since and until, when given, are days (YYYY-MM-DD), since on or before until",
    "case_id and report_id are ids; account and actor name existing accounts",
]
IDEMPOTENCY_RULE = "the Idempotency-Key header, when sent, is 8 to 200 printable characters"
RULES: dict[tuple[str, str], list[str]] = {
    ("POST", "/api/v1/reports"): [IDEMPOTENCY_RULE, *REPORT_RULES],
    ("POST", "/api/v1/operator/reports"): [IDEMPOTENCY_RULE, *REPORT_RULES],
    ("POST", "/api/v1/reporter/messages"): [
        "a message has text or a file",
        "attachments: none empty, each with a content type of the form type/subtype",
    ],
    ("POST", "/api/v1/reporter/steps/{kind}"): ["kind is request_review or request_withdrawal"],
    ("GET", "/api/v1/statistics/stages"): [
        "population and by name a population and a breakdown that exist; complainants are "
        "broken down by ethnicity, sex and age only",
        "the period starts on or before the day it ends",
    ],
    ("POST", "/api/v1/vetting/checks"): ["a staff number, or a family name and a date of birth"],
    ("GET", "/api/v1/analysis"): [
        "source names a source whose complaints have been imported",
        "only, rate_of and among are ATTRIBUTE=VALUE[,VALUE…]; range is ATTRIBUTE=FIRST..LAST; each "
        "attribute is one the unit has (group_by and rates: the unit's own); days are YYYY-MM-DD",
        "top is a fraction above 0 and at most 1; among is given only with rate_of",
    ],
    ("POST", "/api/v1/cases"): ["handler_id, when given, is an active case handler"],
    ("GET", "/api/v1/inbox"): [
        "sort is one of the list's columns; a cursor is one this list gave for the same sort",
        "status, category, channel, who and due are each one of the values they name",
        "handler is me, none or a user id",
    ],
    ("GET", "/api/v1/dashboard"): [
        "each bucket's cursor is one the dashboard gave for that bucket",
    ],
    ("GET", "/api/v1/cases"): [
        "sort is one of the list's columns; a cursor is one this list gave for the same sort",
        "category is a report category; handler is me or a user id; stage is one word; "
        "due is overdue or soon",
    ],
    ("GET", "/api/v1/intervention-flags"): [
        "sort is one of the list's columns; a cursor is one this list gave for the same sort",
    ],
    ("GET", "/api/v1/people/{person_id}/history"): [
        "sort is one of the list's columns; a cursor is one this list gave for the same sort",
        "channel is internal_report, public_complaint or import",
    ],
    ("GET", "/api/v1/restrictions"): [
        "sort is one of the list's columns; a cursor is one this list gave for the same sort",
        "kind is suspended or restricted_duties; due is overdue or soon; category is one word",
    ],
    ("POST", "/api/v1/allegations/{allegation_id}/links"): ["the reason is given in a sentence"],
    ("POST", "/api/v1/separation-orders/{order_id}/end"): ["the reason is at least 20 characters"],
    ("POST", "/api/v1/postings"): ["the shift pattern is given"],
    ("POST", "/api/v1/postings/checks"): ["the shift pattern is given"],
    ("POST", "/api/v1/restrictions"): [
        "kind is restricted duties or suspension; category is one of the pack's categories",
        "it starts today or within the last year; its first review falls after the start and "
        f"within {MAX_REVIEW_DAYS} days of it",
        "a suspension records that redeployment was considered",
    ],
    ("POST", "/api/v1/restrictions/{restriction_id}/reviews"): [
        "the outcome is kept, changed or lifted; only a change changes the measure",
        "the reasons are given; a lifted restriction has no next review",
    ],
    ("POST", "/api/v1/hr/events"): ["the decision was made today or within the last year"],
    ("POST", "/api/v1/intervention-flags/{flag_id}/response"): [
        "decision is one of the choices; the reasons are given in a sentence"
    ],
    ("POST", "/api/v1/escrow/reports"): [
        "what happened is said; the person has a staff number, or a name and a unit"
    ],
    ("POST", "/api/v1/reports/{report_id}/detriment-watch"): [
        "the member of staff who reported is named by a staff number or a person id"
    ],
    ("POST", "/api/v1/users/{user_id}/disable"): [REASON_RULE, "nobody disables their own account"],
    ("POST", "/api/v1/users/{user_id}/enable"): [REASON_RULE],
    ("POST", "/api/v1/users/{user_id}/roles"): [
        REASON_RULE,
        "nobody changes their own roles; the roles differ from the account's present ones",
    ],
    ("POST", "/api/v1/me/password"): [
        "the current password is right; the new one differs from it and keeps the password policy"
    ],
    ("POST", "/api/v1/me/recovery-key"): ["the password is right"],
    ("POST", "/api/v1/auth/recovery"): ["the new password keeps the password policy"],
    ("POST", "/api/v1/users"): [
        "the username has no spaces and is not taken; the roles are known ones",
    ],
    ("POST", "/api/v1/users/{user_id}/second-factor"): [
        REASON_RULE,
        "nobody resets their own second factor; a disabled account is enabled first",
    ],
    ("POST", "/api/v1/auth/enrolment"): [
        "the code is an enrolment code issued by an administrator, unused, unexpired and the newest",
    ],
    ("POST", "/api/v1/auth/enrolment/finish"): [
        "the code is one opened with POST /api/v1/auth/enrolment, unused, unexpired and the newest",
        "totp_code is the authenticator's code now; a new account's password keeps the password "
        "policy, a reset account's is its own",
    ],
    ("GET", "/api/v1/audit"): [*TRAIL_RULES],
    ("GET", "/api/v1/audit/export.csv"): [*TRAIL_RULES],
}

# A file is served as the type its bytes are (file_kinds), from the safe list, else as octet-stream.
ATTACHMENT_CONTENT: dict[str, Any] = {
    media_type: {"schema": {"type": "string", "format": "binary"}}
    for media_type in sorted({file_kinds.OCTET_STREAM} | file_kinds.SERVED_AS_THEMSELVES)
}
# Submissions that a retry with the same Idempotency-Key answers 200 with the first receipt.
REPLAYED = {("POST", "/api/v1/reports"), ("POST", "/api/v1/operator/reports")}


def install(app: FastAPI) -> None:
    """Serve the described schema at the app's `openapi_url` (built once, on first request)."""

    def described() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app)
        return app.openapi_schema

    app.openapi = described  # type: ignore[method-assign]


def describe(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        openapi_version=app.openapi_version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    components["securitySchemes"] = SECURITY_SCHEMES
    for route, method in _api_operations(app):
        operation = schema["paths"][route.path][method.lower()]
        rule = access.route_rule(method, route.path)
        if rule is None:  # no row in the access table: the gate refuses it to everyone
            _describe_errors(operation, {403})
            continue
        security = _security(route, rule)
        if security:
            operation["security"] = security
        _describe_success(operation, route, method)
        _describe_errors(operation, _error_statuses(route, rule, method))
        rules = RULES.get((method, route.path))
        if rules:
            operation[RULES_BEYOND_SCHEMA] = rules
    for name in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(name, None)
    return schema


def _api_operations(app: FastAPI) -> Iterator[tuple[Any, str]]:
    """Each documented route (as its router includes it, with its prefix) and method."""
    for route in iter_route_contexts(app.routes):
        if isinstance(route.original_route, APIRoute) and route.include_in_schema:
            for method in sorted(route.methods or ()):
                yield route, method


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _security(route: Any, rule: access.RouteRule) -> list[dict[str, list[str]]]:
    calls = set(_calls(route.dependant))
    if rule.audience is access.Audience.STAFF or api_staff in calls:
        return [{STAFF_BEARER: []}]
    if api_reporter in calls:
        return [{REPORTER_BEARER: []}]
    if rule.action is not None:  # public, but a member of staff who presents a token must hold the action
        return [{}, {STAFF_BEARER: []}]
    return []


def _error_statuses(route: Any, rule: access.RouteRule, method: str) -> set[int]:
    dependant = route.dependant
    reads_body = route.body_field is not None
    reads_input = reads_body or any(
        _flat_params(dependant, kind) for kind in ("path_params", "query_params", "header_params")
    )
    statuses = {503}
    if _security(route, rule):
        statuses.add(401)
    if rule.action is not None:
        statuses.add(403)
    if rule.scope is not access.Scope.NONE or _flat_params(dependant, "path_params"):
        statuses.add(404)
    if reads_body:
        statuses |= {400, 413}
    if reads_input:
        statuses.add(422)
    statuses |= set(DOMAIN_ANSWERS.get((method, route.path), {}))
    return statuses


def _flat_params(dependant: Dependant, kind: str) -> list[Any]:
    found: list[Any] = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        found += _flat_params(sub, kind)
    return found


def _describe_success(operation: dict[str, Any], route: Any, method: str) -> None:
    responses: dict[str, Any] = operation["responses"]
    if getattr(route.response_class, "value", route.response_class) is Response and "200" in responses:
        responses["200"]["content"] = ATTACHMENT_CONTENT
    if (method, route.path) in REPLAYED:
        responses["200"] = {
            **responses["201"],
            "description": "A retry with the same Idempotency-Key and body: the first receipt again.",
        }


def _describe_errors(operation: dict[str, Any], statuses: set[int]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in sorted(statuses):
        description, headers = ERROR_ANSWERS[status]
        answer: dict[str, Any] = {
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_REF}},
        }
        if headers:
            answer["headers"] = headers
        responses[str(status)] = answer
