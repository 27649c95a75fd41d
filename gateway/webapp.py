"""The web app (web/, built by `make web` into web/dist) served under /app/.

Built files under /app/assets/ carry a content hash in their names and are cached for a year; every other
path under /app/ is the app's own route (the app routes in the browser), answered with index.html, never
cached, so a new build reaches people on their next visit. A file the build also compressed (`name.gz`,
web/vite.config.js) goes compressed to browsers that accept gzip. `/` sends browsers to the app.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from kernel import messages

router = APIRouter(include_in_schema=False)

DEFAULT_DIST = Path(__file__).resolve().parent.parent / "web" / "dist"
IMMUTABLE = "public, max-age=31536000, immutable"
# The app loads only its own scripts; images and uploads go to the object store (another origin, presigned).
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data: http: https:; "
    "media-src 'self' blob: http: https:; connect-src 'self' ws: wss: http: https:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'; object-src 'none'"
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def _dist(request: Request) -> Path:
    return request.app.state.config.web_dist or DEFAULT_DIST


def _not_built(request: Request) -> JSONResponse:
    locale = messages.negotiate(request.headers.get("accept-language"))
    body = {"error": {"code": "unavailable", "message": messages.render("web_not_built", locale, {}), "field": None}}
    return JSONResponse(body, status_code=503)


@router.get("/")
async def index() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=302)


@router.get("/app")
async def app_root() -> RedirectResponse:
    return RedirectResponse("/app/", status_code=301)


def _send(file: Path, request: Request, cache: str) -> FileResponse:
    headers = {**HEADERS, "Cache-Control": cache, "Vary": "Accept-Encoding"}
    packed = file.with_name(file.name + ".gz")
    if "gzip" in request.headers.get("accept-encoding", "") and packed.is_file():
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return FileResponse(packed, media_type=media_type, headers={**headers, "Content-Encoding": "gzip"})
    return FileResponse(file, headers=headers)


@router.get("/app/{path:path}")
async def app_file(path: str, request: Request):
    dist = _dist(request)
    shell = dist / "index.html"
    if not shell.is_file():
        return _not_built(request)
    if path and not path.endswith(".gz"):
        wanted = (dist / path).resolve()
        if wanted.is_relative_to(dist.resolve()) and wanted.is_file():
            return _send(wanted, request, IMMUTABLE if path.startswith("assets/") else "no-cache")
    if path.startswith("assets/"):  # a file of an older build: not the app's page
        raise HTTPException(status_code=404)
    return _send(shell, request, "no-cache")
