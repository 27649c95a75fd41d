"""What content holds about a person (kernel/erasure.py; the table is in docs/privacy.md).

After an account is deleted its posts, comments, threads and chat messages stay for the people who answered
them, shown as by ERASED_NAME (content's copy of the person keeps only that name); its likes, inbox,
timeline, friends and follows, private service requests and form answers go. Education and poll records stay
under the pseudonymous account id: the orgs' completion reports and tallies count them."""

from __future__ import annotations

from bson import ObjectId

from kernel.erasure import ERASED_NAME, Holding
from kernel.erasure import erase as erase_holdings
from kernel.person_data import database
from services.content import cache, events, search
from services.content.domain import search as search_rules

SHOWN_AS_ERASED = "kept for the other participants, shown as by 已注销用户"
ORG_RECORD = "the org's reports count it; the pseudonymous id only"

HOLDINGS = [
    Holding("mirror_people", "account_id", "anonymize", {"display_name": ERASED_NAME}, why=SHOWN_AS_ERASED),
    Holding("posts", "author_id", "anonymize", {"author_name": ERASED_NAME}, why=SHOWN_AS_ERASED),
    Holding("post_comments", "author_id", "anonymize", {"author_name": ERASED_NAME}, why=SHOWN_AS_ERASED),
    Holding("post_likes", "account_id", "delete"),
    Holding("forum_threads", "author_id", "keep", why=SHOWN_AS_ERASED),
    Holding("forum_replies", "author_id", "keep", why=SHOWN_AS_ERASED),
    Holding("forum_moderators", "account_id", "delete"),
    Holding("chat_members", "account_id", "keep", why="the conversation's other members still see it"),
    Holding("chat_messages", "sender_id", "keep", why=SHOWN_AS_ERASED),
    Holding("notifications", "account_id", "delete"),
    Holding("notifications", "actor_ids", "pull", export=False),
    Holding("notification_preferences", "account_id", "delete"),
    Holding("timeline_entries", "owner_id", "delete", export=False),  # copies of others' posts
    Holding("timeline_sizes", "owner_id", "delete", export=False),
    Holding("mirror_friends", "owner_id", "delete"),
    Holding("mirror_friends", "friend_id", "delete", export=False),
    Holding("mirror_follows", "follower_id", "delete"),
    Holding("mirror_follows", "target_id", "delete", export=False),
    Holding("mirror_follower_counts", "target_id", "delete", export=False),
    Holding("role_holders", "account_id", "delete", export=False),
    Holding("notice_receipts", "account_id", "keep", why=ORG_RECORD),
    Holding("service_requests", "member_id", "delete"),
    Holding("service_request_reads", "reader_id", "keep", why="the audit of who read a service request"),
    Holding("service_counsellors", "account_id", "delete"),
    Holding("app_submissions", "account_id", "delete"),
    Holding("course_progress", "account_id", "keep", why=ORG_RECORD),
    Holding("exam_attempts", "account_id", "keep", why=ORG_RECORD),
    Holding("study_points", "account_id", "keep", why=ORG_RECORD),
    Holding("study_points_tallies", "account_id", "keep", why=ORG_RECORD),
    Holding("poll_voters", "account_id", "keep", why="one vote per person; the tally counts it"),
    Holding("poll_ballots", "account_id", "keep", why="the tally counts it"),
    Holding("knowledge_questions", "author_id", "keep", why=SHOWN_AS_ERASED),
    Holding("knowledge_answers", "author_id", "keep", why=SHOWN_AS_ERASED),
    Holding("knowledge_articles", "author_id", "keep", why=SHOWN_AS_ERASED),
    Holding("knowledge_ratings", "account_id", "keep", why=ORG_RECORD),
]


def erase(tenant: str, account_id: str) -> dict[str, int]:
    db = database()
    posts = [r["_id"] for r in db["posts"].find({"tenant": tenant, "author_id": account_id}, {"_id": 1})]
    commented = db["post_comments"].distinct("post_id", {"tenant": tenant, "author_id": account_id})
    # Published notifications for the people they acted on carry their name (actor_name, the title): the
    # outbox keeps those a week; they go too (published ones only, so nothing undelivered is lost).
    recipients = db["notifications"].distinct("account_id", {"tenant": tenant, "actor_ids": account_id})
    for start in range(0, len(recipients), 100):
        db["outbox"].delete_many(
            {
                "tenant": tenant,
                "pending": {"$exists": False},
                "type": {"$in": [events.INBOX_UPDATED, events.NOTIFICATION_CREATED]},
                "data.account_id": {"$in": recipients[start : start + 100]},
            }
        )
    changed = erase_holdings(db, tenant, account_id, HOLDINGS)
    search.apply(tenant, search_rules.PERSON, account_id, _unfindable)
    # Cached copies carry the old name: forget them (they are copies, and expire anyway).
    cache.forget_people(tenant, [account_id])
    cache.forget_posts(tenant, posts + [p if isinstance(p, ObjectId) else ObjectId(p) for p in commented if p])
    cache.forget_inboxes(tenant, [account_id])
    cache.forget_recent(tenant, f"person:{account_id}")
    return changed


def _unfindable(entry: dict) -> dict | None:
    """The person's search entry: a tombstone without the name (the indexer drops it from the index)."""
    if entry["gone"] and not entry["title"]:
        return None
    return {**entry, "gone": True, "title": ""}
