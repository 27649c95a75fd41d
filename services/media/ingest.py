"""The ingest hook: nginx-rtmp's HTTP callbacks, served by a small HTTP server inside media's server process.

nginx-rtmp POSTs a form (call, app, name, addr, path …) to `/rtmp/<MEDIA_INGEST_SECRET>/<event>`; a request
without the secret is answered 404 (the hook listens on loopback or a cluster-internal address only, and the
secret keeps anything else that reaches it from starting broadcasts). What nginx does with the answer:

- publish, application tv or radio (name = the stream key): 302 Location: <broadcast id> for a valid key of a
  broadcast of that kind of channel (nginx renames the stream and pushes it to its edge under that name),
  403 otherwise.
- update, tv or radio (every few seconds on air): 200 while the key is valid (the broadcast is stamped as
  seen: broadcasts.STALE_AFTER), 403 once revoked (nginx drops the publisher).
- publish_done, any application: the broadcast went off air (whichever nginx reports first counts).
- publish, tvhls or radiohls (name = broadcast id): 200 only for a broadcast on air (the push from its
  ingest application), 403 otherwise.
- record_done, tvhls or radiohls (path = the recording): 200; the file is imported
  (broadcasts.import_recording). Files left behind (a failed import, media down) are swept every
  SWEEP_SECONDS.

Another region's tenant is never at stake: a media process serves one region (REGION), its ingest too.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
import urllib.parse
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from prometheus_client import Counter

from services.media import broadcasts
from services.media.domain import schedule as rules
from services.media.settings import LiveSettings

log = logging.getLogger(__name__)

HOOK_CALLS = Counter("jiceng_media_ingest_hook_total", "nginx-rtmp callbacks answered", ["event", "status"])

FORM_MAX = 16 * 1024
SWEEP_SECONDS = 300.0  # how often recordings left behind are looked for
SETTLED_SECONDS = 120.0  # a recording untouched this long is complete (a live one is written continuously)
# the RTMP applications (devstack/live_edge.py): where publishers connect, by channel kind, and their edges
INGEST_APPS = {"tv": rules.TV, "radio": rules.RADIO}
EDGE_APPS = ("tvhls", "radiohls")


class Hook:
    """What each callback does, given the region and where recordings may be imported from."""

    def __init__(self, tenant: str, recordings_dir: str):
        self.tenant = tenant
        self.recordings = Path(recordings_dir).resolve() if recordings_dir else None

    def handle(self, event: str, form: dict[str, str]) -> tuple[int, str]:
        """(HTTP status, redirect location or "")."""
        app, name = form.get("app", ""), form.get("name", "")
        call = form.get("call", "")
        if event == "publish" and app in INGEST_APPS:
            b = broadcasts.start(self.tenant, name, INGEST_APPS[app])
            return (HTTPStatus.FOUND, str(b.id)) if b is not None else (HTTPStatus.FORBIDDEN, "")
        if event == "publish" and app in EDGE_APPS:
            ok = broadcasts.may_push(self.tenant, name)
            return (HTTPStatus.OK if ok else HTTPStatus.FORBIDDEN), ""
        if event == "update":
            publishing = call == "update_publish" and app in INGEST_APPS
            if publishing and not broadcasts.still_on_air(self.tenant, name, INGEST_APPS[app]):
                return HTTPStatus.FORBIDDEN, ""
            return HTTPStatus.OK, ""
        if event == "publish_done":
            if app in INGEST_APPS:
                broadcasts.end_by_key(self.tenant, name)
            elif app in EDGE_APPS:
                broadcasts.end_by_id(self.tenant, name)
            return HTTPStatus.OK, ""
        if event == "record_done" and app in EDGE_APPS:
            path = self._recording(form.get("path", ""))
            if path is not None:
                media_id = broadcasts.import_recording(self.tenant, name, path)
                log.info("recording imported", extra={"broadcast_id": name, "media_id": media_id})
            return HTTPStatus.OK, ""
        return HTTPStatus.NOT_FOUND, ""

    def sweep_recordings(self, now: float | None = None) -> int:
        """Import recordings whose record_done failed or never came (media was down); returns how many were
        handled. A file still written to, or of a broadcast on air, is left for later."""
        if self.recordings is None or not self.recordings.is_dir():
            return 0
        settled = (now or time.time()) - SETTLED_SECONDS
        handled = 0
        for path in sorted(self.recordings.glob("*.flv")):
            broadcast_id = path.name.split("-", 1)[0]
            if path.stat().st_mtime > settled or broadcasts.on_air(self.tenant, broadcast_id):
                continue
            try:
                broadcasts.import_recording(self.tenant, broadcast_id, path)
                handled += 1
            except Exception:  # noqa: BLE001 - one file's failure must not stop the others; tried again next sweep
                log.exception("recording not imported", extra={"file": path.name})
        return handled

    def _recording(self, raw: str) -> Path | None:
        """The reported file, if it is inside the recordings directory (anything else is never read)."""
        if self.recordings is None or not raw:
            return None
        path = Path(raw).resolve()
        return path if path.parent == self.recordings and path.suffix == ".flv" else None


def _handler(hook: Hook, secret: str) -> type[BaseHTTPRequestHandler]:
    prefix = f"/rtmp/{secret}/"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # what nginx-rtmp speaks

        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.split("?", 1)[0]
            if not hmac.compare_digest(path[: len(prefix)].encode(), prefix.encode()):
                return self._answer(HTTPStatus.NOT_FOUND)
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                return self._answer(HTTPStatus.BAD_REQUEST)
            if not 0 <= length <= FORM_MAX:
                return self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode(errors="replace")))
            event = path[len(prefix) :]
            try:
                status, location = hook.handle(event, form)
            except Exception:  # noqa: BLE001 - a failed callback refuses (nginx then drops or refuses the stream)
                log.exception("ingest hook failed", extra={"event": event, "app": form.get("app")})
                status, location = HTTPStatus.INTERNAL_SERVER_ERROR, ""
            if status != HTTPStatus.NOT_FOUND:  # unknown events are not counted (no label per guess)
                HOOK_CALLS.labels(event, int(status)).inc()
            self._answer(status, location)

        def do_GET(self) -> None:  # noqa: N802
            self._answer(HTTPStatus.NOT_FOUND)

        def _answer(self, status: int, location: str = "") -> None:
            self.send_response(status)
            if location:
                self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
            log.debug("ingest hook " + format, *args)

    return Handler


def serve(tenant: str, settings: LiveSettings) -> ThreadingHTTPServer | None:
    """Start the hook on its own threads (None when MEDIA_INGEST_HOOK_PORT is 0: live ingest is off)."""
    if not settings.media_ingest_hook_port:
        return None
    hook = Hook(tenant, settings.media_recordings_dir)
    address = (settings.media_ingest_hook_host, settings.media_ingest_hook_port)
    server = ThreadingHTTPServer(address, _handler(hook, settings.media_ingest_secret))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="ingest-hook", daemon=True).start()

    def sweep() -> None:
        while True:
            time.sleep(SWEEP_SECONDS)
            try:
                hook.sweep_recordings()
            except Exception:  # noqa: BLE001 - the next round tries again
                log.exception("recordings sweep failed")

    threading.Thread(target=sweep, name="recordings-sweep", daemon=True).start()
    log.info("ingest hook listening", extra={"port": settings.media_ingest_hook_port})
    return server
