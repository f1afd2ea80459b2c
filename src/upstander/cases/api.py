"""JSON routes for cases."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from upstander.cases import rules as case_rules
from upstander.listing.web import PAGE_HEADERS, Paging, set_page_headers
from upstander.store import changes
from upstander.web.deps import ApiStaff, IfMatch, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["cases"])


class OpenCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_ids: list[uuid.UUID] = Field(min_length=1, max_length=100)
    handler_id: uuid.UUID | None = None


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    handler_id: uuid.UUID
    override_reasons: str | None = Field(default=None, max_length=4000)


class CaseSummaryOut(BaseModel):
    id: uuid.UUID
    reference: str
    opened_at: Any
    stage: str
    handler_name: str | None
    report_count: int
    version: int
    unread: bool = False
    next_due_on: Any = None
    next_due_label: str | None = None
    owed_by: list[str] = []


@router.post("/cases", status_code=201, response_model=CaseSummaryOut)
def open_case(body: OpenCaseIn, staff: ApiStaff, services: ServicesDep, response: Response) -> Any:
    """Open a case from one or more reports and assign its handler (yourself if none is given).

    Of two handlers opening a case from the same report at once, one gets 201 and the other 409
    saying which case the report went into and who opened it; nothing of theirs is kept."""
    summary = services.cases.open_case(staff, body.report_ids, body.handler_id)
    response.headers["etag"] = changes.etag(summary.version)
    return dataclasses.asdict(summary)


@router.get("/dashboard")
def dashboard(
    staff: ApiStaff,
    services: ServicesDep,
    overdue_cursor: Annotated[str | None, Query(max_length=2000)] = None,
    soon_cursor: Annotated[str | None, Query(max_length=2000)] = None,
    later_cursor: Annotated[str | None, Query(max_length=2000)] = None,
    referrals_cursor: Annotated[str | None, Query(max_length=2000)] = None,
    for_you_cursor: Annotated[str | None, Query(max_length=2000)] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=200, description="Cases a bucket's page, 20 if not given.")
    ] = None,
) -> dict[str, Any]:
    """The cases you hold whose first duty is overdue, due this week (`soon`) or due later, a page of
    each (by the date it falls due; each bucket's `next_cursor` goes back as `<bucket>_cursor`), with
    the open cases per handler and per stage. `overdue`, `due_this_week`, `later` and `referrals`
    (the overseer's, waiting for its decision on the mode of investigation) list the page's references.
    `for_you` is a page of the cases owed a step by one of your roles or unread by you, each with the
    steps it is owed, by whom, and whether they wait for you (`for_you_cursor` pages it)."""
    cursors = {
        case_rules.Bucket.OVERDUE: overdue_cursor,
        case_rules.Bucket.DUE_SOON: soon_cursor,
        case_rules.Bucket.LATER: later_cursor,
    }
    board = services.dashboard.board(staff, cursors, referrals_cursor=referrals_cursor, limit=limit)
    pages = {bucket.value: page for bucket, page in board.buckets.items()}
    if board.referrals is not None:
        pages["referrals"] = board.referrals

    def shown(page: Any) -> dict[str, Any]:
        return {
            "total": page.total,
            "next_cursor": page.next_cursor,
            "items": [dataclasses.asdict(line) for line in page.items],
        }

    for_you = services.dashboard.for_you(staff, cursor=for_you_cursor, limit=limit or 20)
    return {
        "for_you": {
            "total": for_you.total,
            "next_cursor": for_you.next_cursor,
            "items": [
                {
                    **dataclasses.asdict(line.case),
                    "steps": [
                        {
                            "kind": s.kind,
                            "label": s.label,
                            "by_whom": s.by_whom,
                            "yours": s.kind in line.yours,
                        }
                        for s in line.steps
                    ],
                }
                for line in for_you.items
            ],
        },
        "today": board.today,
        "total": board.total,
        "per_handler": board.per_handler,
        "per_stage": board.per_stage,
        "buckets": {name: shown(page) for name, page in pages.items()},
        "overdue": [line.reference for line in board.buckets[case_rules.Bucket.OVERDUE].items],
        "due_this_week": [line.reference for line in board.buckets[case_rules.Bucket.DUE_SOON].items],
        "later": [line.reference for line in board.buckets[case_rules.Bucket.LATER].items],
        "referrals": [line.reference for line in board.referrals.items] if board.referrals else [],
    }


@router.get("/cases", response_model=list[CaseSummaryOut], responses=PAGE_HEADERS)
def my_cases(
    request: Request,
    response: Response,
    staff: ApiStaff,
    services: ServicesDep,
    paging: Paging,
    q: Annotated[
        str | None, Query(description="A case's reference, or a linked subject's staff number.")
    ] = None,
    stage: str | None = None,
    category: Annotated[str | None, Query(description="Cases holding a report of this category.")] = None,
    handler: Annotated[str | None, Query(description="`me`, or a handler's user id.")] = None,
    due: Annotated[
        str | None, Query(description="The case's first duty `overdue`, or due `soon` (within 7 days).")
    ] = None,
    unread: Annotated[
        bool, Query(description="Only cases a reporter added to since you last opened the report.")
    ] = False,
    for_you: Annotated[
        bool,
        Query(
            description="The dashboard's list: cases whose next step is owed by one of your roles "
            "(a severity assessment, a decision, a second decision on a closure...), or unread by you."
        ),
    ] = False,
) -> Any:
    """One page of the cases you hold, newest first (sort: opened, reference, stage, handler,
    reports, due). The total and the next page are in the X-Total-Count, X-Next-Cursor and Link headers."""
    wanted = case_rules.parse_case_filter(
        search=q,
        stage=stage,
        category=category,
        handler=handler,
        due=due,
        unread=unread,
        for_you=tuple(role.value for role in staff.roles) if for_you else (),
    )
    page = services.cases.my_cases(staff, wanted, sort=paging.sort, cursor=paging.cursor, limit=paging.limit)
    set_page_headers(request, response, page)
    return [dataclasses.asdict(case) for case in page.items]


@router.get("/cases/{case_id}")
def view_case(
    case_id: uuid.UUID, staff: ApiStaff, services: ServicesDep, response: Response
) -> dict[str, Any]:
    """The case as you may see it. The ETag is its `version`: send it back as If-Match with a step
    or an assignment so that it is taken only on the case you read."""
    view = services.cases.view_case(staff, case_id)
    response.headers["etag"] = changes.etag(view.version)
    return dataclasses.asdict(view)


StepValue = str | bool | int | list[str] | None


class StepOut(BaseModel):
    status: str
    status_label: str


@router.post("/cases/{case_id}/steps/{kind}", response_model=StepOut)
def take_step(
    case_id: uuid.UUID,
    kind: str,
    body: dict[str, StepValue],
    staff: ApiStaff,
    services: ServicesDep,
    if_match: IfMatch,
) -> StepOut:
    """Take one step of the misconduct process (see the case's `workflow.steps` for those open to you).

    A step the rules do not allow now is refused with 409 and the reason in plain words. Two steps
    at once are taken one after the other. With If-Match (the case's ETag as you read it), a step
    on a case changed since is refused with 412 Precondition Failed (RFC 9110) saying what changed
    and who changed it; without If-Match the step is judged on the case as it is now.
    """
    raw = {name: _as_texts(value) for name, value in body.items()}
    with changes.if_match(if_match):
        state = services.workflow.act(staff, case_id, kind, raw, if_match)
    policy = services.workflow.policies.get(state.policy_id, state.policy_version)
    return StepOut(status=state.status, status_label=policy.state_label(state.status))


def _as_texts(value: StepValue) -> list[str]:
    if value is None:
        return []
    if isinstance(value, bool):
        return ["true" if value else ""]
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


@router.post("/cases/{case_id}/handler", status_code=204)
def assign(
    case_id: uuid.UUID, body: AssignIn, staff: ApiStaff, services: ServicesDep, if_match: IfMatch
) -> Response:
    """Assign the case's handler; If-Match as for steps (412 when the case changed since).
    The answer's ETag is the case's new version."""
    with changes.if_match(if_match):
        version = services.cases.assign_handler(
            staff, case_id, body.handler_id, body.override_reasons, if_match
        )
    return Response(status_code=204, headers={"etag": changes.etag(version)})


@router.post("/oversight/share-keys")
def share_keys(staff: ApiStaff, services: ServicesDep) -> dict[str, int]:
    """Seal the keys of every case and report you hold to each other active overseer who lacks them
    (an overseer appointed after a case opened holds no copy of its key until one is shared), and
    the older versions of report keys you hold (kept when a reader was removed)."""
    return dataclasses.asdict(services.overseer_keys.share(staff))


@router.get("/oversight")
def oversight(staff: ApiStaff, services: ServicesDep) -> dict[str, Any]:
    """The overseer's view: referrals, overdue cases, cases under its directions, every override."""
    view = services.oversight.overview(staff)
    return {
        **dataclasses.asdict(view),
        "cases_other_overseers_cannot_read": services.overseer_keys.unshared(staff),
        "referrals": [line.reference for line in view.referrals],
        "overdue": [line.reference for line in view.overdue],
        "directions": {line.reference: line.direction for line in view.directions},
    }
