"""A member's export of their data and the deletion of their account, through the gateway (docs/privacy.md):
the export holds their data from every service and nobody else's; deletion needs the password, stops their
tokens and logins, and afterwards no database of the region holds their phone, name or ID-card number,
while the records kept (membership, attendance, posts for the others) are there under the pseudonym."""

from __future__ import annotations

import datetime as dt
import json
import secrets
import time
import uuid

import pymongo
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from kernel.outbox import Publisher
from tests.conftest import REGION, register
from tests.e2e.corner import API, add_member, error, make_secretary, wait_until

pytestmark = pytest.mark.e2e

SERVICES = ("identity", "orgs", "content", "media", "sms", "geo")
ID_CARD = "110105198001010016"


def _post(api, person, text: str) -> dict:
    reply = api.post(f"{API}/posts", json={"text": text}, headers=person.auth)
    assert reply.status_code == 201, reply.text
    return reply.json()


def _holders(uri: str, needles: list[str]) -> list[str]:
    """Every <region>_<service> document (outside the audit log) that holds one of needles anywhere in it."""
    found = []
    with pymongo.MongoClient(uri) as client:
        for service in SERVICES:
            db = client[f"{REGION}_{service}"]
            for name in db.list_collection_names():
                for row in db[name].find({}):
                    text = json.dumps(row, default=str, ensure_ascii=False)
                    found += [f"{service}.{name}[{row.get('type', row['_id'])}]: {n}" for n in needles if n in text]
    return found


