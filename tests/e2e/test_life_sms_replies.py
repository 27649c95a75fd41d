"""Invitations by text message, through the gateway and the broker: an organizer asks for them when scheduling,
orgs announces what the sms service needs, and the invitees' replies (sms' reply_received) answer for them."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

import httpx
import pymongo
import pytest

from kernel import outbox
from tests.conftest import REGION, Person, register, tap_events, wait_until_bound
from tests.e2e.test_life_rosters import eventually, ok

pytestmark = pytest.mark.e2e

CST = dt.timezone(dt.timedelta(hours=8))
CONSUMER = "orgs_sms_replies.reply_received"  # orgs' worker: its queue and its inbox rows
QUEUE = f"evt-sms-reply_received--{CONSUMER}"


class Sms:
    """Stands in for the sms service: publishes reply_received as its outbox relay would, and tells when
    orgs' worker has handled an event (its inbox row is done)."""

    def __init__(self, stack):
        self.publisher = outbox.Publisher(stack.env["AMQP_URI"])
        self.mongo = pymongo.MongoClient(stack.env["MONGO_URI"])
        self.inbox = self.mongo[f"{REGION}_orgs"]["inbox"]
        wait_until_bound(stack.env["AMQP_URI"], QUEUE)

    def reply(self, meeting_id: str, who: Person | None, text: str, choice: str, **more) -> dict:
        """Publish a reply_received (a fresh event id) and return its envelope."""
        data = {
            "reply_id": uuid.uuid4().hex,
            "feature": "meeting",
            "ref": meeting_id,
            "account_id": who.account_id if who else "",
            "org_id": "",
            "text": text,
            "choice": choice,
            **more,
        }
        envelope = outbox.envelope_of(outbox.event_row(REGION, "sms", "reply_received", data))
        self.publisher.publish(envelope)
        return envelope

    def again(self, envelope: dict, new_id: bool = False) -> dict:
        """The same envelope delivered again, or the same reply under another event id."""
        envelope = {**envelope, "id": uuid.uuid4().hex} if new_id else envelope
        self.publisher.publish(envelope)
        return envelope

    def handled(self, *envelopes: dict) -> None:
        keys = [f"{CONSUMER}:{e['id']}" for e in envelopes]
        eventually(
            lambda: self.inbox.count_documents({"_id": {"$in": keys}, "state": "done"}) == len(keys),
            "orgs' worker did not handle the replies",
        )

    def close(self) -> None:
        self.publisher.close()
        self.mongo.close()


@pytest.fixture
def sms(stack):
    replies = Sms(stack)
    yield replies
    replies.close()


def statuses(api: httpx.Client, admin: Person, meeting_id: str) -> dict[str, tuple[str, str]]:
    roster = ok(api.get(f"/api/v1/meetings/{meeting_id}/roster", headers=admin.auth))["attendance"]
    return {r["account_id"]: (r["status"], r["leave_reason"]) for r in roster}


