"""sms's event workers (nameko, eventlet): `python -m services.sms.worker`.

sms's copy of the org tree, home orgs and phones; the platform's own sends from other services' events
(platform.py); resolving accepted sends into queued messages, and scheduled ones when they are due
(sends.py). The sender (sender.py, a process of its own) hands the messages to the provider.
"""

import eventlet

eventlet.monkey_patch()  # must precede every other import in a worker process

from nameko.timer import timer

from kernel import config as kconfig
from kernel import home_orgs, store
from kernel.events import Event, handles
from kernel.mirroring import HomeOrgMirror
from kernel.person_data import erasure_worker
from kernel.worker import run
from services.sms import events, mirror, platform, privacy, sends
from services.sms import store as sms_store
from services.sms.settings import SmsWorkerConfig

CONFIG: SmsWorkerConfig | None = None


class Mirror(HomeOrgMirror):
    """sms's copy of the org tree and of people's home orgs (kernel/mirroring.py), and of their phones."""

    name = "sms_mirror"
    mirror = home_orgs

    @handles(events.IDENTITY, events.PHONE_REGISTERED)
    def phone_registered(self, event: Event) -> None:
        mirror.phone_registered(event.tenant, event.data["account_id"], event.data["phone"])


class Platform:
    """What other services ask to be sent."""

    name = "sms_platform"

    @handles(events.IDENTITY, events.OTP_REQUESTED)
    def otp_requested(self, event: Event) -> None:
        d = event.data
        platform.one_time_code(event.tenant, event.id, d["phone"], d["code"], int(d.get("expires_in", 300)), CONFIG)

    @handles(events.CONTENT, events.NOTICE_REMINDER)
    def notice_reminder(self, event: Event) -> None:
        platform.notice_reminder(event.tenant, event.id, event.data, CONFIG)

    @handles(events.CONTENT, events.NOTIFICATION_CREATED)
    def notification_created(self, event: Event) -> None:
        platform.notification(event.tenant, event.id, event.data, CONFIG)

    @handles(events.ORGS, events.MEETING_SCHEDULED)
    def meeting_scheduled(self, event: Event) -> None:
        platform.meeting_scheduled(event.tenant, event.data, CONFIG)

    @handles(events.ORGS, events.MEETING_CANCELLED)
    def meeting_cancelled(self, event: Event) -> None:
        platform.meeting_cancelled(event.tenant, event.data["meeting_id"])


class Resolver:
    name = "sms_resolver"

    @handles(events.SOURCE, events.SEND_ACCEPTED)
    def send_accepted(self, event: Event) -> None:
        sends.resolve(event.tenant, event.data["send_id"])

    @timer(interval=5)
    def scheduled(self) -> None:
        for send_id in sends.due_scheduled(CONFIG.region):
            sends.resolve(CONFIG.region, send_id)


def main() -> None:
    global CONFIG
    config = CONFIG = kconfig.load(SmsWorkerConfig)

    def on_start() -> None:
        store.connect(config, "sms")
        sms_store.ensure_indexes()

    run("sms-worker", config, Mirror, Platform, Resolver, erasure_worker("sms", privacy.erase), on_start=on_start)


if __name__ == "__main__":
    main()