def test_a_member_exports_then_deletes_their_account(stack, api, admin, identity_events):
    started = time.monotonic()
    tag = secrets.token_hex(3)
    name, friend_name = f"隐私甲{tag}", f"隐私乙{tag}"
    member = register(api, identity_events, name)
    friend = register(api, identity_events, friend_name)
    add_member(api, admin, "demo-branch-1", member, name)
    add_member(api, admin, "demo-branch-1", friend, friend_name)
    assert api.put(
        f"{API}/me/personal-data", json={"real_name": name, "id_card_number": ID_CARD}, headers=member.auth
    ).is_success
    asked = api.post(f"{API}/network/friend-requests", json={"account_id": friend.account_id}, headers=member.auth)
    assert asked.status_code == 201, asked.text
    accepted = api.post(f"{API}/network/friend-requests/{member.account_id}/accept", headers=friend.auth)
    assert accepted.status_code == 200, accepted.text
    contact = api.post(
        f"{API}/network/contacts", json={"name": "外联" + tag, "phone": "13700001111"}, headers=member.auth
    )
    assert contact.status_code == 201, contact.text
    post = _post(api, member, f"我的第一条动态 {tag}")
    theirs = _post(api, friend, f"朋友的动态 {tag}")
    commented = api.post(f"{API}/posts/{theirs['id']}/comments", json={"text": "赞 " + tag}, headers=member.auth)
    assert commented.status_code == 201, commented.text
    counsellor = {"category": "legal", "account_id": friend.account_id}
    appointed = api.post(f"{API}/orgs/demo-branch-1/counsellors", json=counsellor, headers=admin.auth)
    assert appointed.status_code in (201, 409), appointed.text

    def open_request():  # once content has heard of the membership (orgs' event)
        body = {"category": "legal", "subject": "咨询" + tag, "text": "私密内容" + tag}
        reply = api.post(f"{API}/service-requests", json=body, headers=member.auth)
        return reply if reply.status_code != 409 else None

    opened = wait_until(open_request, what="content to route the member's request")
    assert opened.status_code == 201, opened.text

    # -- the export: every service's part, with their data and nobody else's
    exported = api.get(f"{API}/me/export", headers=member.auth)
    assert exported.status_code == 200, exported.text
    data = exported.json()
    assert data["account_id"] == member.account_id
    assert set(data["services"]) == set(SERVICES)
    identity = data["services"]["identity"]
    assert identity["account"]["phone"] == member.phone
    assert identity["personal_data"] == {"real_name": name, "id_card_number": ID_CARD}  # unmasked: their own
    orgs = data["services"]["orgs"]["records"]
    assert [m["account_id"] for m in orgs["memberships"]] == [member.account_id]
    assert [c["name"] for c in orgs["network_contacts"]] == ["外联" + tag]
    content = data["services"]["content"]["records"]
    assert [p["text"] for p in content["posts"]] == [post["text"]]  # not the friend's
    assert [c["text"] for c in content["post_comments"]] == ["赞 " + tag]
    assert [r["subject"] for r in content["service_requests"]] == ["咨询" + tag]
    assert "consents" in data["services"]["geo"]["geo"]
    assert friend.phone not in exported.text and friend_name not in json.dumps(
        data["services"]["orgs"]["records"]["memberships"], ensure_ascii=False
    )
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        audited = client[f"{REGION}_identity"]["audit_log"].find_one(
            {"action": "account.exported", "target_id": member.account_id}
        )
    assert audited is not None and audited["actor_id"] == member.account_id and audited["request_id"]

    # -- deletion: re-authentication first; an office holder is refused with the reason
    error(api.post(f"{API}/me/deletion", json={}, headers=member.auth), 400, "invalid_argument", "password")
    wrong = api.post(f"{API}/me/deletion", json={"password": "Wrong-pass-123"}, headers=member.auth)
    error(wrong, 401, "invalid_credentials")
    secretary = make_secretary(api, identity_events, admin, "demo-branch-2")
    held = api.post(f"{API}/me/deletion", json={"password": secretary.password}, headers=secretary.auth)
    message = error(held, 409, "failed_precondition")["message"]
    assert "交接职务" in message or "hand it over" in message, message

    socket_url = str(api.base_url).replace("http://", "ws://").rstrip("/") + f"{API}/ws"
    with connect(f"{socket_url}?access_token={member.access_token}", open_timeout=10) as live:
        assert json.loads(live.recv(timeout=10))["type"] == "hello"
        deleted = api.post(f"{API}/me/deletion", json={"password": member.password}, headers=member.auth)
        assert deleted.status_code == 200, deleted.text
        assert deleted.json() == {"account_id": member.account_id, "deleted": True}
        with pytest.raises(ConnectionClosed) as closed:  # identity's event reached every gateway's live feed
            while True:
                live.recv(timeout=15)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401, closed.value
    error(api.get(f"{API}/me", headers=member.auth), 401, "token_invalid")
    with connect(f"{socket_url}?access_token={member.access_token}", open_timeout=10) as socket:
        with pytest.raises(ConnectionClosed):  # closed without a hello: the token stopped for live events too
            socket.recv(timeout=10)
    stale = api.post(f"{API}/auth/refresh", json={"refresh_token": member.refresh_token})
    assert stale.status_code == 401, stale.text

    # -- every service's worker erases; other people's views show the anonymized author
    def comment_anonymized():
        page = api.get(f"{API}/posts/{theirs['id']}/comments", headers=friend.auth)
        assert page.status_code == 200, page.text
        names = [c.get("author_name") or c.get("author", {}).get("display_name") for c in page.json()["comments"]]
        return names == ["已注销用户"]

    wait_until(comment_anonymized, timeout=20, what="the comment shown as by 已注销用户")
    needles = [member.phone, name, ID_CARD]
    deadline = time.monotonic() + 20
    while (left := _holders(stack.env["MONGO_URI"], needles)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, f"the databases still hold the deleted person's phone, name or ID-card number: {left}"

    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        kept = client[f"{REGION}_orgs"]["memberships"].find_one({"account_id": member.account_id})
        assert kept is not None and kept["display_name"] == "已注销用户"  # the party record stays, pseudonymous
        assert (
            client[f"{REGION}_content"]["posts"].find_one({"author_id": member.account_id})["author_name"]
            == "已注销用户"
        )
        assert client[f"{REGION}_orgs"]["friendships"].count_documents({"friend_id": member.account_id}) == 0
        assert client[f"{REGION}_content"]["service_requests"].count_documents({"member_id": member.account_id}) == 0
        assert client[f"{REGION}_identity"]["audit_log"].count_documents({"target_id": member.account_id}) > 0

    # the event delivered again (a redelivery, a replay): every worker handles it, nothing changes, nothing fails
    again = {
        "id": uuid.uuid4().hex,
        "source": "identity",
        "type": "account_deleted",
        "tenant": REGION,
        "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
        "actor_id": member.account_id,
        "request_id": "",
        "data": {"account_id": member.account_id},
    }
    publisher = Publisher(stack.env["AMQP_URI"])
    try:
        publisher.publish(again)
    finally:
        publisher.close()

    def handled_everywhere():
        with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
            return all(
                client[f"{REGION}_{s}"]["inbox"].find_one(
                    {"_id": f"{s}_erasure.account_deleted:{again['id']}", "state": "done"}
                )
                for s in SERVICES
                if s != "identity"
            )

    wait_until(handled_everywhere, timeout=20, what="every worker to handle the event again")
    with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
        for service in SERVICES:
            parked = client[f"{REGION}_{service}"]["dead_letters"].count_documents({"envelope.id": again["id"]})
            assert parked == 0, f"{service} failed on the repeated event"
        assert client[f"{REGION}_orgs"]["memberships"].find_one({"account_id": member.account_id})["display_name"] == (
            "已注销用户"
        )
    assert not _holders(stack.env["MONGO_URI"], needles)

    # the phone logs in no more (a failed login audits the phone tried: after the scan), and may register anew
    refused = api.post(f"{API}/auth/login", json={"phone": member.phone, "password": member.password})
    error(refused, 401, "invalid_credentials")
    sent = api.post(f"{API}/auth/codes", json={"phone": member.phone, "purpose": "register"})
    assert sent.status_code == 200, sent.text
    assert time.monotonic() - started < 60


def test_deletion_waits_for_an_open_transfer_and_takes_a_fresh_sms_code(stack, api, admin, identity_events):
    name = "转接中" + secrets.token_hex(3)
    member = register(api, identity_events, name)
    add_member(api, admin, "demo-branch-1", member, name)
    asked = api.post(f"{API}/transfers", json={"to_org_id": "demo-branch-2", "reason": "工作调动"}, headers=member.auth)
    assert asked.status_code == 201, asked.text
    sent = api.post(f"{API}/auth/codes", json={"phone": member.phone, "purpose": "login"})
    assert sent.status_code == 200, sent.text
    code = identity_events.code_for(member.phone, "login")
    refused = api.post(f"{API}/me/deletion", json={"code": code}, headers=member.auth)
    assert "转接" in error(refused, 409, "failed_precondition")["message"]  # refused before the code is used
    cancelled = api.post(f"{API}/transfers/{asked.json()['id']}/cancel", json={}, headers=member.auth)
    assert cancelled.status_code == 200, cancelled.text
    error(api.post(f"{API}/me/deletion", json={"code": "000000"}, headers=member.auth), 401, "invalid_code", "code")
    deleted = api.post(f"{API}/me/deletion", json={"code": code}, headers=member.auth)
    assert deleted.status_code == 200, deleted.text

    def transfer_kept_anonymized():
        with pymongo.MongoClient(stack.env["MONGO_URI"]) as client:
            row = client[f"{REGION}_orgs"]["transfers"].find_one({"account_id": member.account_id})
        return row is not None and row["display_name"] == "已注销用户" and row["state"] == "cancelled"

    wait_until(transfer_kept_anonymized, timeout=20, what="the cancelled transfer kept, anonymized")
