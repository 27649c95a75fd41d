"""The search index on disk (tantivy): its schema, the one writer, the readers, and the query.

One process writes an index directory (tantivy takes a lock file: a second writer, in this process or
another, fails with LockBusy) — the search indexer (search_indexer.py). Any number of processes read it:
content's gRPC server opens a reader that reloads itself when the writer commits (tantivy watches the
directory's meta.json; a commit is seen within about half a second) and a meta lock keeps the writer's
garbage collection from deleting files a reader is opening.

The directory holds one subdirectory per schema version (`v1/`): a new schema is built beside the old
one from content's database (the indexer rebuilds when its version's directory does not exist yet).

Every document carries its tenant, and every query requires it; every document carries its audience
keys (domain/visibility.py) and every query requires one of the reader's keys, so what a reader may not
see is never ranked, paged or counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import tantivy

from services.content.domain import search as rules
from services.content.domain import search_text as text

SCHEMA_VERSION = 1
TITLE_BOOST = 2.0  # a word in a title, a name, an org's name counts more than one in the text
NAME_BOOST = 1.5  # a partial name (n-gram): below a whole word of the title
WRITER_HEAP = 64_000_000
Q, OCCUR = tantivy.Query, tantivy.Occur


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    for keyword in ("key", "tenant", "audience"):
        sb.add_text_field(keyword, tokenizer_name="raw", index_option="basic")
    for stored_keyword in ("kind", "item_id", "author_id", "org_id", "parent_id"):
        sb.add_text_field(stored_keyword, stored=True, tokenizer_name="raw", index_option="basic")
    # Pre-tokenized by jieba (domain/search_text.py); "raw" is never applied to them.
    sb.add_text_field("title", stored=True, tokenizer_name="raw", index_option="position")
    sb.add_text_field("body", stored=True, tokenizer_name="raw", index_option="position")
    sb.add_text_field("name", tokenizer_name="raw", index_option="freq")  # names' character n-grams
    sb.add_integer_field("created", stored=True)
    return sb.build()


SCHEMA = build_schema()


def version_dir(root: str | Path) -> Path:
    return Path(root) / f"v{SCHEMA_VERSION}"


def exists(path: Path) -> bool:
    return path.is_dir() and tantivy.Index.exists(str(path))


def doc_key(tenant: str, kind: str, item_id: str) -> str:
    return f"{tenant}\x1f{kind}:{item_id}"


def _pre(value: str, tokens: list[text.Token]) -> tantivy.PreTokenizedString:
    return tantivy.PreTokenizedString(value, [tantivy.Token(t.text, t.start, t.start, t.end) for t in tokens])


def build_document(tenant: str, entry: rules.Entry) -> tantivy.Document:
    doc = tantivy.Document()
    doc.add_text("key", doc_key(tenant, entry["kind"], entry["item_id"]))
    doc.add_text("tenant", tenant)
    for key in entry["audience"]:
        doc.add_text("audience", key)
    for field in ("kind", "item_id", "author_id", "org_id", "parent_id"):
        doc.add_text(field, entry[field] or "")
    title, body = entry["title"], rules.indexed_body(entry)
    doc.add_pre_tokenized_text("title", _pre(title, text.index_tokens(title)))
    doc.add_pre_tokenized_text("body", _pre(body, text.index_tokens(body)))
    if entry["kind"] in (rules.PERSON, rules.ORG):
        doc.add_pre_tokenized_text("name", _pre(title, text.name_grams(title)))
    created = entry.get("created_at")
    doc.add_integer("created", int(created.timestamp()) if created else 0)
    return doc


class Writer:
    """The index's one writer: replace or remove entries, then commit (what readers see)."""

    def __init__(self, root: str | Path, heap: int = WRITER_HEAP):
        path = version_dir(root)
        self.created = not exists(path)
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(SCHEMA, path=str(path))
        self.writer = self.index.writer(heap, 1)

    def put(self, tenant: str, entry: rules.Entry) -> bool:
        """Replace the entry's document (remove it when it is no longer searchable); True if indexed."""
        self.writer.delete_documents_by_term("key", doc_key(tenant, entry["kind"], entry["item_id"]))
        if not rules.searchable(entry):
            return False
        self.writer.add_document(build_document(tenant, entry))
        return True

    def commit(self) -> None:
        self.writer.commit()

    def close(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()


@dataclass(frozen=True)
class Hit:
    kind: str
    item_id: str
    score: float
    title_html: str
    snippet_html: str
    author_id: str
    org_id: str
    parent_id: str
    created: dt.datetime | None


def build_query(tenant: str, reader_keys: list[str], terms: list[text.Term], kinds: list[str]) -> tantivy.Query:
    """Every term must match (in the title, the text or a name); tenant, audience and kinds filter
    without adding to the score."""
    filters = [Q.term_query(SCHEMA, "tenant", tenant), Q.term_set_query(SCHEMA, "audience", reader_keys)]
    if kinds:
        filters.append(Q.term_set_query(SCHEMA, "kind", kinds))
    clauses = [(OCCUR.Must, Q.const_score_query(f, 0.0)) for f in filters]
    for term in terms:
        alternatives = [
            Q.boost_query(Q.term_query(SCHEMA, "title", term.text), TITLE_BOOST),
            Q.term_query(SCHEMA, "body", term.text),
            Q.boost_query(Q.term_query(SCHEMA, "name", term.text), NAME_BOOST),
        ]
        if term.parts:  # the word, segmented otherwise in the document: its sub-words, adjacent
            words = list(term.parts)
            alternatives += [
                Q.boost_query(Q.phrase_query(SCHEMA, "title", words), TITLE_BOOST),
                Q.phrase_query(SCHEMA, "body", words),
            ]
        clauses.append((OCCUR.Must, Q.boolean_query([(OCCUR.Should, a) for a in alternatives])))
    return Q.boolean_query(clauses)


class Reader:
    """Searches one index directory; opened lazily (the indexer creates it), reloaded on commit."""

    def __init__(self, root: str | Path):
        self.path = version_dir(root)
        self._index: tantivy.Index | None = None

    def ready(self) -> bool:
        if self._index is None and exists(self.path):
            index = tantivy.Index.open(str(self.path))
            index.config_reader("commit", 0)
            self._index = index
        return self._index is not None

    def documents(self) -> int:
        """How many documents the index holds (every tenant's). The index must be ready()."""
        assert self._index is not None, "count before the index is ready"
        return self._index.searcher().num_docs

    def search(
        self,
        tenant: str,
        reader_keys: list[str],
        terms: list[text.Term],
        kinds: list[str],
        offset: int,
        limit: int,
    ) -> tuple[list[Hit], bool]:
        """One page of hits, best first (BM25), and whether more follow. The index must be ready()."""
        assert self._index is not None, "search before the index is ready"
        searcher = self._index.searcher()
        query = build_query(tenant, reader_keys, terms, kinds)
        found = searcher.search(query, limit=limit + 1, offset=offset, count=False).hits
        marks = text.needles(terms)
        hits = [_hit(searcher.doc(address), score, marks) for score, address in found[:limit]]
        return hits, len(found) > limit


def _hit(doc: tantivy.Document, score: float, marks: list[str]) -> Hit:
    def first(field: str, default=""):
        value = doc.get_first(field)
        return default if value is None else value

    title = first("title")
    created = first("created", 0)
    return Hit(
        kind=first("kind"),
        item_id=first("item_id"),
        score=float(score),
        title_html=text.highlight(title, marks, width=max(len(title), 1)),
        snippet_html=text.highlight(first("body"), marks),
        author_id=first("author_id"),
        org_id=first("org_id"),
        parent_id=first("parent_id"),
        created=dt.datetime.fromtimestamp(created, dt.UTC) if created else None,
    )
