"""Chinese text for search: segmentation (jieba), query terms, name n-grams and highlighted snippets.

Why these choices:
- Text is segmented here, in Python, and handed to tantivy already tokenized (its PreTokenizedString):
  tantivy's Python binding composes only its built-in tokenizers, none of which segments Chinese, and
  cannot call back into Python. Pre-tokenized text keeps the original text stored for display.
- Documents are segmented in jieba's *search* mode (a long word also yields its dictionary sub-words:
  党支部 → 党支部, 支部), queries in its precise mode. So 支部 finds 党支部, while 主题党日 (one word of
  the party dictionary) finds only texts that contain it whole, not 主题 … 党日 apart.
- A token's position is its character offset in the (normalized) text. Sub-words of one word then sit
  at their true offsets, and a query word that the document happened to segment differently (支部书记
  against 党支部书记) is still found as a phrase of its sub-words at their offsets, i.e. adjacent.
- People's and orgs' names are also indexed as character n-grams, so 王 and 芳 both find 王芳.
- Snippets are built here too (tantivy's snippet generator reads plain text fields only): the text is
  HTML-escaped and only our own <em>…</em> marks are added, so a document can never inject markup.
"""

from __future__ import annotations

import html
import logging
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

PARTY_WORDS = Path(__file__).with_name("party_words.txt")

MAX_QUERY_CHARS = 100
MAX_QUERY_TERMS = 8
MAX_NAME_GRAM = 12  # longest name n-gram indexed; a longer name is still found by its words
SNIPPET_CHARS = 120

# Words so common that a query made of others ignores them (they carry no meaning on their own).
STOPWORDS = frozenset("的 了 和 与 及 或 是 在 把 被 对 也 都 就 而 之 其 这 那 有 为 于 以 等 吗 呢 吧 啊".split())

_lock = threading.Lock()
_tokenizer = None


def tokenizer():
    """jieba's tokenizer with the party dictionary, built once per process (about a second)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                with PARTY_WORDS.open("rb") as words:  # jieba leaves a path it opens unclosed
                    tk.load_userdict(words)
                _tokenizer = tk
    return _tokenizer


def normalize(text: str) -> tuple[str, list[int] | None]:
    """NFKC (full-width letters and digits become plain ones) and lower case, character by character,
    with each normalized character's index in the original text (None: the same indices)."""
    simple = text.lower()
    if len(simple) == len(text) and unicodedata.is_normalized("NFKC", text):
        return simple, None
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        n = unicodedata.normalize("NFKC", ch).lower()
        out.append(n)
        origin.extend([i] * len(n))
    return "".join(out), origin


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # character offset in the normalized text: also the token's position in the index
    end: int


def index_tokens(text: str) -> list[Token]:
    """The document's tokens (search mode), ordered by offset, punctuation and spaces left out."""
    normalized, _ = normalize(text)
    tokens = {
        (start, end, word)
        for word, start, end in tokenizer().tokenize(normalized, mode="search", HMM=True)
        if _is_word(word)
    }
    return [Token(word, start, end) for start, end, word in sorted(tokens)]


def name_grams(name: str) -> list[Token]:
    """Every run of 1 … MAX_NAME_GRAM characters of a name (spaces dropped): partial names match."""
    normalized, _ = normalize(name)
    chars = [c for c in normalized if not c.isspace()][:40]
    grams = []
    for start in range(len(chars)):
        for end in range(start + 1, min(start + MAX_NAME_GRAM, len(chars)) + 1):
            grams.append(Token("".join(chars[start:end]), start, end))
    return grams


@dataclass(frozen=True)
class Term:
    """A word of the query, and the same word as adjacent dictionary sub-words (offset, word), if any."""

    text: str
    parts: tuple[tuple[int, str], ...] = ()


def _cover(word: str) -> tuple[tuple[int, str], ...]:
    """The word as adjacent shorter dictionary words (longest first from the left); () if it has none."""
    sub = {}
    for part, start, end in tokenizer().tokenize(word, mode="search", HMM=False):
        if part != word and end - start > 1:
            sub[start] = max(sub.get(start, ""), part, key=len)
    parts, at = [], 0
    while at < len(word):
        part = sub.get(at)
        if part is None:
            return ()
        parts.append((at, part))
        at += len(part)
    return tuple(parts) if len(parts) > 1 else ()


def query_terms(query: str) -> list[Term]:
    """The query's words (precise mode), stop words left out unless nothing else remains; at most
    MAX_QUERY_TERMS. Empty when the query holds no word at all (only punctuation or spaces)."""
    normalized, _ = normalize(query)
    words = [w for w in tokenizer().cut(normalized, HMM=True) if _is_word(w)]
    meaningful = [w for w in words if w not in STOPWORDS] or words
    seen: list[str] = []
    for word in meaningful:
        if word not in seen:
            seen.append(word)
    return [Term(w, _cover(w)) for w in seen[:MAX_QUERY_TERMS]]


def needles(terms: list[Term]) -> list[str]:
    """What to mark in a snippet: each term, and its sub-words when it was matched through them."""
    out = []
    for term in terms:
        out.append(term.text)
        out.extend(part for _, part in term.parts)
    return out


def highlight(text: str, marks: list[str], width: int = SNIPPET_CHARS) -> str:
    """An HTML-safe snippet of text, at most `width` characters around the densest run of marks, each
    occurrence wrapped in <em>…</em>; "…" where the text was cut. Everything else is escaped."""
    if not text:
        return ""
    normalized, origin = normalize(text)
    spans = []
    for mark in sorted(set(marks), key=len, reverse=True):
        at = normalized.find(mark)
        while at >= 0 and len(spans) < 200:
            a, b = at, at + len(mark)
            if origin is not None:
                a, b = origin[a], origin[b - 1] + 1
            spans.append((a, b))
            at = normalized.find(mark, at + len(mark))
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    start = 0
    if merged and len(text) > width:
        lead = width // 6  # a little context before the first mark
        best, best_count = merged[0][0], 0
        for a, _ in merged:
            count = sum(1 for x, y in merged if x >= a and y <= a + width - lead)
            if count > best_count:
                best, best_count = a, count
        start = max(0, min(best - lead, len(text) - width))
    end = min(len(text), start + width)
    out = ["…"] if start > 0 else []
    at = start
    for a, b in merged:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out += [html.escape(text[at:a]), "<em>", html.escape(text[a:b]), "</em>"]
        at = b
    out.append(html.escape(text[at:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)
