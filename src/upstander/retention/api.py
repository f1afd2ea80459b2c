"""Subject access in the JSON API: a member of staff's own record."""

from __future__ import annotations

from fastapi import APIRouter, Response

from upstander.retention.subject_access import as_json_bytes
from upstander.web.deps import ApiStaff, ServicesDep

router = APIRouter(prefix="/api/v1", tags=["subject access"])


@router.get("/me/export")
def export_my_record(staff: ApiStaff, services: ServicesDep) -> Response:
    """Your own record (account, roles, staff record, postings, cases about you that you have been
    told of, restrictions on you, your own actions); never a reporter, a complainant or sealed content."""
    document = services.subject_access.export(staff.user_id)
    return Response(as_json_bytes(document), media_type="application/json")
