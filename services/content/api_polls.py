"""The gRPC servicer of polls and surveys: messages ↔ calls of services/content/polls.py."""

from __future__ import annotations

import datetime as dt

from jiceng.content.v1 import poll_pb2 as pb
from jiceng.content.v1 import poll_pb2_grpc
from kernel.wire import timestamp
from services.content import people, polls
from services.content.domain import polls as rules

SERVICE = "jiceng.content.v1.PollService"


def _questions(poll: polls.Poll) -> list[pb.PollQuestion]:
    return [
        pb.PollQuestion(text=q["text"], kind=q["kind"], options=q["options"], max_choices=q.get("max_choices", 0))
        for q in poll.questions
    ]


def _poll(poll: polls.Poll, voted: bool = False, mine=None, results_visible: bool = False) -> pb.Poll:
    return pb.Poll(
        id=str(poll.id),
        org_id=poll.org_id,
        author_id=poll.author_id,
        title=poll.title,
        description=poll.description,
        questions=_questions(poll),
        anonymous=poll.anonymous,
        results_visible_to=poll.results_visible_to,
        deadline=timestamp(poll.deadline),
        created_at=timestamp(poll.created_at),
        closed=polls.is_closed(poll),
        voted=voted,
        my_answers=[pb.PollAnswer(options=a) for a in mine or []],
        results_visible=results_visible,
    )


def _tally(poll: polls.Poll, org_id: str, tally: polls.PollTally | None, names: dict[str, str]) -> pb.PollOrgTally:
    voters = tally.voters if tally else 0
    withheld = rules.withheld(poll.anonymous, voters)
    counts = (tally.counts if tally else {}) or {}
    questions = []
    for q, question in enumerate(poll.questions):
        per_option = counts.get(str(q), {})
        values = [0 if withheld else int(per_option.get(str(o), 0)) for o in range(len(question["options"]))]
        questions.append(pb.PollOptionCounts(counts=values))
    return pb.PollOrgTally(
        org_id=org_id, org_name=names.get(org_id, ""), voters=voters, withheld=withheld, questions=questions
    )


class PollApi(poll_pb2_grpc.PollServiceServicer):
    def PublishPoll(self, request, context):
        questions = [rules.Question(q.text, q.kind, tuple(q.options), q.max_choices) for q in request.questions]
        deadline = request.deadline.ToDatetime(tzinfo=dt.UTC) if request.HasField("deadline") else None
        poll = polls.publish(
            request.org_id,
            request.title,
            request.description,
            questions,
            request.anonymous,
            request.results_visible_to,
            deadline,
        )
        return _poll(poll, results_visible=True)

    def GetPoll(self, request, context):
        poll, voted, mine, visible = polls.get(request.poll_id)
        return _poll(poll, voted, mine, visible)

    def ListPolls(self, request, context):
        rows, cursor = polls.list_polls(request.org_id, request.page.page_size, request.page.cursor)
        return pb.ListPollsResponse(polls=[_poll(p) for p in rows], next_cursor=cursor)

    def Vote(self, request, context):
        polls.vote(request.poll_id, [list(a.options) for a in request.answers])
        return pb.PollVoteReceipt(poll_id=request.poll_id, voted=True)

    def GetPollResults(self, request, context):
        poll, summary, below, cursor = polls.results(
            request.poll_id, request.org_id, request.page.page_size, request.page.cursor
        )
        org_id = summary.org_id if summary else (request.org_id or poll.org_id)
        names = people.org_names([org_id, *(t.org_id for t in below)])
        return pb.PollResults(
            summary=_tally(poll, org_id, summary, names),
            below=[_tally(poll, t.org_id, t, names) for t in below],
            next_cursor=cursor,
            closed=polls.is_closed(poll),
        )

    def ListPollBallots(self, request, context):
        rows, cursor = polls.ballots(request.poll_id, request.page.page_size, request.page.cursor)
        names = people.names(b.account_id for b in rows)
        return pb.PollBallots(
            ballots=[
                pb.PollBallot(
                    account_id=b.account_id,
                    display_name=names.get(b.account_id, ""),
                    org_id=b.org_id,
                    answers=[pb.PollAnswer(options=a) for a in b.answers],
                    cast_at=timestamp(b.cast_at),
                )
                for b in rows
            ],
            next_cursor=cursor,
        )
