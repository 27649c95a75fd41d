"""content's event worker (nameko, eventlet): `python -m services.content.worker`.

Keeps content's copy of people, the org tree, friendships and follows (mirror.py) from identity's and
orgs' events, and the notification inboxes (notifications.py) from content's own events. Each area of
content adds its consumers here.
"""

import eventlet

eventlet.monkey_patch()  # must precede every other import in a worker process

import datetime as dt
import functools

from nameko.timer import timer

from kernel import config as kconfig
from kernel import store
from kernel.cache import Cache
from kernel.config import BusConfig, CacheConfig, StoreConfig
from kernel.events import Event, handles
from kernel.mirroring import HomeOrgMirror
from kernel.person_data import erasure_worker
from kernel.worker import run
from services.content import (
    cache,
    events,
    mirror,
    notices,
    notifications,
    privacy,
    service_requests,
    timelines,
    webhooks,
)
from services.content import store as content_store
from services.content.domain import inbox as rules
from services.content.settings import MicroblogSettings, WebhookSettings
from services.content.worker_search import SearchFeed


class WorkerConfig(StoreConfig, BusConfig, CacheConfig, MicroblogSettings, WebhookSettings):
    pass


class Mirror(HomeOrgMirror):
    """What content knows of people, orgs and the network: orgs remains their system of record. The org tree
    and home orgs as every service's copy keeps them (kernel/mirroring.py), and content's own below."""

    name = "content_mirror"
    mirror = mirror

    @handles(events.IDENTITY, events.ACCOUNT_REGISTERED)
    def account_registered(self, event: Event) -> None:
        mirror.account_registered(event.tenant, event.data["account_id"], event.data.get("display_name", ""))

    @handles(events.ORGS, events.ORG_UPDATED)
    def org_updated(self, event: Event) -> None:
        if "name" in event.data.get("changes", {}):
            mirror.org_renamed(event.tenant, event.data["org_id"], event.data["changes"]["name"])

    @handles(events.ORGS, events.ORG_DISSOLVED)
    def org_dissolved(self, event: Event) -> None:
        mirror.org_dissolved(event.tenant, event.data["org_id"])

    @handles(events.ORGS, events.FRIENDSHIP_FORMED)
    def friendship_formed(self, event: Event) -> None:
        mirror.friendship(event.tenant, event.data["requester_id"], event.data["accepter_id"], formed=True)

    @handles(events.ORGS, events.FRIENDSHIP_ENDED)
    def friendship_ended(self, event: Event) -> None:
        mirror.friendship(event.tenant, event.data["account_id"], event.data["friend_id"], formed=False)

    @handles(events.ORGS, events.FOLLOWED)
    def followed(self, event: Event) -> None:
        d = event.data
        since = dt.datetime.fromisoformat(event.occurred_at)
        mirror.follow(event.tenant, d["follower_id"], d["target_kind"], d["target_id"], since)

    @handles(events.ORGS, events.UNFOLLOWED)
    def unfollowed(self, event: Event) -> None:
        d = event.data
        mirror.unfollow(event.tenant, d["follower_id"], d["target_kind"], d["target_id"])


class Notices:
    """Notices to many, delivered in batches (notices.deliver); notices' copy of who holds which role in
    which org (notices.RoleHolder), for notices to roles."""

    name = "content_notices"

    @handles(events.SOURCE, events.NOTICE_PUBLISHING)
    def notice_publishing(self, event: Event) -> None:
        notices.deliver(event.tenant, event.data["notice_id"], int(event.data.get("round", 0)))

    @handles(events.ORGS, events.ROLE_ASSIGNED)
    def role_assigned(self, event: Event) -> None:
        d = event.data
        notices.role_assigned(event.tenant, d["account_id"], d["org_id"], d["role"])

    @handles(events.ORGS, events.ROLE_REMOVED)
    def role_removed(self, event: Event) -> None:
        d = event.data
        notices.role_removed(event.tenant, d["account_id"], d["org_id"], d["role"])

    @handles(events.ORGS, events.MEMBERSHIPS_IMPORTED)
    def memberships_imported(self, event: Event) -> None:
        for m in event.data["members"]:
            for role in m.get("roles") or ():
                notices.role_assigned(event.tenant, m["account_id"], m["org_id"], role)

    @handles(events.ORGS, events.ORG_MOVED)
    def org_moved(self, event: Event) -> None:
        d = event.data
        notices.roles_moved(event.tenant, d["org_id"], list(d["old_path"]), list(d["new_path"]))


