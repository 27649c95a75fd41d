"""A slow or failed database command leaves its name, collection and time in the service's log."""

from __future__ import annotations

import logging
import uuid

import mongoengine as me
import pytest
from pymongo.errors import OperationFailure

from kernel import store
from kernel.config import StoreConfig

pytestmark = pytest.mark.service


@pytest.fixture
def database(stack):
    config = StoreConfig(region="kerneltest", mongo_uri=stack.env["MONGO_URI"], mongo_db=f"slow_{uuid.uuid4().hex[:8]}")
    client = store.connect(config, "kernel")
    yield client[config.mongo_db]
    client.drop_database(config.mongo_db)
    me.disconnect(alias="default")


def test_commands_over_the_threshold_are_logged_with_their_collection(database, monkeypatch, caplog):
    monkeypatch.setattr(store, "SLOW_COMMAND_MS", 0)
    with caplog.at_level(logging.WARNING, logger="kernel.store"):
        database.notes.insert_one({"text": "慢"})
        store.atomically("kerneltest", lambda uow: uow.update_many(_Note, {}, {"$set": {"text": "快"}}))
    slow = [r for r in caplog.records if r.getMessage() == "slow database command"]
    assert {(r.command, r.collection) for r in slow} >= {("insert", "notes"), ("update", "notes")}
    assert all(r.ms >= 0 for r in slow)
    transactions = [r for r in caplog.records if r.getMessage() == "slow transaction"]
    assert len(transactions) == 1 and transactions[0].attempts == 1


def test_fast_commands_are_not_logged_and_failures_are(database, caplog):
    with caplog.at_level(logging.INFO, logger="kernel.store"):
        database.notes.insert_one({"_id": 1})
        with pytest.raises(OperationFailure):
            list(database.notes.find({"$nonsense": 1}))
    messages = [r.getMessage() for r in caplog.records]
    assert "slow database command" not in messages
    failed = [r for r in caplog.records if r.getMessage() == "database command failed"]
    assert len(failed) == 1 and failed[0].command == "find" and failed[0].collection == "notes"
    assert failed[0].error_code


class _Note(store.TenantDocument):
    text = me.StringField()
    meta = {"collection": "notes"}
