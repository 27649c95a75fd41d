"""media's event workers (nameko, eventlet).

`python -m services.media.worker`: media's copy of the org tree and of people's home orgs (mirror.py),
thumbnails of uploaded images, and the sweep of uploads never finalized.
`python -m services.media.worker transcoder`: HLS of uploaded audio and video, TRANSCODE_CONCURRENCY at a
time (a process of its own, so a long video never holds up a photo's thumbnail).
"""

import eventlet

eventlet.monkey_patch()  # must precede every other import in a worker process

import sys

from nameko.timer import timer

from kernel import config as kconfig
from kernel import home_orgs as mirror
from kernel import store
from kernel.events import Event, handles
from kernel.mirroring import HomeOrgMirror
from kernel.person_data import erasure_worker
from kernel.worker import run
from services.media import blobs, events, files, privacy, processing
from services.media import store as media_store
from services.media.domain.files import AUDIO, IMAGE, VIDEO
from services.media.settings import MediaWorkerConfig

CONFIG: MediaWorkerConfig | None = None


class Mirror(HomeOrgMirror):
    """media's copy of the org tree and of people's home orgs (kernel/mirroring.py)."""

    name = "media_mirror"
    mirror = mirror


class Thumbnails:
    name = "media_thumbnails"

    @handles(events.SOURCE, events.MEDIA_UPLOADED)
    def media_uploaded(self, event: Event) -> None:
        if event.data["kind"] == IMAGE:
            processing.thumbnail(event.tenant, event.data["media_id"])

    @timer(interval=300)
    def sweep(self) -> None:
        files.sweep_abandoned()


class Transcoder:
    name = "media_transcoder"

    @handles(events.SOURCE, events.MEDIA_UPLOADED)
    def media_uploaded(self, event: Event) -> None:
        if event.data["kind"] in (AUDIO, VIDEO):
            processing.transcode(event.tenant, event.data["media_id"], CONFIG)


def main() -> None:
    global CONFIG
    config = CONFIG = kconfig.load(MediaWorkerConfig)
    transcoder = sys.argv[1:] == ["transcoder"]

    def on_start() -> None:
        store.connect(config, "media")
        media_store.ensure_indexes()
        blobs.configure(config).ensure_bucket()

    if transcoder:
        run("media-transcoder", config, Transcoder, on_start=on_start, max_workers=config.transcode_concurrency)
    else:
        run("media-worker", config, Mirror, Thumbnails, erasure_worker("media", privacy.erase), on_start=on_start)


if __name__ == "__main__":
    main()