class Timelines:
    """The microblog's hybrid fan-out (timelines.py): published posts pushed to small authors' followers."""

    name = "content_timelines"

    @handles(events.SOURCE, events.POST_PUBLISHED)
    def post_published(self, event: Event) -> None:
        timelines.fan_out(event.tenant, event.data["post_id"])

    @handles(events.SOURCE, events.POST_DELETED)
    def post_deleted(self, event: Event) -> None:
        timelines.remove_post(event.tenant, event.data["post_id"])

    @handles(events.ORGS, events.UNFOLLOWED)
    def unfollowed(self, event: Event) -> None:
        d = event.data
        timelines.unfollowed(event.tenant, d["follower_id"], d["target_kind"], d["target_id"])


class Inbox:
    """Everyone's in-app notifications, from content's own events (notifications.py)."""

    name = "content_inbox"

    @handles(events.SOURCE, events.POST_PUBLISHED)
    def post_published(self, event: Event) -> None:
        d = event.data
        notifications.remember_post(event.tenant, d["post_id"], d["author_id"], list(d.get("audience", [])))
        self._mentions(event, "post", d["post_id"], d["post_id"], d["author_id"], d, list(d.get("audience", [])))

    @handles(events.SOURCE, events.POST_EDITED)
    def post_edited(self, event: Event) -> None:
        d = event.data
        notifications.remember_post(event.tenant, d["post_id"], d["author_id"], list(d.get("audience", [])))
        self._mentions(event, "post", d["post_id"], d["post_id"], d["author_id"], d, list(d.get("audience", [])))

    @handles(events.SOURCE, events.POST_DELETED)
    def post_deleted(self, event: Event) -> None:
        notifications.forget(event.tenant, "post", event.data["post_id"])

    @handles(events.SOURCE, events.COMMENT_ADDED)
    def comment_added(self, event: Event) -> None:
        d, tenant = event.data, event.tenant
        author, post_id, comment_id = d["author_id"], d["post_id"], d["comment_id"]
        body = rules.body(d.get("text", ""))
        items = []
        replied_to = d.get("reply_to_author_id", "")
        if replied_to:
            key = rules.key(rules.REPLY, "comment", comment_id)
            items.append(notifications.Item(replied_to, rules.REPLY, key, "post", post_id, author, body))
        if d.get("post_author_id") and d["post_author_id"] != replied_to:
            key = rules.key(rules.COMMENT, "comment", comment_id)
            items.append(notifications.Item(d["post_author_id"], rules.COMMENT, key, "post", post_id, author, body))
        notifications.deliver(tenant, items)
        audience = notifications.post_audience(tenant, post_id)
        if audience is None and d.get("mentions"):
            raise mirror.MirrorLag(f"post {post_id} not heard of yet")  # retried: post_published is on its way
        notified = {i.account_id for i in items}
        self._mentions(event, "comment", comment_id, post_id, author, d, audience or [], skip=notified)

    @handles(events.SOURCE, events.POST_LIKED)
    def post_liked(self, event: Event) -> None:
        d = event.data
        key = rules.key(rules.LIKE, "post", d["post_id"])
        item = notifications.Item(d["post_author_id"], rules.LIKE, key, "post", d["post_id"], d["liker_id"])
        notifications.deliver(event.tenant, [item], marker=event.id)

    @handles(events.SOURCE, events.THREAD_REPLIED)
    def thread_replied(self, event: Event) -> None:
        d = event.data
        author, thread_id, reply_id = d["author_id"], d["thread_id"], d["reply_id"]
        items = []
        if d.get("thread_author_id"):
            key = rules.key(rules.COMMENT, "reply", reply_id)
            body = rules.body(d.get("text", ""))
            items.append(
                notifications.Item(d["thread_author_id"], rules.COMMENT, key, "thread", thread_id, author, body)
            )
        notifications.deliver(event.tenant, items)
        notified = {i.account_id for i in items}
        self._mentions(event, "reply", reply_id, thread_id, author, d, list(d.get("audience", [])), "thread", notified)

    @handles(events.SOURCE, events.THREAD_REMOVED)
    def thread_removed(self, event: Event) -> None:
        notifications.forget(event.tenant, "thread", event.data["thread_id"])

    @handles(events.SOURCE, events.NOTICE_PUBLISHED)
    def notice_published(self, event: Event) -> None:
        d = event.data
        if d.get("delivered"):
            return  # a notice to many: its batches told each recipient (notices.deliver)
        holders = None
        if d.get("roles"):  # its audience names only its author: the receipts name the role holders
            holders = functools.partial(notices.receipt_holders, event.tenant, d["notice_id"])
        notifications.deliver_notice(
            event.tenant,
            d["notice_id"],
            d.get("author_id", ""),
            d.get("title", ""),
            d.get("text", ""),
            list(d.get("audience", [])),
            holders,
        )

    @handles(events.SOURCE, events.CHAT_MESSAGE_SENT)
    def chat_message_sent(self, event: Event) -> None:
        d = event.data
        items = [notifications.chat_item(a, d) for a in d.get("recipient_ids", [])]
        notifications.deliver(event.tenant, items, marker=event.id)

    @handles(events.SOURCE, events.CHAT_READ)
    def chat_read(self, event: Event) -> None:
        d = event.data
        notifications.clear_chat(event.tenant, d["account_id"], d["conversation_id"], int(d["seq"]))

    @handles(events.SOURCE, events.SERVICE_REQUEST_OPENED)
    def service_request_opened(self, event: Event) -> None:
        """The counsellors of the queue it waits in are told (that it is there, nothing of what it says)."""
        d = event.data
        counsellors = service_requests.queue_counsellors(event.tenant, d["org_id"], d["category"])
        key = rules.key(rules.SERVICE, "service_request", d["request_id"])
        items = [notifications.Item(a, rules.SERVICE, key, "service_request", d["request_id"]) for a in counsellors]
        notifications.deliver(event.tenant, items, marker=event.id)

    @handles(events.SOURCE, events.SERVICE_REQUEST_ANSWERED)
    def service_request_answered(self, event: Event) -> None:
        d = event.data
        key = rules.key(rules.SERVICE, "service_request", d["request_id"])
        item = notifications.Item(d["account_id"], rules.SERVICE, key, "service_request", d["request_id"])
        notifications.deliver(event.tenant, [item], marker=event.id)

    @handles(events.SOURCE, events.KNOWLEDGE_ANSWER_ADDED)
    def knowledge_answer_added(self, event: Event) -> None:
        d = event.data
        key = rules.key(rules.ANSWER, "answer", d["answer_id"])
        asker, body = d["question_author_id"], rules.body(d["text"])
        item = notifications.Item(asker, rules.ANSWER, key, "question", d["question_id"], d["author_id"], body)
        notifications.deliver(event.tenant, [item])

    @handles(events.SOURCE, events.KNOWLEDGE_ANSWER_ACCEPTED)
    def knowledge_answer_accepted(self, event: Event) -> None:
        d = event.data
        key = rules.key(rules.ACCEPTED, "answer", d["answer_id"])
        item = notifications.Item(d["answer_author_id"], rules.ACCEPTED, key, "question", d["question_id"], d["by"])
        notifications.deliver(event.tenant, [item])

    @staticmethod
    def _mentions(event, source_kind, source_id, ref_id, author, data, audience, ref_kind="post", skip=()) -> None:
        """Mentioned people who may read the content; one entry per (person, mentioning item)."""
        mentioned = [a for a in dict.fromkeys(data.get("mentions", [])) if a != author and a not in skip]
        readers = notifications.readers_among(event.tenant, mentioned[:50], audience)
        key = rules.key(rules.MENTION, source_kind, source_id)
        body = rules.body(data.get("text", ""))
        items = [notifications.Item(a, rules.MENTION, key, ref_kind, ref_id, author, body) for a in readers]
        notifications.deliver(event.tenant, items)


