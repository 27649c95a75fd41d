"""Backup and restore of a region (devstack/backup.py): a backup taken from the serving test region while people
register, post and chat through the gateway; restored into a new, empty region on ports and a directory of its
own, which then serves every write acknowledged before the backup began — logins with the old passwords, posts,
chat messages, an uploaded image, an ID-card number only the restored PII_KEY can open. A damaged archive and a
region that already holds data are refused."""

from __future__ import annotations

import io
import secrets
import shutil
import tarfile
import threading
import time
from dataclasses import dataclass, field

import httpx
import pymongo
import pytest
from PIL import Image

from devstack import backup
from devstack.layout import Layout, free_port_base
from devstack.stack import Stack
from tests.conftest import REGION, ROOT, STACK_ENV, Person, login, new_phone, register
from tests.e2e.corner import client_for, wait_until

pytestmark = pytest.mark.e2e

API = "/api/v1"
ID_CARD = "11010519491231002X"
REASON = "备份恢复核对身份"
# What the restored region runs: enough to serve what is checked (people, posts, chat, media, search) and
# content's worker, a consumer of the replayed events.
RESTORED = [
    "mongodb",
    "rabbitmq",
    "s3",
    "redis",
    "identity",
    "orgs",
    "content-search-indexer",
    "content",
    "content-worker",
    "media",
    "gateway",
]
_MODULE_STARTED: list[float] = []


@dataclass
class Acked:
    """Writes the gateway acknowledged, each with the wall-clock time its answer arrived."""

    people: list[tuple[float, Person]] = field(default_factory=list)
    posts: list[tuple[float, str, str]] = field(default_factory=list)  # (when, post id, text)
    messages: list[tuple[float, str, str]] = field(default_factory=list)  # (when, message id, text)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, item) -> None:
        with self.lock:
            getattr(self, kind).append((time.time(), *item) if isinstance(item, tuple) else (time.time(), item))

    def before(self, kind: str, moment: float) -> list:
        with self.lock:
            return [entry for entry in getattr(self, kind) if entry[0] < moment]


@dataclass
class Source:
    """What the source region held before the load began: a person with posts, an ID card and a chat group,
    and an image the admin uploaded."""

    person: Person
    admin: Person
    conversation_id: str
    media_id: str
    image: bytes
    word: str  # in the person's first post: search finds it after the restore


