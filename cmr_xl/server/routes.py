"""cmr-xl's own routes on xlwings Server (mounted as the project's routers/custom.py):
the task pane's DOJ upload, sheets sent ahead of a script in pieces, and court copies as
a zip to download. Every route but the one-time download requires xlwings Server's
sign-in when it is configured (XLWINGS_AUTH_PROVIDERS)."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from xlwings_server import dependencies as dep
from xlwings_server.config import settings

from cmr_xl.common.errors import InputError
from cmr_xl.xlwings_app import staging

router = APIRouter(prefix=f"{settings.app_path}/cmr")
MAX_UPLOAD_BYTES = int(float(os.environ.get("CMR_XL_MAX_UPLOAD_MB", "2048")) * 1e6)


async def _receive(request: Request, target: Path) -> int:
    size = 0
    with open(target, "wb") as handle:
        os.chmod(target, 0o600)
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise HTTPException(413, f"larger than {MAX_UPLOAD_BYTES / 1e6:,.0f} MB "
                                    "(CMR_XL_MAX_UPLOAD_MB)")
            handle.write(chunk)
    return size


@router.post("/upload")
async def upload(request: Request, current_user: dep.User,
                 name: str = Query("doj-file.txt", max_length=255)) -> dict[str, Any]:
    """The DOJ file the clerk picked, as the request body; a private temporary file until
    import_doj_file reads it (and deletes it)."""
    token = staging.new_token()
    try:
        size = await _receive(request, staging.upload_target(token, name))
    except BaseException:
        staging.discard(token)
        raise
    return {"upload": token, "bytes": size}


@router.post("/stage")
async def stage(current_user: dep.User, data: Annotated[dict, Body()]) -> dict[str, Any]:
    """Rows of one sheet from row `start` (0-based); the first piece gets a token, the
    next pieces name it."""
    token = data.get("staged") or ""
    if token:
        if not staging.path(token, "rows").is_file():
            raise HTTPException(400, "unknown staged token: start again")
    else:
        token = staging.new_token()
    rows, sheet, start = data.get("rows"), data.get("sheet"), data.get("start", 0)
    if not isinstance(rows, list) or not isinstance(sheet, str) or not isinstance(start, int):
        raise HTTPException(400, "expected {sheet, start, rows}")
    staging.add_rows(token, sheet, start, rows)
    return {"staged": token}


def court_copies_zip(book: Path, send_pending: bool = False) -> tuple[bytes, list[str]]:
    """Court copies of a saved cmr-xl workbook, zipped (the same files as `cmr-xl
    export`, or `cmr-xl export --send-pending`)."""
    from cmr_xl.workbook.court_copies import export_for_courts

    with tempfile.TemporaryDirectory(dir=staging.folder()) as scratch:
        written = export_for_courts(book, Path(scratch) / "court-copies", send_pending=send_pending)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(written):
                archive.write(path, path.name)
    return buffer.getvalue(), sorted(p.name for p in written)


@router.post("/court-copies")
async def court_copies(request: Request, current_user: dep.User,
                       name: str = Query("workbook.xlsx", max_length=255),
                       send_pending: bool = Query(False)) -> dict[str, Any]:
    """The open workbook (Office.js getFileAsync, .xlsx) as the body: its court copies
    as a zip, downloaded once from the address returned; `send_pending` sends Hand
    review rows without a DA decision as pending (`cmr-xl export --send-pending`)."""
    token = staging.new_token()
    try:
        book = staging.upload_target(token, Path(name).with_suffix(".xlsx").name)
        await _receive(request, book)
        data, files = await run_in_threadpool(court_copies_zip, book, send_pending)
    except InputError as error:
        raise HTTPException(400, str(error)) from None
    finally:
        staging.discard(token)
    download = staging.new_token()
    target = staging.path(download, "zip")
    target.write_bytes(data)
    os.chmod(target, 0o600)
    return {"download": f"{settings.app_path}/cmr/download/{download}", "files": files,
            "bytes": len(data)}


@router.get("/download/{token}")
async def download(token: str) -> Response:
    """The zip of court copies, once: it is deleted as it is sent (the token is random
    and single-use, so a browser window opened by the task pane can fetch it)."""
    try:
        target = staging.path(token, "zip")
        data = target.read_bytes()
    except (InputError, OSError):
        raise HTTPException(404, "no such download (each is given once)") from None
    target.unlink(missing_ok=True)
    return Response(data, media_type="application/zip", headers={
        "Content-Disposition": 'attachment; filename="court-copies.zip"',
        "Cache-Control": "no-store"})
