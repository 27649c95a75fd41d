"""Small conversions between Python values and protobuf well-known types, shared by every servicer."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp


def timestamp(moment: dt.datetime | float | None) -> Timestamp:
    """A Timestamp from a datetime (naive ones are UTC, as the database returns them) or epoch seconds;
    an empty Timestamp for None."""
    ts = Timestamp()
    if isinstance(moment, int | float):
        ts.FromSeconds(int(moment))
    elif moment is not None:
        ts.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC))
    return ts
