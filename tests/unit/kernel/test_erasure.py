"""kernel/erasure.py without a database: the tables every service declares are well formed, and the export's
rows become plain JSON (no sealed bytes in a copy)."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from bson import ObjectId

from kernel.erasure import Holding, plain

pytestmark = pytest.mark.unit

TABLES = [f"services.{s}.privacy" for s in ("orgs", "content", "media", "sms", "geo")] + ["services.identity.deletion"]


def test_an_unknown_erasure_is_refused():
    with pytest.raises(ValueError, match="unknown erasure"):
        Holding("posts", "author_id", "forget")


@pytest.mark.parametrize("module", TABLES)
def test_every_kept_row_says_why_and_every_anonymized_one_what_changes(module):
    for h in importlib.import_module(module).HOLDINGS:
        if h.erase == "anonymize":
            assert h.replace and h.why, h
        if h.erase == "keep" and h.export:
            assert h.why or h.collection in ("mirror_phones", "replies"), h  # sms: changed by phone in erase()


def test_rows_become_plain_json():
    oid = ObjectId()
    row = {"_id": oid, "at": dt.datetime(2026, 1, 2, 3, 4, 5), "sealed": b"\x00secret", "list": [{"id": oid}]}
    assert json.loads(json.dumps(plain(row))) == {
        "_id": str(oid),
        "at": "2026-01-02T03:04:05+00:00",
        "sealed": None,
        "list": [{"id": str(oid)}],
    }
