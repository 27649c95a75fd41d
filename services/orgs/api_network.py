"""The gRPC servicer of the relationship network: messages ↔ calls of services/orgs/network.py."""

from __future__ import annotations

from jiceng.orgs.v1 import network_pb2 as pb
from jiceng.orgs.v1 import network_pb2_grpc
from kernel.errors import DomainError, ErrorCode
from kernel.wire import timestamp
from services.orgs import network
from services.orgs.domain import network as rules

SERVICE = "jiceng.orgs.v1.NetworkService"

_DONE = pb.NetworkDone()


def _settings(p: rules.Privacy) -> pb.NetworkSettings:
    return pb.NetworkSettings(
        friend_requests_from=p.requests_from, org_levels=p.org_levels, friends_visible_to=p.friends_visible_to
    )


def _entry(e: dict) -> pb.NetworkEntry:
    return pb.NetworkEntry(
        kind=e["kind"],
        id=e["id"],
        display_name=e["display_name"],
        org_id=e["org_id"],
        roles=e["roles"],
        since=timestamp(e["since"]) if e["since"] else None,
    )


def _request(r: network.FriendRequest, names: dict[str, dict]) -> pb.FriendRequest:
    return pb.FriendRequest(
        from_id=r.from_id,
        to_id=r.to_id,
        state=r.state,
        created_at=timestamp(r.created_at),
        decided_at=timestamp(r.decided_at) if r.decided_at else None,
        from_display_name=names.get(r.from_id, {}).get("display_name", ""),
        to_display_name=names.get(r.to_id, {}).get("display_name", ""),
    )


def _contact(c: network.Contact, full: bool) -> pb.Contact:
    return pb.Contact(
        id=str(c.id),
        owner_id=c.owner_id,
        name=c.name,
        phone=c.phone if full else rules.mask_phone(c.phone),
        note=c.note if full else "",
        created_at=timestamp(c.created_at),
        masked=not full,
    )


class NetworkApi(network_pb2_grpc.NetworkServiceServicer):
    def __init__(self) -> None:
        # Built by server.py after the store is connected, so the network's indexes are made here.
        network.ensure_indexes()

    def GetNetworkSettings(self, request, context):
        return _settings(network.settings())

    def UpdateNetworkSettings(self, request, context):
        return _settings(
            network.update_settings(request.friend_requests_from, request.org_levels, request.friends_visible_to)
        )

    def ListRelations(self, request, context):
        entries, cursor = network.relations(
            request.account_id, request.relation, request.page.page_size, request.page.cursor
        )
        return pb.ListRelationsResponse(entries=[_entry(e) for e in entries], next_cursor=cursor)

    def ListOrgFollowers(self, request, context):
        entries, cursor = network.org_followers(request.org_id, request.page.page_size, request.page.cursor)
        return pb.ListRelationsResponse(entries=[_entry(e) for e in entries], next_cursor=cursor)

    def GetNetworkCounts(self, request, context):
        counter, friends_visible = network.counts(request.account_id, request.org_id)
        return pb.NetworkCounts(
            friends=counter.friends or 0,
            followers=counter.followers or 0,
            following=counter.following or 0,
            contacts=counter.contacts or 0,
            friends_visible=friends_visible,
        )

    def SendFriendRequest(self, request, context):
        sent = network.send_request(request.account_id)
        return _request(sent, network.people([sent.from_id, sent.to_id]))

    def AcceptFriendRequest(self, request, context):
        accepted = network.accept_request(request.account_id)
        return _request(accepted, network.people([accepted.from_id, accepted.to_id]))

    def DeclineFriendRequest(self, request, context):
        declined = network.decline_request(request.account_id)
        return _request(declined, network.people([declined.from_id, declined.to_id]))

    def ListFriendRequests(self, request, context):
        if request.direction not in ("incoming", "outgoing"):
            raise DomainError(ErrorCode.INVALID_ARGUMENT, "field_invalid", "direction", detail="incoming, outgoing")
        rows, cursor = network.list_requests(
            request.direction == "incoming", request.page.page_size, request.page.cursor
        )
        names = network.people([a for r in rows for a in (r.from_id, r.to_id)])
        return pb.ListFriendRequestsResponse(requests=[_request(r, names) for r in rows], next_cursor=cursor)

    def RemoveFriend(self, request, context):
        network.remove_friend(request.account_id)
        return _DONE

    def Follow(self, request, context):
        edge = network.follow(request.target_kind, request.target_id)
        return pb.FollowEdge(
            follower_id=edge.follower_id,
            target_kind=edge.target_kind,
            target_id=edge.target_id,
            since=timestamp(edge.since),
        )

    def Unfollow(self, request, context):
        network.unfollow(request.target_kind, request.target_id)
        return _DONE

    def AddContact(self, request, context):
        return _contact(network.add_contact(request.name, request.phone, request.note), True)

    def UpdateContact(self, request, context):
        note = request.note if request.has_note else None
        return _contact(network.update_contact(request.contact_id, request.name, request.phone, note), True)

    def DeleteContact(self, request, context):
        network.delete_contact(request.contact_id)
        return _DONE

    def ListContacts(self, request, context):
        rows, cursor, full = network.list_contacts(request.account_id, request.page.page_size, request.page.cursor)
        return pb.ListContactsResponse(contacts=[_contact(c, full) for c in rows], next_cursor=cursor)

    def PeopleYouMayKnow(self, request, context):
        return pb.PeopleYouMayKnowResponse(
            suggestions=[
                pb.Suggestion(
                    account_id=s.account_id,
                    display_name=who["display_name"],
                    org_id=who["org_id"],
                    mutual_friends=s.mutual_friends,
                    same_org=s.same_org,
                    shared_depth=s.shared_depth,
                )
                for s, who in network.people_you_may_know(request.limit)
            ]
        )

    def ShortestPath(self, request, context):
        result, names = network.shortest_path(request.to_account_id, request.max_depth)
        steps = [
            pb.PathStep(
                account_id=a,
                display_name=names.get(a, {}).get("display_name", ""),
                via=result.kinds[i - 1] if i else "",
            )
            for i, a in enumerate(result.nodes)
        ]
        return pb.ShortestPathResponse(
            found=result.found, steps=steps, visited=result.visited, truncated=result.truncated
        )

    def GetOrgReach(self, request, context):
        members, contacts = network.reach(request.org_id)
        return pb.OrgReach(org_id=request.org_id, members=members, contacts=contacts, total=members + contacts)
