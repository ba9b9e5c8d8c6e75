"""The browser page: ``/`` serves ``static/index.html``; ``/static/<name>`` its script and audio worklet."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

STATIC = Path(__file__).parent / "static"
_TYPES = {".html": "text/html", ".js": "text/javascript", ".css": "text/css"}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/static/{name}")
async def asset(name: str) -> FileResponse:
    path = STATIC / name
    # Only files directly in static/ (no path separators reach here, but ".." must not either).
    if "/" in name or name.startswith(".") or not path.is_file() or path.suffix not in _TYPES:
        raise HTTPException(404, detail={"code": "not_found", "message": "no such file"})
    return FileResponse(path, media_type=_TYPES[path.suffix], headers={"Cache-Control": "no-cache"})