class Webhooks:
    """Content's events to the endpoints of webhook apps installed above them (services/content/webhooks.py):
    planned once per (install, event), tried at once, tried again by the timer on the backoff schedule."""

    name = "content_webhooks"

    def _send(self, event: Event) -> None:
        for delivery in webhooks.plan(event, event.data.get("org_id", "")):
            if webhooks.claim(delivery):
                webhooks.attempt(delivery)

    @handles(events.SOURCE, events.NOTICE_PUBLISHED)
    def notice_published(self, event: Event) -> None:
        self._send(event)

    @handles(events.SOURCE, events.COURSE_ASSIGNED)
    def course_assigned(self, event: Event) -> None:
        self._send(event)

    @handles(events.SOURCE, events.COURSE_FINISHED)
    def course_finished(self, event: Event) -> None:
        self._send(event)

    @handles(events.SOURCE, events.EXAM_SUBMITTED)
    def exam_submitted(self, event: Event) -> None:
        self._send(event)

    @handles(events.SOURCE, events.SITE_PUBLISHED)
    def site_published(self, event: Event) -> None:
        self._send(event)

    @timer(interval=2)
    def retry_due(self) -> None:
        for delivery in webhooks.due():
            if webhooks.claim(delivery):
                webhooks.attempt(delivery)


WORKERS = [Mirror, Notices, Timelines, Inbox, SearchFeed, Webhooks, erasure_worker("content", privacy.erase)]


def main() -> None:
    config = kconfig.load(WorkerConfig)

    def on_start() -> None:
        store.connect(config, "content")
        content_store.ensure_indexes()
        cache.configure(Cache.connect(config.redis_url, "content"))
        timelines.configure(config.content_push_limit, config.content_home_inbox)

    run("content-worker", config, *WORKERS, on_start=on_start)


if __name__ == "__main__":
    main()
