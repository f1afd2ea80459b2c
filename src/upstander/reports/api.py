"""JSON routes for reporters (receipt-key bearer) and for staff (staff bearer)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse

from upstander.errors import InvalidInput
from upstander.listing.web import PAGE_HEADERS, Paging, set_page_headers
from upstander.reports import rules, schemas
from upstander.reports.reporter_pages import file_response
from upstander.reports.rules import Clock
from upstander.reports.views import ReportView
from upstander.store import changes
from upstander.web.deps import ApiReporter, ApiStaff, IfMatch, ServicesDep, bearer_token

router = APIRouter(prefix="/api/v1", tags=["reports"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Any unique string (a UUID is ideal). A retry with the same key and body returns the first "
        "receipt; the same key with a different body is refused with 409.",
    ),
]


def _idempotency_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not 8 <= len(value) <= 200 or not value.isprintable():
        raise InvalidInput(
            "The Idempotency-Key header must be 8 to 200 printable characters.",
            fields={"Idempotency-Key": "invalid"},
        )
    return value


@router.post("/reports", status_code=201, response_model=schemas.ReceiptOut)
def submit_report(
    body: schemas.ReportIn, services: ServicesDep, idempotency_key: IdempotencyKey = None
) -> Any:
    """Submit a report, named or anonymous. The receipt key in the answer is shown once."""
    result = services.reports.submit(
        schemas.to_submission(body), idempotency_key=_idempotency_key(idempotency_key)
    )
    return JSONResponse(
        schemas.ReceiptOut(reference=result.reference, receipt_key=result.receipt_key).model_dump(),
        status_code=200 if result.replayed else 201,
        headers={"idempotent-replayed": "true"} if result.replayed else {},
    )


@router.post("/operator/reports", status_code=201, response_model=schemas.ReceiptOut)
def enter_report(
    body: schemas.OperatorReportIn,
    staff: ApiStaff,
    services: ServicesDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """An operator enters a report taken by phone or in person; the receipt key is for the reporter."""
    result = services.reports.submit(
        schemas.to_submission(body),
        channel=body.channel,
        entered_by=staff,
        idempotency_key=_idempotency_key(idempotency_key),
    )
    return JSONResponse(
        schemas.ReceiptOut(reference=result.reference, receipt_key=result.receipt_key).model_dump(),
        status_code=200 if result.replayed else 201,
    )


@router.post("/reporter/session", response_model=schemas.SessionOut)
def reporter_session(body: schemas.ReceiptKeyIn, services: ServicesDep) -> schemas.SessionOut:
    """Exchange a receipt key for a short-lived bearer token."""
    issued = services.follow_up.reporter_sign_in(body.receipt_key)
    return schemas.SessionOut(token=issued.bearer, expires_at=issued.expires_at)


@router.delete("/reporter/session", status_code=204)
def reporter_sign_out(request: Request, _reporter: ApiReporter, services: ServicesDep) -> Response:
    services.follow_up.reporter_sign_out(bearer_token(request))
    return Response(status_code=204)


@router.get("/reporter/report", response_model=schemas.ReporterReportOut)
def reporter_report(reporter: ApiReporter, services: ServicesDep) -> Any:
    view = services.follow_up.reporter_view(reporter)
    return {
        **{k: v for k, v in dataclasses.asdict(view).items() if k not in ("messages", "attachments")},
        "messages": [_message(m) for m in view.messages],
        "attachments": [_attachment(a) for a in view.attachments],
    }


@router.post("/reporter/messages", status_code=201, response_model=schemas.CreatedOut)
def reporter_message(
    body: schemas.MessageIn, reporter: ApiReporter, services: ServicesDep
) -> schemas.CreatedOut:
    """Add information and files to one's own report."""
    return schemas.CreatedOut(
        id=services.follow_up.reporter_add(reporter, body.text, schemas.decode_files(body.attachments))
    )


@router.post("/reporter/steps/{kind}", status_code=204)
def reporter_step(
    kind: str, body: schemas.ReporterStepIn, reporter: ApiReporter, services: ServicesDep
) -> Response:
    """Ask for a review of a closed case by the overseer, or ask to withdraw (`request_review`,
    `request_withdrawal`); refused with 409 and the reason when the case does not allow it now."""
    if kind not in {"request_review", "request_withdrawal"}:
        raise InvalidInput(
            "A reporter can ask for a review or to withdraw.", fields={"kind": "not a reporter step"}
        )
    services.workflow.act_as_reporter(
        reporter.report_id, kind, {"grounds": [body.text], "reasons": [body.text]}
    )
    return Response(status_code=204)


@router.get("/reporter/attachments/{attachment_id}", response_class=Response)
def reporter_attachment(attachment_id: uuid.UUID, reporter: ApiReporter, services: ServicesDep) -> Response:
    opened = services.follow_up.reporter_download(reporter, attachment_id)
    return file_response(opened.data, opened.filename)