def _ok(reply: httpx.Response, status: int = 200) -> dict:
    assert reply.status_code == status, reply.text
    return reply.json()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (secrets.randbelow(256), 40, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def source(stack, gateway_url, identity_events) -> Source:
    _MODULE_STARTED.append(time.monotonic())
    with client_for(gateway_url) as http:
        body = login(http, "13800000000", "Jiceng-admin-2026")
        admin = Person("13800000000", "", body["account"]["id"], body["access_token"], body["refresh_token"])
        person = register(http, identity_events, "备份测试")
        _ok(
            http.put(
                f"{API}/me/personal-data", json={"real_name": "赵敏", "id_card_number": ID_CARD}, headers=person.auth
            )
        )
        word = "备份" + secrets.token_hex(3)
        _ok(http.post(f"{API}/posts", json={"text": f"{word} 恢复之前的第一条"}, headers=person.auth), 201)
        group = _ok(http.post(f"{API}/chat/groups", json={"title": "备份群"}, headers=person.auth), 201)
        image = _jpeg()
        upload = {"org_id": "demo-committee", "filename": "合影.jpg", "content_type": "image/jpeg", "size": len(image)}
        started = _ok(http.post(f"{API}/media/uploads", json=upload, headers=admin.auth), 201)
        put = httpx.put(started["put_url"], content=image, headers={"Content-Type": "image/jpeg"}, timeout=30)
        assert put.status_code == 200, put.text
        media_id = started["media"]["id"]
        _ok(http.post(f"{API}/media/{media_id}/finalize", headers=admin.auth))
        wait_until(
            lambda: _ok(http.get(f"{API}/media/{media_id}", headers=admin.auth))["status"] == "ready",
            60,
            "the image to be processed",
        )
    return Source(person, admin, group["id"], media_id, image, word)


def _load(gateway_url: str, tap, src: Source, acked: Acked, stop: threading.Event) -> list[threading.Thread]:
    """Three writers through the gateway until stop: registrations, posts, chat messages."""

    def guarded(write):
        def run():
            with client_for(gateway_url) as http:
                while not stop.is_set():
                    try:
                        write(http)
                    except (AssertionError, httpx.HTTPError) as e:  # not acknowledged: not counted
                        with acked.lock:
                            acked.failures.append(repr(e)[:200])

        return threading.Thread(target=run, daemon=True)

    def registration(_http):
        with client_for(gateway_url) as http:  # the code limit is per client address
            phone, password = new_phone(), "Pass-" + secrets.token_hex(6)
            _ok(http.post(f"{API}/auth/codes", json={"phone": phone, "purpose": "register"}))
            code = tap.code_for(phone, "register")
            body = _ok(
                http.post(
                    f"{API}/auth/register",
                    json={"phone": phone, "code": code, "password": password, "display_name": "负载"},
                ),
                201,
            )
            person = Person(phone, password, body["account"]["id"], body["access_token"], body["refresh_token"])
            acked.add("people", person)

    def post(http):
        text = f"负载 {secrets.token_hex(4)}"
        created = _ok(http.post(f"{API}/posts", json={"text": text}, headers=src.person.auth), 201)
        acked.add("posts", (created["id"], text))

    def chat(http):
        text = f"消息 {secrets.token_hex(4)}"
        sent = _ok(
            http.post(
                f"{API}/chat/conversations/{src.conversation_id}/messages",
                json={"client_message_id": secrets.token_hex(8), "text": text},
                headers=src.person.auth,
            ),
            201,
        )
        acked.add("messages", (sent["id"], text))

    threads = [guarded(registration), guarded(post), guarded(chat)]
    for thread in threads:
        thread.start()
    return threads


@pytest.fixture(scope="module")
def taken(stack, gateway_url, identity_events, source, tmp_path_factory):
    """A backup taken under write load: (report, the moment it began, what was acknowledged)."""
    acked, stop = Acked(), threading.Event()
    threads = _load(gateway_url, identity_events, source, acked, stop)
    try:
        wait_until(lambda: all(acked.before(k, time.time()) for k in ("people", "posts", "messages")), 30, "load")
        began = time.time()
        report = backup.backup_stack(stack, tmp_path_factory.mktemp("backups"))
        time.sleep(1.0)  # writes go on after it too
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    print(f"\nbackup: {report.summary()}load: {len(acked.people)} people, {len(acked.posts)} posts, "
          f"{len(acked.messages)} messages acknowledged; {len(acked.failures)} failed")  # fmt: skip
    return report, began, acked


@pytest.fixture(scope="module")
def restored(taken, tmp_path_factory):
    """A new region of the same name (its own directory and ports), empty, with the backup restored into it."""
    report, _, _ = taken
    layout = Layout(REGION, tmp_path_factory.mktemp("restored"), free_port_base())
    empty = Stack(layout, ROOT, STACK_ENV, only=RESTORED)
    region = None
    try:
        started = time.monotonic()
        region, restore_report = backup.restore_stack(empty, report.archive)
        print(f"\nrestore: {restore_report.summary()}restored region serving after {time.monotonic() - started:.1f} s")
        yield region
    finally:
        (region or empty).down()
        print(f"\nthis module took {time.monotonic() - _MODULE_STARTED[0]:.1f} s (the session's region not counted)")


def test_the_archive_is_dated_checksummed_and_counts_what_it_holds(taken):
    report, _, acked = taken
    archive = report.archive
    assert archive.name.startswith(f"jiceng-{REGION}-") and archive.name.endswith("Z.tar")
    assert archive.stat().st_mode & 0o077 == 0  # it holds the region's keys
    manifest = backup.verify(archive)
    assert manifest["region"] == REGION and manifest["versions"]["git_commit"] != "unknown"
    assert {"files/secrets.env", "files/federation-key.pem", "keys/jwks.json"} <= set(manifest["files"])
    assert any(name.startswith("keys/signing/") for name in manifest["files"])
    databases = manifest["documents"]
    assert {f"{REGION}_{s}" for s in ("identity", "orgs", "content", "media", "sms", "geo")} <= set(databases)
    assert databases[f"{REGION}_identity"]["accounts"] >= len(acked.before("people", taken[1]))
    assert manifest["objects"]["jiceng-media"] >= 1


def test_a_damaged_archive_or_a_region_with_data_is_refused(taken, restored, tmp_path):
    report, _, _ = taken
    damaged = tmp_path / report.archive.name
    shutil.copy(report.archive, damaged)
    with tarfile.open(damaged) as tar:  # one byte in the middle of a collection's documents
        member = next(m for m in tar.getmembers() if m.name.endswith("/accounts.bson"))
    with open(damaged, "r+b") as f:
        f.seek(member.offset_data + member.size // 2)
        byte = f.read(1)
        f.seek(-1, io.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    shutil.copy(report.archive.with_name(report.archive.name + ".sha256"), tmp_path)
    with pytest.raises(backup.BackupError, match="corrupted"):
        backup.verify(damaged)
    (tmp_path / (damaged.name + ".sha256")).unlink()  # without the archive's own checksum: a member's
    with pytest.raises(backup.BackupError, match="accounts.bson is corrupted"):
        backup.verify(damaged)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(report.archive, backup.region_of(restored))


def test_every_write_acknowledged_before_the_backup_is_served_by_the_restored_region(taken, restored, source):
    _, began, acked = taken
    url = f"http://127.0.0.1:{restored.layout.gateway_port}"
    people = acked.before("people", began)
    posts = acked.before("posts", began)
    messages = acked.before("messages", began)
    assert people and posts and messages
    with client_for(url) as http:
        # the people log in with their passwords (a token the source region signed verifies here too)
        me = login(http, source.person.phone, source.person.password)
        assert _ok(http.get(f"{API}/accounts/me/posts", headers=source.person.auth))["items"]
        auth = {"Authorization": f"Bearer {me['access_token']}"}
        for _, person in people:
            with client_for(url) as own:
                assert login(own, person.phone, person.password)["account"]["id"] == person.account_id
        for _, post_id, text in posts:
            assert _ok(http.get(f"{API}/posts/{post_id}", headers=auth))["text"] == text
        history, seqs, before_seq = {}, [0], 0
        while True:
            page = _ok(
                http.get(
                    f"{API}/chat/conversations/{source.conversation_id}/messages",
                    params={"before_seq": before_seq} if before_seq else {},
                    headers=auth,
                )
            )
            history |= {m["id"]: m["text"] for m in page["messages"]}
            seqs += [m["seq"] for m in page["messages"]]
            before_seq = page["next_before_seq"]
            if not before_seq:
                break
        assert all(history.get(message_id) == text for _, message_id, text in messages)
        # and the conversation goes on: its counter is not behind the messages the backup holds
        sent = http.post(
            f"{API}/chat/conversations/{source.conversation_id}/messages",
            json={"client_message_id": secrets.token_hex(8), "text": "恢复之后"},
            headers=auth,
        )
        assert _ok(sent, 201)["seq"] > max(seqs)
        # the image, from the restored object store by a presigned address
        item = _ok(http.get(f"{API}/media/{source.media_id}", headers=source.admin.auth))
        assert item["status"] == "ready" and httpx.get(item["url"], timeout=30).content == source.image
        # the ID-card number opens: the restored PII_KEY is the one that sealed it
        card = _ok(
            http.get(
                f"{API}/accounts/{source.person.account_id}/personal-data",
                params={"unmask": "true", "reason": REASON},
                headers=source.admin.auth,
            )
        )
        assert card["id_card_number"] == ID_CARD
        # derived state rebuilt: the search index from content's database
        found = wait_until(
            lambda: _ok(http.get(f"{API}/search", params={"q": source.word}, headers=auth)).get("hits"),
            30,
            "the rebuilt search index to find the post",
        )
        assert found


def test_the_replayed_events_are_published_again_and_consumers_skip_those_they_had(restored):
    """The restore marked the last hour's events pending: the restored services publish them all, and a
    consumer whose database already held their effect skips them (its inbox came back too)."""
    with pymongo.MongoClient(restored.env["MONGO_URI"]) as client:
        outboxes = [client[f"{REGION}_{s}"]["outbox"] for s in ("identity", "orgs", "content", "media")]
        wait_until(
            lambda: all(o.count_documents({"pending": True}) == 0 for o in outboxes), 60, "the outboxes to drain"
        )
    _, _, worker_metrics = restored.layout.service_ports(3)  # content's worker

    def duplicates() -> float:
        text = httpx.get(f"http://127.0.0.1:{worker_metrics}/metrics", timeout=5).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("jiceng_events_handled_total{") and 'outcome="duplicate"' in line
        )

    wait_until(lambda: duplicates() > 0, 30, "content's worker to skip a replayed event it had handled")
