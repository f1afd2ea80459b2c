"""Subject access from the account page: the person's own record as a JSON download."""

from __future__ import annotations

from fastapi import APIRouter, Response

from upstander.retention.subject_access import as_json_bytes
from upstander.web.deps import PageStaff, ServicesDep

router = APIRouter(include_in_schema=False)


@router.get("/staff/account/export")
def export_my_record(staff: PageStaff, services: ServicesDep) -> Response:
    document = services.subject_access.export(staff.user_id)
    return Response(
        as_json_bytes(document),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-record-{staff.username}.json"'},
    )
