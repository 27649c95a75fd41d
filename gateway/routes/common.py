"""What every route module of the gateway shares: path and query parameters, the strict JSON body base, the
Page message of content's listings, and times as protobuf Timestamps."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Path, Query
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import BaseModel, ConfigDict, Field, field_validator

from jiceng.content.v1 import common_pb2

Id = Annotated[str, Field(min_length=1, max_length=64)]
PathId = Annotated[str, Path(min_length=1, max_length=64)]
PageSize = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str, Query(max_length=64)]


# The widest integer a service's message carries (protobuf int64): a larger one is invalid input, not a 500.
INT64 = (-(2**63), 2**63 - 1)


class Body(BaseModel):
    """A request body: unknown fields are refused (a typo is an error, not silently ignored); integers fit the
    services' messages (int64) and numbers are finite, whatever a field's own bounds say."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _integers_fit_int64(cls, value):
        if not _fits_int64(value):
            raise ValueError(f"integers must lie between {INT64[0]} and {INT64[1]}")
        return value


def _fits_int64(value) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return INT64[0] <= value <= INT64[1]
    if isinstance(value, list | tuple | set | frozenset):
        return all(_fits_int64(v) for v in value)
    if isinstance(value, dict):
        return all(_fits_int64(v) for v in value.values())
    return True


def page_request(page_size: int, cursor: str) -> common_pb2.Page:
    """The Page message of content's listings."""
    return common_pb2.Page(page_size=page_size, cursor=cursor)


def timestamp_of(moment: dt.datetime) -> Timestamp:
    """A Timestamp from a datetime given in a body (naive ones are UTC)."""
    ts = Timestamp()
    ts.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))
    return ts