def test_invitees_answer_by_text_message(api, admin, identity_events, stack, sms):
    tag = secrets.token_hex(3)
    body = {"parent_id": "demo-committee", "name": f"短信邀请支部 {tag}", "type": "branch"}
    branch = ok(api.post("/api/v1/orgs", json=body, headers=admin.auth), 201)["id"]
    people = [register(api, identity_events, display_name=n) for n in ("短信甲", "短信乙", "短信丙")]
    first, second, third = people
    outsider = register(api, identity_events, display_name="未受邀")
    for person in people:
        member = {"account_id": person.account_id, "status": "full", "effective_on": "2020-07-01"}
        ok(api.post(f"/api/v1/orgs/{branch}/members", json=member, headers=admin.auth), 201)

    starts = dt.datetime.now(CST).replace(microsecond=0) + dt.timedelta(days=1)

    def schedule(**extra) -> dict:
        body = {
            "type": "party_lecture",
            "title": "党课：新时代的基层工作",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=2)).isoformat(),
            "place": "党员活动室",
            **extra,
        }
        return ok(api.post(f"/api/v1/orgs/{branch}/meetings", json=body, headers=admin.auth), 201)["meetings"][0]

    # The organizer asks for invitations by text; orgs announces what the sms service needs to send them.
    with tap_events(stack.env["AMQP_URI"], "orgs") as orgs_events:
        meeting = schedule(sms_invite=True, online_url="https://meet.example.org/room/7")
        plain = schedule()
        assert meeting["sms_invite"] is True and plain["sms_invite"] is False
        assert ok(api.get(f"/api/v1/meetings/{meeting['id']}", headers=admin.auth))["meeting"]["sms_invite"] is True
        announced = orgs_events.wait_for(
            lambda m: m["type"] == "meeting_scheduled" and m["data"]["meeting_id"] == meeting["id"]
        )["data"]
        plain_announced = orgs_events.wait_for(
            lambda m: m["type"] == "meeting_scheduled" and m["data"]["meeting_id"] == plain["id"]
        )["data"]
    assert {k: announced[k] for k in ("org_id", "type", "title", "place", "online", "sms_invite")} == {
        "org_id": branch,
        "type": "party_lecture",
        "title": "党课：新时代的基层工作",
        "place": "党员活动室",
        "online": True,
        "sms_invite": True,
    }
    assert sorted(announced["invitee_account_ids"]) == sorted(p.account_id for p in people)
    assert announced["invitee_count"] == 3 and "online_url" not in announced
    assert (plain_announced["online"], plain_announced["sms_invite"]) == (False, False)

    # One invitee attends, one asks for leave; replies that cannot count change nothing.
    attend = sms.reply(meeting["id"], first, "1", "1")
    leave = sms.reply(meeting["id"], second, "2 出差", "2")
    noise = [
        sms.reply(meeting["id"], outsider, "1", "1"),  # not invited
        sms.reply(meeting["id"], third, "3", "3"),  # no such choice
        sms.reply(meeting["id"], None, "1", "1"),  # a phone without an account
        sms.reply(meeting["id"], third, "1", "1", feature="poll"),  # another feature's reply
        sms.reply("not-a-meeting", third, "1", "1"),
    ]
    eventually(
        lambda: (
            statuses(api, admin, meeting["id"])[first.account_id][0] == "attending"
            and statuses(api, admin, meeting["id"])[second.account_id] == ("leave_requested", "出差")
        ),
        "the replies never reached the roster",
    )
    sms.handled(attend, leave, *noise)
    assert statuses(api, admin, meeting["id"]) == {
        first.account_id: ("attending", ""),
        second.account_id: ("leave_requested", "出差"),
        third.account_id: ("invited", ""),
    }
    assert {s for s, _ in statuses(api, admin, plain["id"]).values()} == {"invited"}  # the other meeting

    # A "2" without a reason gets the default one.
    bare = sms.reply(meeting["id"], third, "2", "2")
    sms.handled(bare)
    assert statuses(api, admin, meeting["id"])[third.account_id] == ("leave_requested", "短信请假")

    # The invitee changes their mind in the app; the old reply delivered again (even under another event
    # id) does not undo it.
    mine = ok(api.post(f"/api/v1/meetings/{meeting['id']}/rsvp", json={"attending": False}, headers=first.auth))
    assert mine["mine"]["status"] == "declined"
    sms.handled(sms.again(attend), sms.again(attend, new_id=True))
    assert statuses(api, admin, meeting["id"])[first.account_id] == ("declined", "")

    # Leave granted: a later "1" is a step the status does not allow, and is dropped.
    decision = {"approve": True, "note": "同意"}
    ok(
        api.post(
            f"/api/v1/meetings/{meeting['id']}/leave/{second.account_id}/decision", json=decision, headers=admin.auth
        )
    )
    sms.handled(sms.reply(meeting["id"], second, "1", "1"))
    assert statuses(api, admin, meeting["id"])[second.account_id] == ("on_leave", "出差")

    # A cancelled meeting takes no answers.
    ok(api.post(f"/api/v1/meetings/{plain['id']}/cancel", json={"reason": "改期"}, headers=admin.auth))
    sms.handled(sms.reply(plain["id"], first, "1", "1"))
    assert statuses(api, admin, plain["id"])[first.account_id] == ("invited", "")
