"""The gRPC servicer of search (搜索服务): messages ↔ the index reader (search_index.py).

What the caller may read is decided inside the query (their reader keys against each document's
audience keys), never by dropping hits after paging. Database round trips per call: two for the
reader (home org path, friends) and at most two for the names on the page (authors, orgs).
"""

from __future__ import annotations

from jiceng.content.v1 import search_pb2 as pb
from jiceng.content.v1 import search_pb2_grpc
from kernel import config as kconfig
from kernel.errors import DomainError, ErrorCode
from kernel.wire import timestamp
from services.content import access, mirror, search_index
from services.content.domain import search as rules
from services.content.domain import search_text as text
from services.content.domain.visibility import reader_keys
from services.content.settings import SearchSettings

SERVICE = "jiceng.content.v1.SearchService"

DEFAULT_PAGE = 20
MAX_PAGE = 50
MAX_RESULTS = 500  # how deep paging reaches: past that, a better query beats another page


def _offset(cursor: str) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 4 or int(cursor) >= MAX_RESULTS:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "search_cursor_invalid", "cursor", max=MAX_RESULTS)
    return int(cursor)


def _page_size(size: int) -> int:
    size = size or DEFAULT_PAGE
    if not 1 <= size <= MAX_PAGE:
        raise DomainError(ErrorCode.INVALID_ARGUMENT, "search_page_size_invalid", "page_size", max=MAX_PAGE)
    return size


class SearchApi(search_pb2_grpc.SearchServiceServicer):
    def __init__(self, index_dir: str | None = None) -> None:
        root = index_dir if index_dir is not None else kconfig.load(SearchSettings).search_index_dir
        self.reader = search_index.Reader(root)
        text.tokenizer()  # load the dictionary now rather than in the first caller's request

    def Search(self, request: pb.SearchRequest, context) -> pb.SearchResponse:
        kinds = list(dict.fromkeys(request.kind))
        rules.check_query(request.q, kinds)
        size, offset = _page_size(request.page.page_size), _offset(request.page.cursor)
        if not self.reader.ready():
            raise DomainError(ErrorCode.UNAVAILABLE, "search_unavailable")
        tenant = access.tenant()
        keys = reader_keys(access.reader())
        terms = text.query_terms(request.q)
        hits, more = self.reader.search(tenant, keys, terms, kinds, offset, min(size, MAX_RESULTS - offset))
        authors = _names(mirror.Person, tenant, "account_id", "display_name", {h.author_id for h in hits})
        orgs = _names(mirror.OrgNode, tenant, "org_id", "name", {h.org_id for h in hits})
        end = offset + len(hits)
        return pb.SearchResponse(
            hits=[
                pb.SearchHit(
                    kind=h.kind,
                    id=h.item_id,
                    title_html=h.title_html,
                    snippet_html=h.snippet_html,
                    score=h.score,
                    author_id=h.author_id,
                    author_name=authors.get(h.author_id, ""),
                    org_id=h.org_id,
                    org_name=orgs.get(h.org_id, ""),
                    parent_id=h.parent_id,
                    created_at=timestamp(h.created) if h.created else None,
                )
                for h in hits
            ],
            next_cursor=str(end) if more and end < MAX_RESULTS else "",
        )


def _names(model, tenant: str, id_field: str, name_field: str, ids: set[str]) -> dict[str, str]:
    """Names from content's mirror, in one indexed query (none when the page names nobody)."""
    ids.discard("")
    if not ids:
        return {}
    rows = model.in_tenant(tenant).filter(**{f"{id_field}__in": sorted(ids)}).only(id_field, name_field)
    return {getattr(r, id_field): getattr(r, name_field) for r in rows}
