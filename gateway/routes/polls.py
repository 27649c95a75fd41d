"""Polls and surveys (投票、问卷) over HTTP. Permissions are decided by content."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, PageSize, PathId, page_request, timestamp_of
from jiceng.content.v1 import poll_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["polls"])


class QuestionBody(Body):
    text: Annotated[str, Field(max_length=1000)]
    kind: Annotated[str, Field(max_length=16, examples=["single", "multiple"])] = "single"
    options: Annotated[list[Annotated[str, Field(max_length=500)]], Field(max_length=50)]
    max_choices: Annotated[int, Field(ge=0, le=50)] = 0


class PollBody(Body):
    title: Annotated[str, Field(max_length=400)]
    description: Annotated[str, Field(max_length=5000)] = ""
    questions: Annotated[list[QuestionBody], Field(max_length=50)]
    anonymous: bool = False
    results_visible_to: Annotated[str, Field(max_length=16, examples=["publisher", "voters", "closed"])] = "publisher"
    deadline: dt.datetime


class VoteBody(Body):
    # one list of chosen option indexes per question, in order
    answers: Annotated[
        list[Annotated[list[Annotated[int, Field(ge=0, le=1000)]], Field(max_length=50)]], Field(max_length=50)
    ]


class QuestionOut(BaseModel):
    text: str
    kind: str
    options: list[str]
    max_choices: int


class AnswerOut(BaseModel):
    options: list[int]


class PollOut(BaseModel):
    id: str
    org_id: str
    author_id: str
    title: str
    description: str
    questions: list[QuestionOut]
    anonymous: bool
    results_visible_to: str
    deadline: dt.datetime | None = None
    created_at: dt.datetime | None = None
    closed: bool
    voted: bool
    my_answers: list[AnswerOut]
    results_visible: bool


class PollsOut(BaseModel):
    polls: list[PollOut]
    next_cursor: str = ""


class VoteOut(BaseModel):
    poll_id: str
    voted: bool


class OptionCountsOut(BaseModel):
    counts: list[int]


class TallyOut(BaseModel):
    org_id: str
    org_name: str
    voters: int
    withheld: bool
    questions: list[OptionCountsOut]


class ResultsOut(BaseModel):
    summary: TallyOut
    below: list[TallyOut]
    next_cursor: str = ""
    closed: bool


class BallotOut(BaseModel):
    account_id: str
    display_name: str
    org_id: str
    answers: list[AnswerOut]
    cast_at: dt.datetime | None = None


class BallotsOut(BaseModel):
    ballots: list[BallotOut]
    next_cursor: str = ""


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "polls", method_name, message)


@router.post(
    "/orgs/{org_id}/polls",
    response_model=PollOut,
    status_code=201,
    summary="Publish a poll (one question) or survey (several) to the org's subtree",
)
async def publish_poll(org_id: PathId, body: PollBody, request: Request, who: CallerDep):
    message = pb.PublishPollRequest(
        org_id=org_id,
        title=body.title,
        description=body.description,
        questions=[
            pb.PollQuestion(text=q.text, kind=q.kind, options=q.options, max_choices=q.max_choices)
            for q in body.questions
        ],
        anonymous=body.anonymous,
        results_visible_to=body.results_visible_to,
        deadline=timestamp_of(body.deadline),
    )
    return await call(request, who, "PublishPoll", message)


@router.get("/orgs/{org_id}/polls", response_model=PollsOut, summary="An org's polls, newest first")
async def list_org_polls(
    org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListPollsRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListPolls", message)


@router.get("/polls", response_model=PollsOut, summary="Polls addressed to you, newest first")
async def list_my_polls(request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    return await call(request, who, "ListPolls", pb.ListPollsRequest(page=page_request(page_size, cursor)))


@router.get("/polls/{poll_id}", response_model=PollOut)
async def get_poll(poll_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetPoll", pb.PollRef(poll_id=poll_id))


@router.post("/polls/{poll_id}/votes", response_model=VoteOut, status_code=201, summary="Vote (once, final)")
async def vote(poll_id: PathId, body: VoteBody, request: Request, who: CallerDep):
    message = pb.VoteRequest(poll_id=poll_id, answers=[pb.PollAnswer(options=a) for a in body.answers])
    return await call(request, who, "Vote", message)


@router.get(
    "/polls/{poll_id}/results",
    response_model=ResultsOut,
    summary="Votes of the poll's org (or of org_id) and per org one level below",
)
async def results(
    poll_id: PathId,
    request: Request,
    who: CallerDep,
    org_id: Annotated[str, Query(max_length=64)] = "",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.PollResultsRequest(poll_id=poll_id, org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "GetPollResults", message)


@router.get("/polls/{poll_id}/ballots", response_model=BallotsOut, summary="Who chose what (named polls, publisher)")
async def ballots(poll_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""):
    message = pb.PollBallotsRequest(poll_id=poll_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListPollBallots", message)