@router.get("/inbox", response_model=list[schemas.InboxItemOut], responses=PAGE_HEADERS)
def inbox(
    request: Request,
    response: Response,
    staff: ApiStaff,
    services: ServicesDep,
    paging: Paging,
    include_in_case: bool = False,
    q: Annotated[
        str | None, Query(description="A report's reference, or a linked subject's staff number.")
    ] = None,
    status: Annotated[str | None, Query(description="received, acknowledged, in_case or closed.")] = None,
    category: str | None = None,
    channel: Annotated[str | None, Query(description="online, phone, in_person or escrow.")] = None,
    who: Annotated[str | None, Query(description="`anonymous` or `named` reporters only.")] = None,
    due: Annotated[str | None, Query(description="Acknowledgement `overdue` or due `soon`.")] = None,
    unread: Annotated[
        bool, Query(description="Only reports the reporter added to since you last opened them.")
    ] = False,
    handler: Annotated[
        str | None,
        Query(
            description="`me`, `none` or a handler's user id: the reports that person handles (their "
            "case's handler once in a case, before that whoever acknowledged it), or that nobody does yet."
        ),
    ] = None,
) -> Any:
    """One page of reports, overdue acknowledgements first (sort: due, reference, category, channel,
    received, status). The total and the next page are in the X-Total-Count, X-Next-Cursor and
    Link headers."""
    wanted = rules.parse_inbox_filter(
        search=q,
        status=status,
        category=category,
        channel=channel,
        who=who,
        due=due,
        include_in_case=include_in_case,
        unread=unread,
        handler=handler,
    )
    page = services.handling.inbox(staff, wanted, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)
    set_page_headers(request, response, page)
    return [
        {
            **dataclasses.asdict(item),
            "id": item.report_id,
            "channel": item.channel.value,
            "status": item.status.value,
            "acknowledgement": _clock(item.acknowledgement),
            "feedback": _clock(item.feedback),
        }
        for item in page.items
    ]


@router.get("/reports/{report_id}", response_model=schemas.ReportOut)
def read_report(report_id: uuid.UUID, staff: ApiStaff, services: ServicesDep, response: Response) -> Any:
    """Decrypt a report for an authorised reader. Every read is recorded in the audit log.

    The ETag is the report's `version`; send it back as If-Match to act only on what you read."""
    view = services.handling.open_report(staff, report_id)
    response.headers["etag"] = changes.etag(view.version)
    return _report(view)


@router.post("/reports/{report_id}/acknowledge", status_code=204)
def acknowledge(
    report_id: uuid.UUID,
    body: schemas.AcknowledgeIn,
    staff: ApiStaff,
    services: ServicesDep,
    if_match: IfMatch,
) -> Response:
    """Acknowledge a report once. A report someone else acknowledged first is 409 naming who did.

    With If-Match (the ETag of the report as you read it), a report changed since is refused with
    412 Precondition Failed (RFC 9110) saying what changed; without it, it works as it always has.
    The answer's ETag is the report's new version."""
    with changes.if_match(if_match):
        version = services.handling.acknowledge(staff, report_id, body.message, if_match)
    return Response(status_code=204, headers={"etag": changes.etag(version)})


@router.post("/reports/{report_id}/replies", status_code=201, response_model=schemas.CreatedOut)
def reply(
    report_id: uuid.UUID, body: schemas.MessageIn, staff: ApiStaff, services: ServicesDep
) -> schemas.CreatedOut:
    return schemas.CreatedOut(
        id=services.handling.reply(staff, report_id, body.text, schemas.decode_files(body.attachments))
    )


@router.post("/reports/{report_id}/notes", status_code=201, response_model=schemas.CreatedOut)
def note(
    report_id: uuid.UUID, body: schemas.NoteIn, staff: ApiStaff, services: ServicesDep
) -> schemas.CreatedOut:
    """An internal note: never visible to the reporter."""
    return schemas.CreatedOut(id=services.handling.add_note(staff, report_id, body.text))


@router.get("/reports/{report_id}/attachments/{attachment_id}", response_class=Response)
def attachment(
    report_id: uuid.UUID, attachment_id: uuid.UUID, staff: ApiStaff, services: ServicesDep
) -> Response:
    opened = services.handling.download(staff, report_id, attachment_id)
    return file_response(opened.data, opened.filename)


def _clock(clock: Clock) -> dict[str, Any]:
    return {"due": clock.due, "state": clock.state.value}


def _message(message: Any) -> dict[str, Any]:
    return {**dataclasses.asdict(message), "author": message.author.value}


def _attachment(info: Any) -> dict[str, Any]:
    return {**dataclasses.asdict(info), "uploaded_by": info.uploaded_by.value}


def _report(view: ReportView) -> dict[str, Any]:
    data = dataclasses.asdict(view)
    data.update(
        channel=view.channel.value,
        status=view.status.value,
        acknowledgement=_clock(view.acknowledgement),
        feedback=_clock(view.feedback),
        messages=[_message(m) for m in view.messages],
        attachments=[_attachment(a) for a in view.attachments],
    )
    return data
