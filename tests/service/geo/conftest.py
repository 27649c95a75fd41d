"""geo's database of the region, used by this process (each test makes a tenant of its own in it)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.geo import store as geo_store
from tests.service.databases import service_database


@pytest.fixture(scope="module")
def geo_db(stack) -> Iterator[None]:
    with service_database(stack, "geo", geo_store.AREAS):
        geo_store.ensure_indexes()
        yield
