"""Back up a region to one dated, checksummed archive, and restore it into an empty region.

`python -m devstack backup [--out DIR]` / `python -m devstack restore ARCHIVE [--force]` (README, "Backup and
restore"). Everything goes through the servers' own protocols — the MongoDB wire protocol, the S3 API — so the
same code backs up a production region (MongoDB, MinIO) from a Kubernetes Job (deploy/k8s/README.md).

The archive, `jiceng-<region>-<UTC time>.tar` (with `<archive>.sha256` beside it), holds:
- `keys/…`: KEYS_DIR (token signing keys, jwks.json); `files/federation-key.pem`, `files/federation-peers.json`;
  `files/secrets.env` (PII_KEY seals ID-card numbers: without it a restored region cannot read them);
- `mongo/<database>/<collection>.bson` (the documents, concatenated BSON as mongodump writes them) and
  `….indexes.json` (the index specs) for every `<region>_*` database;
- `objects/<bucket>/<key>` for every object of every bucket, with `objects.json` (content type, metadata);
- `manifest.json`, last: the SHA-256 and size of every other member, counts per collection and bucket, the
  git commit and schema versions, and when the backup began and ended.

Consistency: there is no global snapshot (one cursor per collection, one GET per object, while the region
serves). Every write acknowledged before the backup began is in the archive; writes during it may or may not
be. Outboxes are read last in each database, so every stored change in the archive has its event too, and a
counter that numbers another collection's rows is read after them (READ_LATE). A restore holds the events that
were pending or published in the REPLAY window before the backup began, and `replay` (once the region runs and
its workers have declared their queues on the new broker) has the services publish them again: consumers that
had not handled them before their own database was read handle them now, the others skip them (their inboxes
remember handled ids for 30 days, kernel/events.py). Derived state is not backed up: content's search index is
rebuilt from the database by the indexer on its first start (services/content/search_indexer.py), Redis is a
cache (flushed), the broker's queues are refilled by the outboxes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import bson
import pymongo
from bson import json_util
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from minio import Minio

from kernel import objects
from kernel.objects import ObjectStoreConfig

FORMAT = 1
OUTBOX = "outbox"  # kernel/outbox.py's collection: read last in each database, replayed on restore
# Collections whose counters number other collections' rows under a unique index, read after those rows so the
# restored counter is never behind them: a conversation's last_seq numbers its chat_messages (content's
# chat.py), and a send after a restore takes last_seq + 1 — a seq already taken would refuse every send.
READ_LATE = ("chat_conversations",)
REPLAY = dt.timedelta(hours=1)  # events published this long before the backup began are published again
REPLAY_HOLD = "restore_replay"  # the ids of the events a restore holds until `replay` (then dropped)
BATCH = 1000  # documents per insert_many on restore
RAW = CodecOptions(document_class=RawBSONDocument)
CHUNK = 1 << 20
# Secrets a region's processes read from the environment; a Job without secrets.env writes these instead.
SECRET_NAMES = (
    "PII_KEY",
    "OTP_PEPPER",
    "MEDIA_INGEST_SECRET",
    "TURN_SECRET",
    "MEDIA_URL_SECRET",
    "SMPP_PASSWORD",
    "SMS_HTTP_KEY_SECRET",
)


_OBJECT_STORE_SETTINGS = {"s3_access_key", "s3_secret_key", "s3_secure", "s3_region"}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Region:
    """Where a region's state lives: its servers and its key files (from its processes' environment)."""

    name: str
    mongo_uri: str
    objects: ObjectStoreConfig  # the object store, read from the same variables the services read
    keys_dir: Path
    federation_key: Path | None
    federation_peers: Path | None
    secrets_file: Path | None  # secrets.env; None: the secrets are taken from (and given back as) the environment
    search_index_dir: Path | None
    redis_url: str = ""
    env: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str], secrets_file: Path | None = None) -> Region:
        def path(name: str) -> Path | None:
            return Path(env[name]) if env.get(name) else None

        try:
            return cls(
                name=env["REGION"],
                mongo_uri=env["MONGO_URI"],
                objects=ObjectStoreConfig(
                    s3_endpoint=env["S3_ENDPOINT"],
                    **{k.lower(): v for k, v in env.items() if k.lower() in _OBJECT_STORE_SETTINGS},
                ),
                keys_dir=Path(env["KEYS_DIR"]),
                federation_key=path("FEDERATION_KEY_PATH"),
                federation_peers=path("FEDERATION_PEERS_PATH"),
                secrets_file=secrets_file or path("SECRETS_FILE"),
                search_index_dir=path("SEARCH_INDEX_DIR"),
                redis_url=env.get("REDIS_URL", ""),
                env=dict(env),
            )
        except KeyError as missing:
            raise BackupError(f"{missing.args[0]} is not set: the region's environment is needed") from None

    @property
    def database_prefix(self) -> str:
        return self.name.replace("-", "_") + "_"  # kernel/store.database_name

    def mongo(self) -> pymongo.MongoClient:
        return pymongo.MongoClient(self.mongo_uri, serverSelectionTimeoutMS=5000, uuidRepresentation="standard")

    def s3(self) -> Minio:
        return objects.client(self.objects)

    def databases(self, client: pymongo.MongoClient) -> list[str]:
        """`<region>_<service>`: a service's name has no underscore, so region tian's are not tian-jin's."""
        prefix = self.database_prefix
        names = client.list_database_names()
        return sorted(n for n in names if n.startswith(prefix) and n[len(prefix) :].isalnum())


