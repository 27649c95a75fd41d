"""The search indexer: `python -m services.content.search_indexer`, the index's one writer.

A plain process (no eventlet, no gRPC): it moves search entries marked dirty (search.py) into the
tantivy index under SEARCH_INDEX_DIR, commits, then clears each entry's mark if the entry is still at
the version it wrote (an entry changed meanwhile stays dirty and is written again next round). A crash
between commit and clearing writes those entries again: replacing a document is idempotent.

On start, if its schema version's directory does not exist yet (first start, new schema, lost disk),
it creates the index and marks every entry dirty, rebuilding the index from content's database.
SIGTERM finishes the round in progress, commits and exits.
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from prometheus_client import Counter, Gauge, Histogram
from pymongo import UpdateOne

from kernel import config as kconfig
from kernel import logs, metrics, store
from kernel.config import StoreConfig
from services.content import search, search_index
from services.content.settings import SearchSettings

log = logging.getLogger(__name__)

WRITTEN = Counter("jiceng_search_entries_written_total", "Search entries written to the index", ["outcome"])
ROUND = Histogram("jiceng_search_index_round_seconds", "One round: read, write, commit, clear")
BACKLOG = Gauge("jiceng_search_backlog", "Dirty entries seen in the last round (a floor past one batch)")

BATCH = 500


class IndexerConfig(StoreConfig, SearchSettings):
    search_poll_seconds: float = 0.2


def index_once(writer: search_index.Writer, batch: int = BATCH) -> int:
    """Write one batch of dirty entries to the index and commit; returns how many."""
    coll = search.SearchEntry._get_collection()
    rows = list(coll.find({"dirty": True}).limit(batch))
    BACKLOG.set(len(rows))
    if not rows:
        return 0
    for row in rows:
        indexed = writer.put(row["tenant"], search._entry(row))
        WRITTEN.labels("indexed" if indexed else "removed").inc()
    writer.commit()
    coll.bulk_write(
        [
            UpdateOne({"tenant": r["tenant"], "key": r["key"], "version": r["version"]}, {"$unset": {"dirty": ""}})
            for r in rows
        ],
        ordered=False,
    )
    return len(rows)


def rebuild_marks() -> int:
    """Mark every entry dirty: the next rounds write them all into a new, empty index."""
    return search.SearchEntry._get_collection().update_many({}, {"$set": {"dirty": True}}).modified_count


def run(config: IndexerConfig, stopping: threading.Event) -> None:
    writer = search_index.Writer(config.search_index_dir)
    if writer.created:
        writer.commit()  # readers may open it from now on, empty until the rebuild lands
        log.info("new search index: rebuilding from content's database", extra={"entries": rebuild_marks()})
    log.info("search indexer started", extra={"index": str(search_index.version_dir(config.search_index_dir))})
    backoff = 0.5
    while not stopping.is_set():
        try:
            with ROUND.time():
                moved = index_once(writer)
            backoff = 0.5
        except Exception:
            log.warning("search indexing failed; retrying", extra={"retry_in": backoff}, exc_info=True)
            writer.writer.rollback()
            stopping.wait(backoff)
            backoff = min(backoff * 2, 15.0)
            continue
        if moved < BATCH:
            stopping.wait(config.search_poll_seconds)
    writer.close()
    log.info("search indexer stopped")


def main() -> None:
    config = kconfig.load(IndexerConfig)
    logs.setup("content-search-indexer", config.log_level)
    metrics.serve(config.metrics_port)
    store.connect(config, "content")
    search.SearchEntry.ensure_indexes()
    stopping = threading.Event()

    def stop(signum, _frame):
        log.info("stopping search indexer", extra={"signal": signum})
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    started = time.monotonic()
    run(config, stopping)
    log.info("search indexer ran", extra={"seconds": round(time.monotonic() - started, 1)})


if __name__ == "__main__":
    main()
