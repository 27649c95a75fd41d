"""Search's consumers (in content's worker): every event that adds, changes or removes something
searchable updates its entry (search.py); the search indexer carries the change into the index.

Consumed: content's post_published, post_edited, post_deleted, post_hidden, thread_created,
thread_replied, thread_removed, thread_moved, notice_published, knowledge_article_published,
knowledge_article_edited, knowledge_article_removed, knowledge_question_asked, knowledge_question_removed,
knowledge_answer_added, knowledge_answer_removed (a question is found by its answers too); orgs'
org_created, org_updated, org_merged (the source is gone), org_dissolved, membership_added,
membership_status_changed, memberships_imported, transfer_completed (a person's home org); identity's
account_registered.
"""

from __future__ import annotations

from kernel.events import Event, handles
from services.content import events, mirror, search
from services.content.domain import search as rules
from services.content.domain.search import ARTICLE, COURSE, NOTICE, ORG, PERSON, POST, QUESTION, THREAD


def _at(event: Event):
    return rules.event_time(event.occurred_at)


class SearchFeed:
    name = "content_search"

    # -- content ----------------------------------------------------------------------------------
    @handles(events.SOURCE, events.POST_PUBLISHED)
    def post_published(self, event: Event) -> None:
        search.apply(event.tenant, POST, event.data["post_id"], rules.post_published(event.data, _at(event)))

    @handles(events.SOURCE, events.POST_EDITED)
    def post_edited(self, event: Event) -> None:
        search.apply(event.tenant, POST, event.data["post_id"], rules.post_edited(event.data, _at(event)))

    @handles(events.SOURCE, events.POST_DELETED)
    def post_deleted(self, event: Event) -> None:
        search.apply(event.tenant, POST, event.data["post_id"], rules.remove())

    @handles(events.SOURCE, events.POST_HIDDEN)
    def post_hidden(self, event: Event) -> None:
        search.apply(event.tenant, POST, event.data["post_id"], rules.post_hidden(event.data, _at(event)))

    @handles(events.SOURCE, events.THREAD_CREATED)
    def thread_created(self, event: Event) -> None:
        search.apply(event.tenant, THREAD, event.data["thread_id"], rules.thread_created(event.data, _at(event)))

    @handles(events.SOURCE, events.THREAD_REPLIED)
    def thread_replied(self, event: Event) -> None:
        d = event.data
        rule = rules.add_reply(d["reply_id"], d.get("text", ""), list(d.get("audience", [])), _at(event))
        search.apply(event.tenant, THREAD, d["thread_id"], rule)

    @handles(events.SOURCE, events.THREAD_MOVED)
    def thread_moved(self, event: Event) -> None:
        search.apply(event.tenant, THREAD, event.data["thread_id"], rules.thread_moved(event.data, _at(event)))

    @handles(events.SOURCE, events.THREAD_REMOVED)
    def thread_removed(self, event: Event) -> None:
        search.apply(event.tenant, THREAD, event.data["thread_id"], rules.remove())

    @handles(events.SOURCE, events.NOTICE_PUBLISHED)
    def notice_published(self, event: Event) -> None:
        search.apply(event.tenant, NOTICE, event.data["notice_id"], rules.notice_published(event.data, _at(event)))

    # -- education -------------------------------------------------------------------------------
    @handles(events.SOURCE, events.COURSE_PUBLISHED)
    def course_published(self, event: Event) -> None:
        search.apply(event.tenant, COURSE, event.data["course_id"], rules.course_published(event.data, _at(event)))

    @handles(events.SOURCE, events.COURSE_EDITED)
    def course_edited(self, event: Event) -> None:
        search.apply(event.tenant, COURSE, event.data["course_id"], rules.course_edited(event.data, _at(event)))

    # -- the knowledge base -----------------------------------------------------------------------
    @handles(events.SOURCE, events.KNOWLEDGE_ARTICLE_PUBLISHED)
    def knowledge_article_published(self, event: Event) -> None:
        rule = rules.knowledge_article_published(event.data, _at(event))
        search.apply(event.tenant, ARTICLE, event.data["article_id"], rule)

    @handles(events.SOURCE, events.KNOWLEDGE_ARTICLE_EDITED)
    def knowledge_article_edited(self, event: Event) -> None:
        rule = rules.knowledge_article_edited(event.data, _at(event))
        search.apply(event.tenant, ARTICLE, event.data["article_id"], rule)

    @handles(events.SOURCE, events.KNOWLEDGE_ARTICLE_REMOVED)
    def knowledge_article_removed(self, event: Event) -> None:
        search.apply(event.tenant, ARTICLE, event.data["article_id"], rules.remove())

    @handles(events.SOURCE, events.KNOWLEDGE_QUESTION_ASKED)
    def knowledge_question_asked(self, event: Event) -> None:
        rule = rules.knowledge_question_asked(event.data, _at(event))
        search.apply(event.tenant, QUESTION, event.data["question_id"], rule)

    @handles(events.SOURCE, events.KNOWLEDGE_QUESTION_REMOVED)
    def knowledge_question_removed(self, event: Event) -> None:
        search.apply(event.tenant, QUESTION, event.data["question_id"], rules.remove())

    @handles(events.SOURCE, events.KNOWLEDGE_ANSWER_ADDED)
    def knowledge_answer_added(self, event: Event) -> None:
        d = event.data
        rule = rules.add_reply(d["answer_id"], d.get("text", ""), list(d.get("audience", [])), _at(event))
        search.apply(event.tenant, QUESTION, d["question_id"], rule)

    @handles(events.SOURCE, events.KNOWLEDGE_ANSWER_REMOVED)
    def knowledge_answer_removed(self, event: Event) -> None:
        d = event.data
        search.apply(event.tenant, QUESTION, d["question_id"], rules.drop_reply(d["answer_id"]))

    # -- orgs -------------------------------------------------------------------------------------
    @handles(events.ORGS, events.ORG_CREATED)
    def org_created(self, event: Event) -> None:
        search.apply(event.tenant, ORG, event.data["org_id"], rules.org_created(event.data, _at(event)))

    @handles(events.ORGS, events.ORG_UPDATED)
    def org_updated(self, event: Event) -> None:
        changes = event.data.get("changes", {})
        if "name" in changes:
            search.apply(event.tenant, ORG, event.data["org_id"], rules.org_renamed(changes["name"], _at(event)))

    @handles(events.ORGS, events.ORG_MERGED)
    def org_merged(self, event: Event) -> None:
        search.apply(event.tenant, ORG, event.data["source_id"], rules.remove())

    @handles(events.ORGS, events.ORG_DISSOLVED)
    def org_dissolved(self, event: Event) -> None:
        search.apply(event.tenant, ORG, event.data["org_id"], rules.remove())

    # -- people -----------------------------------------------------------------------------------
    @handles(events.IDENTITY, events.ACCOUNT_REGISTERED)
    def account_registered(self, event: Event) -> None:
        rule = rules.account_registered(event.data, _at(event))
        search.apply(event.tenant, PERSON, event.data["account_id"], rule)

    @handles(events.ORGS, events.MEMBERSHIP_ADDED)
    def membership_added(self, event: Event) -> None:
        d = event.data
        self._home(event, {d["account_id"]: d["org_id"] if d["status"] in mirror.PRESENT else ""})

    @handles(events.ORGS, events.MEMBERSHIP_STATUS_CHANGED)
    def membership_status_changed(self, event: Event) -> None:
        d = event.data
        self._home(event, {d["account_id"]: d["org_id"] if d["to"] in mirror.PRESENT else ""})

    @handles(events.ORGS, events.MEMBERSHIPS_IMPORTED)
    def memberships_imported(self, event: Event) -> None:
        members = event.data["members"]
        self._home(event, {m["account_id"]: m["org_id"] if m["status"] in mirror.PRESENT else "" for m in members})

    @handles(events.ORGS, events.TRANSFER_COMPLETED)
    def transfer_completed(self, event: Event) -> None:
        d = event.data
        here = d.get("to_region", "") in ("", event.tenant)  # to another region: no home org here any more
        self._home(event, {d["account_id"]: d["to_org_id"] if here else ""})

    def _home(self, event: Event, homes: dict[str, str]) -> None:
        at = _at(event)
        search.apply_many(event.tenant, PERSON, {a: rules.home_org(org_id, at) for a, org_id in homes.items()})
