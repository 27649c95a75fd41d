"""The gRPC servicer of the microblog: messages ↔ calls of posts.py, timelines.py and moderation.py."""

from __future__ import annotations

from jiceng.content.v1 import microblog_pb2 as pb
from jiceng.content.v1 import microblog_pb2_grpc
from kernel.wire import timestamp
from services.content import moderation, notices, people, posts, timelines
from services.content.domain import microblog as rules
from services.content.posts import Comment, Post, PostView

SERVICE = "jiceng.content.v1.MicroblogService"

_DONE = pb.MicroblogDone()


def _post(post: Post, original: Post | None = None, unavailable: bool = False, liked: bool = False) -> pb.Post:
    return pb.Post(
        id=str(post.id),
        author_id=post.author_id,
        author_name=post.author_name,
        as_org_id=post.as_org_id,
        visibility=post.visibility,
        audience_org_id=post.audience_org_id,
        text=post.text,
        hashtags=list(post.hashtags),
        mentions=list(post.mentions),
        media_ids=list(post.media_ids),
        repost_of=post.repost_of,
        original=_post(original) if original is not None else None,
        original_unavailable=unavailable,
        created_at=timestamp(post.created_at),
        edited_at=timestamp(post.edited_at) if post.edited_at else None,
        edit_count=post.edit_count,
        likes=post.likes,
        comments=post.comments,
        reposts=post.reposts,
        liked=liked,
        hidden=post.state == rules.HIDDEN,
    )


def _view(view: PostView) -> pb.Post:
    return _post(view.post, view.original, view.original_unavailable, view.liked)


def _dressed(post: Post) -> pb.Post:
    """One post as the caller sees it (its original, whether they like it)."""
    return _view(posts.views([post], posts.me_as_author().reader)[0])


def _comment(c: Comment) -> pb.Comment:
    return pb.Comment(
        id=str(c.id),
        post_id=c.post_id,
        parent_id=c.parent_id,
        author_id=c.author_id,
        author_name=c.author_name,
        reply_to_author_id=c.reply_to_author_id,
        text=c.text,
        mentions=list(c.mentions),
        replies=c.replies,
        created_at=timestamp(c.created_at),
        hidden=c.state == rules.HIDDEN,
    )


def _report(r: moderation.Report) -> pb.Report:
    return pb.Report(
        id=str(r.id),
        target_kind=r.target_kind,
        target_id=r.target_id,
        post_id=r.post_id,
        reporter_id=r.reporter_id,
        reason=r.reason,
        note=r.note,
        excerpt=r.excerpt,
        author_id=r.author_id,
        state=r.state,
        created_at=timestamp(r.created_at),
        resolved_by=r.resolved_by,
        resolved_at=timestamp(r.resolved_at) if r.resolved_at else None,
    )


def _notice(entry: notices.NoticeEntry, org_names: dict[str, str]) -> pb.TimelineNotice:
    return pb.TimelineNotice(
        id=entry.notice_id,
        org_id=entry.org_id,
        org_name=org_names.get(entry.org_id, ""),
        author_id=entry.author_id,
        title=entry.title,
        published_at=timestamp(entry.published_at),
        read=entry.read,
        attachment_count=entry.attachment_count,
    )


def _timeline(page: timelines.Page) -> pb.Timeline:
    notice_orgs = [i.payload.org_id for i in page.items if isinstance(i.payload, notices.NoticeEntry)]
    org_names = people.org_names(notice_orgs) if notice_orgs else {}
    items = []
    for item, view in timelines.post_views(page.items, page.reader):
        if view is not None:
            items.append(pb.TimelineItem(kind=item.kind, post=_view(view)))
        elif isinstance(item.payload, notices.NoticeEntry):
            items.append(pb.TimelineItem(kind=item.kind, notice=_notice(item.payload, org_names)))
    return pb.Timeline(items=items, next_cursor=page.next_cursor)


class MicroblogApi(microblog_pb2_grpc.MicroblogServiceServicer):
    def CreatePost(self, request, context):
        post = posts.create_post(
            request.text,
            list(request.media_ids),
            request.visibility,
            request.audience_org_id,
            request.as_org_id,
            request.repost_of,
            list(request.mentions),
            request.client_post_id,
        )
        timelines.push_own(post)
        return _dressed(post)

    def GetPost(self, request, context):
        return _dressed(posts.get_post(request.post_id))

    def EditPost(self, request, context):
        return _dressed(posts.edit_post(request.post_id, request.text, list(request.mentions)))

    def ListPostEdits(self, request, context):
        post, edits = posts.post_edits(request.post_id)
        return pb.PostEdits(
            post_id=str(post.id),
            edits=[
                pb.PostEdit(
                    editor_id=e.editor_id,
                    at=timestamp(e.at),
                    text_before=e.text_before,
                    mentions_before=list(e.mentions_before),
                )
                for e in edits
            ],
        )

    def DeletePost(self, request, context):
        posts.delete_post(request.post_id)
        return _DONE

    def LikePost(self, request, context):
        liked, likes = posts.like(request.post_id)
        return pb.LikeState(liked=liked, likes=likes)

    def UnlikePost(self, request, context):
        liked, likes = posts.unlike(request.post_id)
        return pb.LikeState(liked=liked, likes=likes)

    def AddComment(self, request, context):
        comment = posts.add_comment(request.post_id, request.text, request.reply_to_comment_id, list(request.mentions))
        return _comment(comment)

    def ListComments(self, request, context):
        rows, cursor = posts.list_comments(
            request.post_id, request.parent_id, request.page.page_size, request.page.cursor
        )
        return pb.ListCommentsResponse(comments=[_comment(c) for c in rows], next_cursor=cursor)

    def DeleteComment(self, request, context):
        posts.delete_comment(request.comment_id)
        return _DONE

    def HomeTimeline(self, request, context):
        return _timeline(timelines.home(request.page.page_size, request.page.cursor))

    def PersonTimeline(self, request, context):
        return _timeline(timelines.person(request.account_id, request.page.page_size, request.page.cursor))

    def OrgTimeline(self, request, context):
        return _timeline(timelines.org(request.org_id, request.page.page_size, request.page.cursor))

    def HidePost(self, request, context):
        return _dressed(moderation.hide_post(request.post_id, request.hidden))

    def HideComment(self, request, context):
        return _comment(moderation.hide_comment(request.comment_id, request.hidden))

    def ReportContent(self, request, context):
        return _report(moderation.report(request.target_kind, request.target_id, request.reason, request.note))

    def ListReports(self, request, context):
        rows, cursor = moderation.queue(request.org_id, request.page.page_size, request.page.cursor)
        return pb.ListReportsResponse(reports=[_report(r) for r in rows], next_cursor=cursor)

    def ResolveReport(self, request, context):
        return _report(moderation.resolve(request.report_id, request.action))
