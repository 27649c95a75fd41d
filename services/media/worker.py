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
from kernel import store
from kernel.events import Event, handles
from kernel.worker import run
from services.media import blobs, events, files, mirror, processing
from services.media import store as media_store
from services.media.domain.files import AUDIO, IMAGE, VIDEO
from services.media.settings import MediaWorkerConfig

CONFIG: MediaWorkerConfig | None = None


class Mirror:
    name = "media_mirror"

    @handles(events.ORGS, events.ORG_CREATED)
    def org_created(self, event: Event) -> None:
        d = event.data
        mirror.org_created(event.tenant, d["org_id"], d.get("name", ""), list(d["path"]))

    @handles(events.ORGS, events.ORG_MOVED)
    def org_moved(self, event: Event) -> None:
        d = event.data
        mirror.org_moved(event.tenant, d["org_id"], list(d["old_path"]), list(d["new_path"]))

    @handles(events.ORGS, events.ORG_MERGED)
    def org_merged(self, event: Event) -> None:
        mirror.org_merged(event.tenant, event.data["source_id"], event.data["target_id"])

    @handles(events.ORGS, events.MEMBERSHIP_ADDED)
    def membership_added(self, event: Event) -> None:
        d = event.data
        mirror.home_org(event.tenant, d["account_id"], d["org_id"], d["status"] in mirror.PRESENT)

    @handles(events.ORGS, events.MEMBERSHIPS_IMPORTED)
    def memberships_imported(self, event: Event) -> None:
        for m in event.data["members"]:
            mirror.home_org(event.tenant, m["account_id"], m["org_id"], m["status"] in mirror.PRESENT)

    @handles(events.ORGS, events.MEMBERSHIP_STATUS_CHANGED)
    def membership_status_changed(self, event: Event) -> None:
        d = event.data
        mirror.home_org(event.tenant, d["account_id"], d["org_id"], d["to"] in mirror.PRESENT)

    @handles(events.ORGS, events.TRANSFER_COMPLETED)
    def transfer_completed(self, event: Event) -> None:
        d = event.data
        here = d.get("to_region", "") in ("", event.tenant)
        mirror.home_org(event.tenant, d["account_id"], d["to_org_id"] if here else "", here)


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
        run("media-worker", config, Mirror, Thumbnails, on_start=on_start)


if __name__ == "__main__":
    main()
