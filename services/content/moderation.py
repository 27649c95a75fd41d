"""Moderation of the microblog: officers hide and restore what their subtree posted; members report.

The scope of a post or comment is its author's home org when it was written (stored on it; for an
official post, the org itself). Whoever holds `content.moderate` on an org of that path (the org's
officers and those of the orgs above it, or a region admin) moderates it. Hidden content stays for its
author (marked hidden) and the moderators; everyone else, timelines included, no longer sees it.

Reports wait in the review queue of every org on the reported content's scope path (pending reports,
oldest first); resolving one (hide or dismiss) resolves every pending report of the same content.
"""

from __future__ import annotations

import mongoengine as me
from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from kernel import paging
from kernel.errors import DomainError, ErrorCode
from kernel.store import TenantDocument, UnitOfWork, atomically, object_id, utcnow
from services.content import access, cache, events, posts
from services.content.domain import microblog as rules
from services.content.posts import Comment, Post

EXCERPT = 140  # characters of the reported text kept on the report for the queue


class Report(TenantDocument):
    target_kind = me.StringField(required=True)  # post | comment
    target_id = me.StringField(required=True)
    post_id = me.StringField(required=True)  # the post itself, or the post a comment belongs to
    reporter_id = me.StringField(required=True)
    reason = me.StringField(required=True)
    note = me.StringField(default="")
    excerpt = me.StringField(default="")
    author_id = me.StringField(default="")  # of the reported content
    org_path = me.ListField(me.StringField())  # the reported content's scope
    state = me.StringField(default=rules.PENDING)
    created_at = me.DateTimeField(required=True)
    resolved_by = me.StringField(default="")
    resolved_at = me.DateTimeField()

    meta = {
        "collection": "post_reports",
        "indexes": [
            {"fields": ["tenant", "target_id", "reporter_id"], "unique": True, "name": "mb_report_once"},
            ("tenant", "target_id", "state"),  # resolving every pending report of one item
            ("tenant", "org_path", "state", "id"),  # the review queue of a subtree
        ],
    }


DOCUMENTS = (Report,)


def _require_moderator(org_path: list[str], field: str) -> None:
    if not posts.moderates(org_path):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "permission_denied", field)


def _hide_post(uow: UnitOfWork, post: Post, hidden: bool, by: str) -> None:
    before, after = (rules.LIVE, rules.HIDDEN) if hidden else (rules.HIDDEN, rules.LIVE)
    if uow.update_one(
        Post, {"_id": post.id, "state": before}, {"$set": {"state": after, "state_by": by, "state_at": utcnow()}}
    ):
        uow.emit(events.SOURCE, events.POST_HIDDEN, {"post_id": str(post.id), "hidden": hidden, "by": by}, by)


def _hide_comment(uow: UnitOfWork, comment: Comment, hidden: bool, by: str) -> None:
    before, after = (rules.LIVE, rules.HIDDEN) if hidden else (rules.HIDDEN, rules.LIVE)
    uow.update_one(
        Comment, {"_id": comment.id, "state": before}, {"$set": {"state": after, "state_by": by, "state_at": utcnow()}}
    )


def _close_reports(uow: UnitOfWork, target_id: str, outcome: str, by: str) -> None:
    uow.update_many(
        Report,
        {"target_id": target_id, "state": rules.PENDING},
        {"$set": {"state": outcome, "resolved_by": by, "resolved_at": utcnow()}},
    )


def hide_post(post_id: str, hidden: bool) -> Post:
    """Hide (or restore) a post of the caller's moderation scope; pending reports of it are resolved."""
    reader = posts.me_as_author().reader
    post = posts.readable_post(post_id, reader)
    _require_moderator(list(post.org_path), "post_id")
    by = reader.account_id

    def write(uow: UnitOfWork) -> None:
        _hide_post(uow, post, hidden, by)
        if hidden:
            _close_reports(uow, str(post.id), rules.RESOLVED_HIDDEN, by)

    atomically(post.tenant, write)
    if not hidden:  # live again: back into its source's recent list (a hidden post stays listed, skipped)
        cache.forget_recent(post.tenant, post.source)
    return Post.in_tenant(post.tenant).get(id=post.id)


def hide_comment(comment_id: str, hidden: bool) -> Comment:
    reader = posts.me_as_author().reader
    comment = posts.readable_comment(comment_id, reader)
    _require_moderator(list(comment.org_path), "comment_id")
    by = reader.account_id

    def write(uow: UnitOfWork) -> None:
        _hide_comment(uow, comment, hidden, by)
        if hidden:
            _close_reports(uow, str(comment.id), rules.RESOLVED_HIDDEN, by)

    atomically(comment.tenant, write)
    return Comment.in_tenant(comment.tenant).get(id=comment.id)


def report(target_kind: str, target_id: str, reason: str, note: str) -> Report:
    """Report a post or comment the caller can read; once per person and item."""
    tenant = access.tenant()
    rules.check_reason(reason, note)
    reader = posts.me_as_author().reader
    if target_kind == rules.POST:
        target = posts.live_post(target_id, reader, "target_id")
        post_id = str(target.id)
    elif target_kind == rules.COMMENT:
        target = posts.readable_comment(target_id, reader, "target_id")
        post_id = target.post_id
    else:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "mb_target_kind_invalid", "target_kind")
    row = Report(
        tenant=tenant,
        target_kind=target_kind,
        target_id=str(target.id),
        post_id=post_id,
        reporter_id=reader.account_id,
        reason=reason,
        note=note,
        excerpt=target.text[:EXCERPT],
        author_id=target.author_id,
        org_path=list(target.org_path),
        created_at=utcnow(),
    )
    try:
        atomically(tenant, lambda uow: uow.insert(row))
    except DuplicateKeyError:
        raise DomainError(ErrorCode.ALREADY_EXISTS, "mb_already_reported", "target_id") from None
    return row


def queue(org_id: str, page_size: int, cursor: str) -> tuple[list[Report], str]:
    """The pending reports of an org's subtree, oldest first, for its moderators."""
    access.org_path(org_id)
    if not access.may(rules.MODERATE_ACTION, org_id):
        raise DomainError(ErrorCode.PERMISSION_DENIED, "permission_denied", "org_id")
    query = Report.in_tenant(access.tenant()).filter(org_path=org_id, state=rules.PENDING)
    return paging.page(query, page_size, cursor)


def resolve(report_id: str, action: str) -> Report:
    """Hide the reported item or dismiss the reports of it (every pending report of the item)."""
    tenant = access.tenant()
    outcome = rules.check_resolution(action)
    oid = object_id(report_id)
    row = Report.in_tenant(tenant).filter(id=oid).first() if oid else None
    if row is None:
        raise DomainError(ErrorCode.NOT_FOUND, "mb_report_unknown", "report_id")
    _require_moderator(list(row.org_path), "report_id")
    if row.state != rules.PENDING:
        raise DomainError(ErrorCode.FAILED_PRECONDITION, "mb_report_resolved", "report_id")
    by = access.actor().account_id

    def write(uow: UnitOfWork) -> None:
        if outcome == rules.RESOLVED_HIDDEN:
            if row.target_kind == rules.POST:
                post = Post.in_tenant(tenant).filter(id=ObjectId(row.target_id)).first()
                if post is not None:
                    _hide_post(uow, post, True, by)
            else:
                comment = Comment.in_tenant(tenant).filter(id=ObjectId(row.target_id)).first()
                if comment is not None:
                    _hide_comment(uow, comment, True, by)
        _close_reports(uow, row.target_id, outcome, by)

    atomically(tenant, write)
    return Report.in_tenant(tenant).get(id=row.id)