@dataclass
class Report:
    """What a backup or restore did (printed by the command, checked by the test)."""

    archive: Path
    seconds: float
    size: int
    documents: dict[str, dict[str, int]]
    objects: dict[str, int]
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        docs = sum(sum(c.values()) for c in self.documents.values())
        objects = sum(self.objects.values())
        lines = [
            f"{self.archive} ({self.size / 1e6:.1f} MB, {self.seconds:.1f} s): {docs} documents in "
            f"{len(self.documents)} databases, {objects} objects in {len(self.objects)} buckets",
            *self.notes,
        ]
        return "\n".join(lines) + "\n"


# -- backup -----------------------------------------------------------------------------------------------


class _Writer:
    """Adds members to the tar and remembers each one's SHA-256 and size for the manifest."""

    def __init__(self, tar: tarfile.TarFile, started: float):
        self.tar, self.mtime, self.files = tar, started, {}

    def add_stream(self, name: str, stream, size: int) -> None:
        hashing = _Hashing(stream)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = size, self.mtime, 0o600
        self.tar.addfile(info, hashing)
        if hashing.read_bytes != size:
            raise BackupError(f"{name}: read {hashing.read_bytes} bytes, expected {size}")
        self.files[name] = {"sha256": hashing.sha.hexdigest(), "size": size}

    def add_bytes(self, name: str, data: bytes) -> None:
        self.add_stream(name, io.BytesIO(data), len(data))

    def add_file(self, name: str, path: Path) -> None:
        with open(path, "rb") as f:
            self.add_stream(name, f, os.fstat(f.fileno()).st_size)


class _Hashing:
    """A file-like reader that hashes what passes through it."""

    def __init__(self, stream):
        self.stream, self.sha, self.read_bytes = stream, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n)
        self.sha.update(data)
        self.read_bytes += len(data)
        return data


