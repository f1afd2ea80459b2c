"""The site icon at its old address: browsers ask for /favicon.ico on their own, before reading
the page's <link rel="icon">, and a 404 there fills the log with noise. Served as the same SVG
(modern browsers go by the content type, not the name) rather than redirected, so every GET in
the access table still answers 200 or a staff redirect."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

ICON = Path(__file__).resolve().parent / "static" / "favicon.svg"

router = APIRouter(include_in_schema=False)


@router.get("/favicon.ico")
def favicon() -> FileResponse:
    return FileResponse(ICON, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})
