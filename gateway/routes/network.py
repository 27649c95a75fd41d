"""The relationship network over HTTP: friends, follows, contacts, privacy, suggestions, paths, reach.

`me` stands for the caller wherever an account id is expected. Permissions are decided by orgs.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from gateway.auth import CallerDep
from gateway.clients import call_for
from gateway.routes.common import Body, Cursor, Id, PageSize, PathId
from gateway.routes.orgs import page_request
from jiceng.orgs.v1 import network_pb2 as pb

router = APIRouter(prefix="/api/v1", tags=["network"])

Kind = Annotated[str, Field(min_length=1, max_length=16, examples=["person", "org"])]


class SettingsBody(Body):
    friend_requests_from: Annotated[str, Field(max_length=16, examples=["everyone", "org_within", "nobody"])] = (
        "everyone"
    )
    org_levels: Annotated[int, Field(ge=0, le=10)] = 2
    friends_visible_to: Annotated[str, Field(max_length=16, examples=["friends", "only_me"])] = "friends"


class FriendRequestBody(Body):
    account_id: Id


class FollowBody(Body):
    target_kind: Kind
    target_id: Id


class ContactBody(Body):
    name: Annotated[str, Field(min_length=1, max_length=64)]
    phone: Annotated[str, Field(min_length=1, max_length=32, examples=["13912345678"])]
    note: Annotated[str, Field(max_length=500)] = ""


class ContactPatchBody(Body):
    name: Annotated[str, Field(max_length=64)] = ""
    phone: Annotated[str, Field(max_length=32)] = ""
    note: Annotated[str, Field(max_length=500)] | None = None


class SettingsOut(BaseModel):
    friend_requests_from: str
    org_levels: int
    friends_visible_to: str


class EntryOut(BaseModel):
    kind: str
    id: str
    display_name: str
    org_id: str
    roles: list[str]
    since: dt.datetime | None = None


class RelationsOut(BaseModel):
    entries: list[EntryOut]
    next_cursor: str = ""


class CountsOut(BaseModel):
    friends: int
    followers: int
    following: int
    contacts: int
    friends_visible: bool


class FriendRequestOut(BaseModel):
    from_id: str
    to_id: str
    state: str
    created_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    from_display_name: str
    to_display_name: str


class FriendRequestsOut(BaseModel):
    requests: list[FriendRequestOut]
    next_cursor: str = ""


class FollowOut(BaseModel):
    follower_id: str
    target_kind: str
    target_id: str
    since: dt.datetime | None = None


class ContactOut(BaseModel):
    id: str
    owner_id: str
    name: str
    phone: str
    note: str
    created_at: dt.datetime | None = None
    masked: bool


class ContactsOut(BaseModel):
    contacts: list[ContactOut]
    next_cursor: str = ""


class SuggestionOut(BaseModel):
    account_id: str
    display_name: str
    org_id: str
    mutual_friends: int
    same_org: bool
    shared_depth: int


class SuggestionsOut(BaseModel):
    suggestions: list[SuggestionOut]


class StepOut(BaseModel):
    account_id: str
    display_name: str
    via: str


class PathOut(BaseModel):
    found: bool
    steps: list[StepOut]
    visited: int
    truncated: bool


class ReachOut(BaseModel):
    org_id: str
    members: int
    contacts: int
    total: int


class DoneOut(BaseModel):
    ok: bool = True


async def call(request: Request, who, method_name: str, message) -> dict:
    return await call_for(request, who, "network", method_name, message)


def _account(account_id: str) -> str:
    return "" if account_id == "me" else account_id


# -- settings, relations, counts ----------------------------------------------------------------------


@router.get("/network/settings", response_model=SettingsOut, summary="My network privacy")
async def get_settings(request: Request, who: CallerDep):
    return await call(request, who, "GetNetworkSettings", pb.GetNetworkSettingsRequest())


@router.put("/network/settings", response_model=SettingsOut, summary="Set my network privacy")
async def put_settings(body: SettingsBody, request: Request, who: CallerDep):
    message = pb.NetworkSettings(
        friend_requests_from=body.friend_requests_from,
        org_levels=body.org_levels,
        friends_visible_to=body.friends_visible_to,
    )
    return await call(request, who, "UpdateNetworkSettings", message)


@router.get(
    "/accounts/{account_id}/network/{relation}",
    response_model=RelationsOut,
    summary="Superiors, subordinates, colleagues, friends, followers or following ('me' for yours)",
)
async def list_relations(
    account_id: PathId,
    relation: Annotated[str, Path(min_length=1, max_length=32)],
    request: Request,
    who: CallerDep,
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListRelationsRequest(
        account_id=_account(account_id), relation=relation, page=page_request(page_size, cursor)
    )
    return await call(request, who, "ListRelations", message)


@router.get("/accounts/{account_id}/network-counts", response_model=CountsOut, summary="Friends, followers, …")
async def person_counts(account_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetNetworkCounts", pb.GetNetworkCountsRequest(account_id=_account(account_id)))


@router.get("/orgs/{org_id}/network-counts", response_model=CountsOut, summary="An org's followers")
async def org_counts(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetNetworkCounts", pb.GetNetworkCountsRequest(org_id=org_id))


@router.get(
    "/orgs/{org_id}/followers",
    response_model=RelationsOut,
    summary="The people following an org (its officers and those above it)",
)
async def org_followers(
    org_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListOrgFollowersRequest(org_id=org_id, page=page_request(page_size, cursor))
    return await call(request, who, "ListOrgFollowers", message)


# -- friends --------------------------------------------------------------------------------------------


@router.post(
    "/network/friend-requests",
    response_model=FriendRequestOut,
    status_code=201,
    summary="Ask someone to be friends (accepts their request if they already asked you)",
)
async def send_friend_request(body: FriendRequestBody, request: Request, who: CallerDep):
    return await call(request, who, "SendFriendRequest", pb.FriendTarget(account_id=body.account_id))


@router.get("/network/friend-requests", response_model=FriendRequestsOut, summary="My pending requests")
async def list_friend_requests(
    request: Request,
    who: CallerDep,
    direction: Annotated[str, Query(max_length=16, examples=["incoming", "outgoing"])] = "incoming",
    page_size: PageSize = 50,
    cursor: Cursor = "",
):
    message = pb.ListFriendRequestsRequest(direction=direction, page=page_request(page_size, cursor))
    return await call(request, who, "ListFriendRequests", message)


@router.post("/network/friend-requests/{account_id}/accept", response_model=FriendRequestOut)
async def accept_friend_request(account_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "AcceptFriendRequest", pb.FriendTarget(account_id=account_id))


@router.post("/network/friend-requests/{account_id}/decline", response_model=FriendRequestOut)
async def decline_friend_request(account_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "DeclineFriendRequest", pb.FriendTarget(account_id=account_id))


@router.delete("/network/friends/{account_id}", response_model=DoneOut, summary="End a friendship")
async def remove_friend(account_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "RemoveFriend", pb.FriendTarget(account_id=account_id))
    return DoneOut()


# -- follows --------------------------------------------------------------------------------------------


@router.post("/network/follows", response_model=FollowOut, status_code=201, summary="Follow a person or an org")
async def follow(body: FollowBody, request: Request, who: CallerDep):
    message = pb.FollowTarget(target_kind=body.target_kind, target_id=body.target_id)
    return await call(request, who, "Follow", message)


@router.delete("/network/follows/{target_kind}/{target_id}", response_model=DoneOut)
async def unfollow(
    target_kind: Annotated[str, Path(min_length=1, max_length=16)], target_id: PathId, request: Request, who: CallerDep
):
    await call(request, who, "Unfollow", pb.FollowTarget(target_kind=target_kind, target_id=target_id))
    return DoneOut()


# -- external contacts ----------------------------------------------------------------------------------


@router.post("/network/contacts", response_model=ContactOut, status_code=201, summary="Add an external contact")
async def add_contact(body: ContactBody, request: Request, who: CallerDep):
    message = pb.AddContactRequest(name=body.name, phone=body.phone, note=body.note)
    return await call(request, who, "AddContact", message)


@router.patch("/network/contacts/{contact_id}", response_model=ContactOut)
async def update_contact(contact_id: PathId, body: ContactPatchBody, request: Request, who: CallerDep):
    message = pb.UpdateContactRequest(
        contact_id=contact_id,
        name=body.name,
        phone=body.phone,
        note=body.note or "",
        has_note=body.note is not None,
    )
    return await call(request, who, "UpdateContact", message)


@router.delete("/network/contacts/{contact_id}", response_model=DoneOut)
async def delete_contact(contact_id: PathId, request: Request, who: CallerDep):
    await call(request, who, "DeleteContact", pb.DeleteContactRequest(contact_id=contact_id))
    return DoneOut()


@router.get(
    "/accounts/{account_id}/contacts",
    response_model=ContactsOut,
    summary="A member's external contacts: yours in full ('me'), others' masked (their org's officers only)",
)
async def list_contacts(
    account_id: PathId, request: Request, who: CallerDep, page_size: PageSize = 50, cursor: Cursor = ""
):
    message = pb.ListContactsRequest(account_id=_account(account_id), page=page_request(page_size, cursor))
    return await call(request, who, "ListContacts", message)


# -- queries over the graph -----------------------------------------------------------------------------


@router.get("/network/people-you-may-know", response_model=SuggestionsOut, summary="Ranked friend suggestions")
async def people_you_may_know(request: Request, who: CallerDep, limit: Annotated[int, Query(ge=1, le=100)] = 20):
    return await call(request, who, "PeopleYouMayKnow", pb.PeopleYouMayKnowRequest(limit=limit))


@router.get("/network/path", response_model=PathOut, summary="Shortest chain of friends and colleagues to someone")
async def shortest_path(
    request: Request,
    who: CallerDep,
    to_account_id: Annotated[str, Query(min_length=1, max_length=64)],
    max_depth: Annotated[int, Query(ge=1, le=6)] = 6,
):
    return await call(
        request, who, "ShortestPath", pb.ShortestPathRequest(to_account_id=to_account_id, max_depth=max_depth)
    )


@router.get("/orgs/{org_id}/reach", response_model=ReachOut, summary="Distinct members of the subtree + their contacts")
async def org_reach(org_id: PathId, request: Request, who: CallerDep):
    return await call(request, who, "GetOrgReach", pb.GetOrgReachRequest(org_id=org_id))