def backup(region: Region, out_dir: Path, root: Path | None = None) -> Report:
    """Write the region's archive (and its .sha256) into out_dir while the region serves."""
    began = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    out_dir.mkdir(parents=True, exist_ok=True)
    archive = out_dir / f"jiceng-{region.name}-{began.strftime('%Y-%m-%dT%H%M%SZ')}.tar"
    partial = archive.with_suffix(".tar.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds the region's keys
    documents: dict[str, dict[str, int]] = {}
    objects: dict[str, int] = {}
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            writer = _Writer(tar, began.timestamp())
            _backup_keys(region, writer)
            with region.mongo() as client:
                for database in region.databases(client):
                    documents[database] = _backup_database(client[database], writer)
            objects = _backup_objects(region, writer)
            manifest = {
                "format": FORMAT,
                "region": region.name,
                "began_at": began.isoformat(),
                "finished_at": dt.datetime.now(dt.UTC).isoformat(),
                "versions": _versions(root),
                "documents": documents,
                "objects": objects,
                "files": writer.files,
                "consistency": "every write acknowledged before began_at is included; writes during the backup "
                "may or may not be (no global snapshot)",
            }
            writer.add_bytes("manifest.json", json.dumps(manifest, indent=1, ensure_ascii=False).encode())
        os.replace(partial, archive)
    finally:
        partial.unlink(missing_ok=True)
    digest = _sha256_of(archive)
    archive.with_name(archive.name + ".sha256").write_text(f"{digest}  {archive.name}\n")
    return Report(archive, time.monotonic() - clock, archive.stat().st_size, documents, objects)


def _backup_keys(region: Region, writer: _Writer) -> None:
    if not region.keys_dir.is_dir():
        raise BackupError(f"KEYS_DIR {region.keys_dir} does not exist: no signing keys to back up")
    for path in sorted(p for p in region.keys_dir.rglob("*") if p.is_file()):
        relative = path.relative_to(region.keys_dir)
        if any(part.startswith("..") for part in relative.parts):
            continue  # a mounted Kubernetes Secret's own copies (..data/, ..<time>/) of the files beside them
        if region.federation_key is not None and path == region.federation_key:
            continue  # kept once, as files/federation-key.pem
        writer.add_file(f"keys/{relative.as_posix()}", path)
    if region.federation_key is not None and region.federation_key.exists():
        writer.add_file("files/federation-key.pem", region.federation_key)
    if region.federation_peers is not None and region.federation_peers.exists():
        writer.add_file("files/federation-peers.json", region.federation_peers)
    if region.secrets_file is not None:
        if not region.secrets_file.exists():
            raise BackupError(f"{region.secrets_file} does not exist: without PII_KEY a restore is useless")
        writer.add_file("files/secrets.env", region.secrets_file)
    else:
        found = {k: region.env[k] for k in SECRET_NAMES if region.env.get(k)}
        if "PII_KEY" not in found:
            raise BackupError("PII_KEY is not set: without it a restored region cannot read ID-card numbers")
        writer.add_bytes("files/secrets.env", "".join(f"{k}={v}\n" for k, v in found.items()).encode())


def _backup_database(db: pymongo.database.Database, writer: _Writer) -> dict[str, int]:
    """Each collection as concatenated BSON, counters (READ_LATE) and the outbox last; returns the documents per
    collection."""
    names = [n for n in db.list_collection_names() if not n.startswith("system.")]
    names.sort(key=lambda n: (n == OUTBOX, n in READ_LATE, n))
    counts = {}
    for name in names:
        collection = db.get_collection(name, codec_options=RAW)
        with tempfile.TemporaryFile() as spool:
            count = 0
            for doc in collection.find({}, batch_size=BATCH):
                spool.write(doc.raw)
                count += 1
            size = spool.tell()
            spool.seek(0)
            writer.add_stream(f"mongo/{db.name}/{name}.bson", spool, size)
        specs = [dict(spec) for spec in collection.list_indexes()]
        writer.add_bytes(f"mongo/{db.name}/{name}.indexes.json", json_util.dumps(specs, indent=1).encode())
        counts[name] = count
    return counts


def _backup_objects(region: Region, writer: _Writer) -> dict[str, int]:
    """Every object of every bucket through the S3 API, after the databases (a row's object is older than it)."""
    s3 = region.s3()
    listing: list[dict] = []
    counts: dict[str, int] = {}
    for bucket in sorted(b.name for b in s3.list_buckets()):
        counts[bucket] = 0
        for item in s3.list_objects(bucket, recursive=True):
            if item.is_dir:
                continue
            try:
                response = s3.get_object(bucket, item.object_name)
            except Exception as e:  # noqa: BLE001 - deleted since listed: a write during the backup
                if getattr(e, "code", "") == "NoSuchKey":
                    continue
                raise
            try:
                size = int(response.headers["Content-Length"])
                writer.add_stream(f"objects/{bucket}/{item.object_name}", response, size)
                meta = {k: v for k, v in response.headers.items() if k.lower().startswith("x-amz-meta-")}
                listing.append(
                    {
                        "bucket": bucket,
                        "key": item.object_name,
                        "size": size,
                        "content_type": response.headers.get("Content-Type", "application/octet-stream"),
                        "metadata": meta,
                    }
                )
                counts[bucket] += 1
            finally:
                response.close()
                response.release_conn()
    writer.add_bytes("objects.json", json.dumps({"buckets": sorted(counts), "objects": listing}, indent=1).encode())
    return counts


def _versions(root: Path | None) -> dict[str, object]:
    from services.content import search_index

    commit = os.environ.get("JICENG_COMMIT", "")
    if not commit and root is not None:
        try:
            commit = subprocess.run(  # noqa: S603 - fixed argv
                ["git", "rev-parse", "HEAD"],  # noqa: S607
                cwd=root,
                capture_output=True,
                text=True,
                timeout=10,
                check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            commit = ""
    return {"git_commit": commit or "unknown", "search_index_schema": search_index.SCHEMA_VERSION}


def _sha256_of(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


# -- verify -----------------------------------------------------------------------------------------------


def verify(archive: Path) -> dict:
    """Check the archive against its .sha256 (when beside it) and every member against the manifest; returns
    the manifest. Raises BackupError naming what is wrong."""
    if not archive.is_file():
        raise BackupError(f"{archive}: no such archive")
    sidecar = archive.with_name(archive.name + ".sha256")
    if sidecar.exists():
        expected = sidecar.read_text().split()[0] if sidecar.read_text().split() else ""
        if _sha256_of(archive) != expected:
            raise BackupError(f"{archive}: corrupted — its SHA-256 differs from {sidecar.name}; restore refused")
    try:
        with tarfile.open(archive, mode="r:") as tar:
            try:
                manifest = json.load(tar.extractfile("manifest.json"))
            except KeyError:
                raise BackupError(
                    f"{archive}: corrupted, cut short or not a Jiceng backup (no readable manifest.json); "
                    "restore refused"
                ) from None
            if manifest.get("format") != FORMAT:
                raise BackupError(f"{archive}: backup format {manifest.get('format')}, this version reads {FORMAT}")
            files = manifest["files"]
            seen = set()
            for member in tar:
                if member.name == "manifest.json":
                    continue
                expected = files.get(member.name)
                if expected is None or not member.isfile():
                    raise BackupError(f"{archive}: {member.name} is not in the manifest; restore refused")
                sha = hashlib.sha256()
                with tar.extractfile(member) as f:
                    while chunk := f.read(CHUNK):
                        sha.update(chunk)
                if sha.hexdigest() != expected["sha256"] or member.size != expected["size"]:
                    raise BackupError(f"{archive}: {member.name} is corrupted (checksum differs); restore refused")
                seen.add(member.name)
            missing = set(files) - seen - {"manifest.json"}
            if missing:
                raise BackupError(
                    f"{archive}: {len(missing)} files missing, e.g. {sorted(missing)[0]}; restore refused"
                )
    except (tarfile.TarError, EOFError, OSError, ValueError) as e:
        raise BackupError(f"{archive}: unreadable ({e}); restore refused") from None
    return manifest


# -- restore ----------------------------------------------------------------------------------------------


def occupied(region: Region) -> list[str]:
    """What the region already holds (documents, objects): a restore into it is refused unless forced."""
    found = []
    with region.mongo() as client:
        for database in region.databases(client):
            db = client[database]
            for name in db.list_collection_names():
                if db[name].find_one({}, {"_id": 1}) is not None:
                    found.append(f"{database}.{name}")
    s3 = region.s3()
    for bucket in s3.list_buckets():
        if next(iter(s3.list_objects(bucket.name, recursive=True)), None) is not None:
            found.append(f"bucket {bucket.name}")
    return found


def restore(archive: Path, region: Region, force: bool = False, manifest: dict | None = None) -> Report:
    """Restore the archive into the region's (stopped) services' stores: verify it, refuse a region that holds
    data (unless force: its databases and objects are dropped first), then keys, databases, objects; mark
    recent events pending again; forget the search index and the cache, which are rebuilt from the database."""
    clock = time.monotonic()
    manifest = manifest or verify(archive)  # (the caller's, from verify(archive))
    if manifest["region"] != region.name:
        raise BackupError(
            f"{archive} is region {manifest['region']!r}'s backup; this is {region.name!r} "
            "(every document carries its region: restore into a region of the same name)"
        )
    found = occupied(region)
    if found and not force:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise BackupError(f"region {region.name!r} is not empty ({shown}); restore refused (--force replaces it)")
    if found:
        _clear(region)
    documents: dict[str, dict[str, int]] = {}
    objects: dict[str, int] = {}
    notes: list[str] = []
    with tarfile.open(archive, mode="r:") as tar:
        members = {m.name: m for m in tar.getmembers()}
        _restore_keys(tar, members, region)
        with region.mongo() as client:
            for database, collections in manifest["documents"].items():
                documents[database] = {}
                for name in collections:
                    documents[database][name] = _restore_collection(tar, members, client[database], name, notes)
            since = dt.datetime.fromisoformat(manifest["began_at"]) - REPLAY
            held = _hold_for_replay(client, list(manifest["documents"]), since)
            notes.append(f"{held} events (pending, or published since {since.isoformat()}) held for `replay`")
        objects = _restore_objects(tar, members, region)
    _forget_derived(region, notes)
    return Report(archive, time.monotonic() - clock, archive.stat().st_size, documents, objects, notes)


def _clear(region: Region) -> None:
    with region.mongo() as client:
        for database in region.databases(client):
            client.drop_database(database)
    s3 = region.s3()
    for bucket in s3.list_buckets():
        for item in s3.list_objects(bucket.name, recursive=True):
            s3.remove_object(bucket.name, item.object_name)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _restore_keys(tar: tarfile.TarFile, members: dict, region: Region) -> None:
    keys_dir = region.keys_dir.resolve()
    if keys_dir.exists():  # a fresh region's own (unused) keys give way to the archive's
        shutil.rmtree(keys_dir / "signing", ignore_errors=True)
    for name, member in members.items():
        if name.startswith("keys/"):
            target = (keys_dir / name.removeprefix("keys/")).resolve()
            if not target.is_relative_to(keys_dir):
                raise BackupError(f"{name}: a path outside KEYS_DIR; restore refused")
            _write_private(target, tar.extractfile(member).read())
    targets = {
        "files/federation-key.pem": region.federation_key,
        "files/federation-peers.json": region.federation_peers,
    }
    for name, path in targets.items():
        if name in members and path is not None:
            _write_private(path, tar.extractfile(members[name]).read())
    secrets = tar.extractfile(members["files/secrets.env"]).read()
    if region.secrets_file is not None:
        _write_private(region.secrets_file, secrets)
    else:  # a Job: the secrets go back into the deployment's Secret by hand (deploy/k8s/README.md)
        _write_private(region.keys_dir / "restored-secrets.env", secrets)


def _restore_collection(tar, members: dict, db: pymongo.database.Database, name: str, notes: list[str]) -> int:
    collection = db.get_collection(name, codec_options=RAW)
    if name not in db.list_collection_names():
        db.create_collection(name)  # an empty collection stays one (its indexes come next)
    count, batch = 0, []
    with tar.extractfile(members[f"mongo/{db.name}/{name}.bson"]) as f:
        for doc in bson.decode_file_iter(f, codec_options=RAW):
            batch.append(doc)
            if len(batch) >= BATCH:
                count += _insert(collection, batch)
                batch = []
    if batch:
        count += _insert(collection, batch)
    specs = json_util.loads(tar.extractfile(members[f"mongo/{db.name}/{name}.indexes.json"]).read())
    for spec in specs:
        if spec["name"] == "_id_":
            continue
        options = {k: v for k, v in spec.items() if k not in {"v", "key", "ns"}}
        try:
            collection.create_index(list(spec["key"].items()), **options)
        except pymongo.errors.PyMongoError as e:  # the service creates its indexes at start as well
            notes.append(f"index {db.name}.{name}.{spec['name']} not recreated here ({e}); the service makes it")
    return count


def _insert(collection, batch: list) -> int:
    """Insert a batch; a document the backup's cursor met twice (moved while read) is kept once."""
    try:
        collection.insert_many(batch, ordered=False)
        return len(batch)  # (inserted_ids lists none of RawBSONDocuments)
    except pymongo.errors.BulkWriteError as e:
        errors = e.details.get("writeErrors", [])
        if any(err.get("code") != 11000 for err in errors):
            raise
        return e.details.get("nInserted", len(batch) - len(errors))


def _hold_for_replay(client: pymongo.MongoClient, databases: list[str], since: dt.datetime) -> int:
    """Note (in REPLAY_HOLD) the events to publish again — those pending and those published since `since` — and
    take them out of the outbox's backlog: published before the workers of a new broker have declared their
    queues, they would reach nobody. `replay` puts them back once the region runs."""
    held = 0
    for database in databases:
        outbox = client[database][OUTBOX]
        query = {"$or": [{"pending": True}, {"occurred_at": {"$gte": since.replace(tzinfo=None)}}]}
        ids = [row["_id"] for row in outbox.find(query, {"_id": 1})]
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            _insert(client[database][REPLAY_HOLD], [{"_id": i} for i in chunk])  # (held by an earlier restore)
            outbox.update_many({"_id": {"$in": chunk}}, {"$unset": {"pending": ""}})
        held += len(ids)
    return held


def replay(region: Region) -> int:
    """Mark the events a restore held pending again: the running services publish them (in the order they
    occurred) to queues their workers have declared; consumers skip those they had handled. Returns how many."""
    marked = 0
    with region.mongo() as client:
        for database in region.databases(client):
            db = client[database]
            if REPLAY_HOLD not in db.list_collection_names():
                continue
            ids = [row["_id"] for row in db[REPLAY_HOLD].find({}, {"_id": 1})]
            for start in range(0, len(ids), BATCH):
                db[OUTBOX].update_many({"_id": {"$in": ids[start : start + BATCH]}}, {"$set": {"pending": True}})
            marked += len(ids)
            db.drop_collection(REPLAY_HOLD)
    return marked


def _restore_objects(tar: tarfile.TarFile, members: dict, region: Region) -> dict[str, int]:
    listing = json.load(tar.extractfile(members["objects.json"]))
    s3 = region.s3()
    counts = {bucket: 0 for bucket in listing["buckets"]}
    for bucket in counts:
        if not s3.bucket_exists(bucket):
            s3.make_bucket(bucket)
    for item in listing["objects"]:
        with tar.extractfile(members[f"objects/{item['bucket']}/{item['key']}"]) as f:
            s3.put_object(
                item["bucket"],
                item["key"],
                f,
                item["size"],
                content_type=item["content_type"],
                metadata=item["metadata"] or None,
            )
        counts[item["bucket"]] += 1
    return counts


def _forget_derived(region: Region, notes: list[str]) -> None:
    """Derived state is rebuilt, not restored: the search index from content's database (its indexer rebuilds
    a missing index on start), the cache from the record."""
    if region.search_index_dir is not None and region.search_index_dir.exists():
        for child in region.search_index_dir.iterdir():
            shutil.rmtree(child) if child.is_dir() else child.unlink()
        notes.append(f"search index under {region.search_index_dir} removed: the indexer rebuilds it on start")
    if region.redis_url:
        import redis

        try:
            with redis.Redis.from_url(region.redis_url, socket_connect_timeout=1) as cache:
                cache.flushdb()
            notes.append("cache flushed")
        except (redis.RedisError, OSError):
            notes.append("cache not running: it starts empty (it holds copies only)")


# -- the local stack (devstack) ---------------------------------------------------------------------------

STORES = ("mongodb", "s3")  # what a restore writes into; everything else is started after it


def region_of(stack) -> Region:
    return Region.from_env(stack.env, secrets_file=stack.layout.data_dir / "secrets.env")


def backup_stack(stack, out_dir: Path | None = None) -> Report:
    """Back up a running local region (default: .jiceng/backups beside the regions' data)."""
    for name in STORES:
        if stack.pid(name) is None:
            raise BackupError(f"{name} of region {stack.layout.region!r} is not running: `make up` first")
    return backup(region_of(stack), out_dir or stack.layout.data_dir.parent / "backups", stack.root)


def restore_stack(stack, archive: Path, force: bool = False):
    """Restore into a local region whose services are stopped: start its stores, restore, then start the
    region (a new Stack: the restored secrets are its environment) and have identity and orgs announce their
    state again; returns (the started Stack, Report)."""
    from devstack.demo import announce
    from devstack.stack import Stack

    manifest = verify(archive)  # before anything starts
    if manifest["region"] != stack.layout.region:
        raise BackupError(
            f"{archive} is region {manifest['region']!r}'s backup: restore it with REGION={manifest['region']}"
        )
    extra_env = _extra_env(stack)  # before the restored secrets.env changes what the layout gives
    running = [p.name for p in stack.processes if p.name not in STORES and stack.pid(p.name) is not None]
    if running:
        raise BackupError(f"region {stack.layout.region!r} is running ({', '.join(running)}): `make down` first")
    stack.layout.data_dir.mkdir(parents=True, exist_ok=True)
    started_here = [name for name in STORES if stack.pid(name) is None]
    try:
        for name in STORES:
            stack.start(stack.process(name))
        report = restore(archive, region_of(stack), force=force, manifest=manifest)
    except BaseException:
        for name in reversed(started_here):  # a refused or failed restore leaves the region as it found it
            stack.stop(stack.process(name))
        raise
    # The broker starts empty too: messages queued for the state just replaced must not reach the restored one
    # (the outboxes hold the record; `replay` refills the queues).
    shutil.rmtree(stack.layout.data_dir / "rabbitmq" / "mnesia", ignore_errors=True)
    restored = Stack(stack.layout, stack.root, extra_env, only=stack.only)
    restored._children.update(stack._children)  # the stores it started: the new Stack stops and reaps them
    stack._children.clear()
    clock = time.monotonic()
    try:
        restored.up()
        started = time.monotonic()
        report.notes.append(f"{replay(region_of(restored))} events published again")
        announce(restored, force=True)
    except BaseException:
        restored.down()  # the data stays restored: `make up` starts the region once the cause is fixed
        raise
    report.notes.append(
        f"region started in {started - clock:.1f} s; events replayed and identity's and orgs' state announced in "
        f"{time.monotonic() - started:.1f} s"
    )
    return restored, report


def _extra_env(stack) -> dict[str, str]:
    """The overrides the stack was made with (its env minus the OS's and the layout's)."""
    base = {**os.environ, **stack.layout.env()}
    return {k: v for k, v in stack.env.items() if base.get(k) != v and k != "PYTHONUNBUFFERED"}


# -- outside the local stack (a Kubernetes Job) -----------------------------------------------------------


def main(argv: list[str]) -> int:
    """`python -m devstack.backup backup --out DIR` / `restore ARCHIVE --keys-to DIR [--force]` / `replay`: a
    region's processes' environment names its servers and key files (deploy/k8s/README.md, "Backup and restore")."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m devstack.backup")
    commands = parser.add_subparsers(dest="command", required=True)
    take = commands.add_parser("backup", help="back up the region the environment names")
    take.add_argument("--out", type=Path, required=True, help="directory of the archive")
    give = commands.add_parser("restore", help="restore an archive into the (stopped, empty) region")
    give.add_argument("archive", type=Path)
    give.add_argument("--keys-to", type=Path, required=True, help="where the keys and secrets.env are written")
    give.add_argument("--force", action="store_true", help="replace what the region holds")
    commands.add_parser("replay", help="once the restored region runs: publish the events the restore held")
    options = parser.parse_args(argv)
    try:
        if options.command == "backup":
            report = backup(Region.from_env(os.environ), options.out, Path(__file__).resolve().parent.parent)
        elif options.command == "replay":
            print(f"{replay(Region.from_env(os.environ))} events marked for publishing again")
            return 0
        else:
            keys = options.keys_to
            region = Region.from_env({**os.environ, "KEYS_DIR": str(keys / "keys")}, secrets_file=keys / "secrets.env")
            region = dataclasses.replace(
                region, federation_key=keys / "federation.pem", federation_peers=keys / "federation-peers.json"
            )
            report = restore(options.archive, region, force=options.force)
    except BackupError as e:
        print(f"{options.command} failed: {e}", file=sys.stderr)
        return 1
    print(report.summary(), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
