"""How each operation is probed: the body (when the sampled one would not pass validation, so that the check
of who may call is what answers) and the order (what destroys the corner's things goes last)."""

from __future__ import annotations

import re

from tests.security.surface import Operation, Surface
from tests.security.world import World

# Bodies that reach the permission check (a sampled body fails these routes' own validation first).
BODIES = {
    "POST /api/v1/roles": lambda w: {"account_id": w.id("comV"), "role": "committee_member", "org_id": w.orgs["V"]},
    "POST /api/v1/orgs": lambda w: {"parent_id": w.orgs["V"], "name": "安全测试小组", "type": "group"},
    "POST /api/v1/orgs/{org_id}/merge": lambda w: {"target_id": w.orgs["U"]},
    "POST /api/v1/orgs/{org_id}/move": lambda w: {"new_parent_id": w.orgs["U"]},
    "POST /api/v1/orgs/{org_id}/exams": lambda w: {
        "title": "考试",
        "bank_id": w.ids["bank_id"],
        "counts": [{"kind": "true_false", "count": 1}],
    },
    "POST /api/v1/posts": lambda w: {"text": "你好"},
    "POST /api/v1/reports": lambda w: {"target_kind": "post", "target_id": w.ids["post_id"], "reason": "spam"},
    "POST /api/v1/reports/{report_id}/resolve": lambda w: {"action": "dismiss"},
    "POST /api/v1/chat/conversations/{conversation_id}/messages": lambda w: {"client_message_id": "p1", "text": "hi"},
    "POST /api/v1/media/uploads": lambda w: {
        "org_id": w.orgs["V"],
        "filename": "a.png",
        "content_type": "image/png",
        "size": 70,
    },
    "PUT /api/v1/meetings/{meeting_id}/geofence": lambda w: {
        "shape": "circle",
        "center": {"lng": 116.4, "lat": 39.9},
        "radius_m": 100,
    },
    "POST /api/v1/calls/rooms": lambda w: {"invited_ids": [w.id("vic")]},
    "POST /api/v1/channels": lambda w: {"org_id": w.orgs["V"], "kind": "radio", "name": "电台"},
    "POST /api/v1/polls/{poll_id}/votes": lambda w: {"answers": [[0]]},
    "POST /api/v1/meetings/{meeting_id}/check-in": lambda w: {"code": "000000"},
    # neither password nor code: refused for what it lacks (or the office held), so nobody is deleted
    "POST /api/v1/me/deletion": lambda w: {},
    "POST /api/v1/orgs/{org_id}/sms/sends": lambda w: {
        "template_code": "sec",
        "to_subtree": True,
        "variables": {"org": "支部", "note": "测试"},
    },
}

# Operations that destroy or end the corner's things: probed last, and only with roles that must be refused
# (a role allowed to dissolve the victim's org would take the rest of the matrix with it).
_DESTRUCTIVE = re.compile(r"/(dissolve|merge|move|cancel|retire|end|revoke|unpublish|close|logout-everywhere)$")


def destructive(op: Operation) -> bool:
    return op.method == "DELETE" or bool(_DESTRUCTIVE.search(op.path))


def body(surface: Surface, w: World, op: Operation):
    if op.key in BODIES:
        return BODIES[op.key](w)
    if op.body_type == "application/json":
        return surface.sample(op.body_schema, w.ids)
    return None


def query(surface: Surface, w: World, op: Operation) -> dict:
    return {q["name"]: surface.sample(q["schema"], w.ids, q["name"]) for q in op.query if q.get("required")}


def send(surface: Surface, w: World, op: Operation, role: str, url: str):
    payload = body(surface, w, op)
    kw = {"params": query(surface, w, op)}
    if payload is not None:
        kw["json"] = payload
    elif op.body_type and op.body_type != "application/json":
        kw["files"] = {"file": ("a.csv", b"name\n", "text/csv")}
    return w.http.request(op.method, url, headers=w.headers(role), **kw)


def path_ids(op: Operation, w: World) -> dict[str, str]:
    """Path values that depend on the route (a playlist's name is not a study rule's; the board moderator
    appointed is out, so that no probed role of V gains a moderator's powers halfway through the matrix)."""
    if "/hls/" in op.path:
        return {"name": "master.m3u8"}
    if "/moderators/" in op.path:
        return {"account_id": w.id("out")}
    return {}
