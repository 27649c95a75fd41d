"""The request signature of the cloud-style HTTP SMS API (ours: `http.py` signs, the local SMSC checks).

In the style of Tencent Cloud's TC3 and Aliyun's signatures: HMAC-SHA256 with the access key secret over a
canonical string of the method, the path, the Unix timestamp, a one-time nonce and the hex SHA-256 of the
body, one per line. The headers carry the key id, the timestamp, the nonce and the signature (hex). A server
refuses a signature that does not match, a timestamp more than `MAX_SKEW_SECONDS` away from its clock, and a
nonce it has already seen within that window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

KEY_ID_HEADER = "X-Sms-Key-Id"
TIMESTAMP_HEADER = "X-Sms-Timestamp"
NONCE_HEADER = "X-Sms-Nonce"
SIGNATURE_HEADER = "X-Sms-Signature"
MAX_SKEW_SECONDS = 300


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join([method.upper(), path, timestamp, nonce, hashlib.sha256(body).hexdigest()])


def signature(secret: str, method: str, path: str, timestamp: str, nonce: str, body: bytes) -> str:
    message = canonical(method, path, timestamp, nonce, body).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(key_id: str, secret: str, method: str, path: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The headers that sign one request."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(12)
    return {
        KEY_ID_HEADER: key_id,
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature(secret, method, path, timestamp, nonce, body),
    }
