"""How a text becomes SMS parts (SMPP 3.4 short messages), and how many parts it costs.

Text that is printable ASCII goes as the SMSC's default alphabet (data_coding 0): 160 characters in one
part, 153 per part when split. Anything else (Chinese always) goes as UCS-2 (data_coding 8, UTF-16BE):
70 UTF-16 units in one part, 67 per part when split. A split message carries a 6-byte User Data Header
(IEI 0x00, concatenation with an 8-bit reference) and esm_class 0x40 on every part. Carriers bill per
part, so `count()` is what quotas and costs charge.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_ALPHABET = 0x00
UCS2 = 0x08
UDHI = 0x40  # esm_class bit: the short message starts with a User Data Header
MAX_PARTS = 255  # an 8-bit count in the header

_SINGLE = {DEFAULT_ALPHABET: 160, UCS2: 140}  # octets
_SPLIT = {DEFAULT_ALPHABET: 153, UCS2: 134}  # octets after the 6-byte header


@dataclass(frozen=True)
class Part:
    data_coding: int
    esm_class: int
    short_message: bytes  # header (if split) + payload


def coding_of(text: str) -> int:
    return DEFAULT_ALPHABET if all(" " <= c <= "~" or c in "\n\r" for c in text) else UCS2


def _encode(text: str, coding: int) -> bytes:
    return text.encode("ascii") if coding == DEFAULT_ALPHABET else text.encode("utf-16-be")


def _chunks(payload: bytes, coding: int, size: int) -> list[bytes]:
    """Split payload into chunks of at most size octets, never inside a UTF-16 surrogate pair."""
    chunks, start = [], 0
    while start < len(payload):
        end = min(start + size, len(payload))
        if coding == UCS2:
            end -= (end - start) % 2
            if end < len(payload) and 0xD8 <= payload[end - 2] <= 0xDB:  # a high surrogate ends the chunk
                end -= 2
        chunks.append(payload[start:end])
        start = end
    return chunks


def count(text: str) -> int:
    """How many parts the text is sent as (what a carrier bills)."""
    coding = coding_of(text)
    payload = _encode(text, coding)
    if len(payload) <= _SINGLE[coding]:
        return 1
    return len(_chunks(payload, coding, _SPLIT[coding]))


def split(text: str, reference: int) -> list[Part]:
    """The parts to submit; reference (0-255) ties the parts of one message together on the handset."""
    coding = coding_of(text)
    payload = _encode(text, coding)
    if len(payload) <= _SINGLE[coding]:
        return [Part(coding, 0, payload)]
    chunks = _chunks(payload, coding, _SPLIT[coding])
    if len(chunks) > MAX_PARTS:
        raise ValueError(f"text needs {len(chunks)} parts; at most {MAX_PARTS}")
    total = len(chunks)
    return [
        Part(coding, UDHI, bytes([5, 0x00, 3, reference & 0xFF, total, seq]) + chunk)
        for seq, chunk in enumerate(chunks, start=1)
    ]


def join(parts: list[bytes], coding: int) -> tuple[int, str]:
    """(reference, text) of a message's received parts in sequence order (each with its header): the
    handset's reassembly, used by the local SMSC and the tests."""
    reference, payload = -1, b""
    for raw in parts:
        header_len = raw[0] + 1
        reference = raw[3]
        payload += raw[header_len:]
    return reference, payload.decode("ascii" if coding == DEFAULT_ALPHABET else "utf-16-be")
