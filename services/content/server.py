"""content's gRPC server process: `python -m services.content.server`.

content serves one gRPC service per area of its contract (protos/jiceng/content/v1/); each is one line
of SERVICERS: (servicer factory, the generated add_…_to_server, full service name).
"""

from __future__ import annotations

import logging

from jiceng.content.v1 import (
    app_pb2_grpc,
    chat_pb2_grpc,
    education_pb2_grpc,
    forum_pb2_grpc,
    inbox_pb2_grpc,
    knowledge_pb2_grpc,
    microblog_pb2_grpc,
    notice_pb2_grpc,
    poll_pb2_grpc,
    search_pb2_grpc,
    service_request_pb2_grpc,
    site_pb2_grpc,
)
from kernel import config as kconfig
from kernel import store
from kernel.cache import Cache
from kernel.grpc_server import ServiceSpec, run
from kernel.person_data import servicer as person_data_servicer
from services.content import (
    api_apps,
    api_chat,
    api_education,
    api_forums,
    api_inbox,
    api_knowledge,
    api_microblog,
    api_notices,
    api_polls,
    api_search,
    api_service_requests,
    api_sites,
    cache,
    posts,
    privacy,
    timelines,
)
from services.content import store as content_store
from services.content.settings import ContentConfig

log = logging.getLogger(__name__)

SERVICERS: list = [
    (api_forums.ForumApi, forum_pb2_grpc.add_ForumServiceServicer_to_server, api_forums.SERVICE),
    (api_notices.NoticeApi, notice_pb2_grpc.add_NoticeServiceServicer_to_server, api_notices.SERVICE),
    (api_polls.PollApi, poll_pb2_grpc.add_PollServiceServicer_to_server, api_polls.SERVICE),
    (api_microblog.MicroblogApi, microblog_pb2_grpc.add_MicroblogServiceServicer_to_server, api_microblog.SERVICE),
    (api_chat.ChatApi, chat_pb2_grpc.add_ChatServiceServicer_to_server, api_chat.SERVICE),
    (api_inbox.InboxApi, inbox_pb2_grpc.add_InboxServiceServicer_to_server, api_inbox.SERVICE),
    (api_education.EducationApi, education_pb2_grpc.add_EducationServiceServicer_to_server, api_education.SERVICE),
    (api_apps.AppApi, app_pb2_grpc.add_AppServiceServicer_to_server, api_apps.SERVICE),
    (api_sites.SiteApi, site_pb2_grpc.add_SiteServiceServicer_to_server, api_sites.SERVICE),
    (api_knowledge.KnowledgeApi, knowledge_pb2_grpc.add_KnowledgeServiceServicer_to_server, api_knowledge.SERVICE),
    (api_search.SearchApi, search_pb2_grpc.add_SearchServiceServicer_to_server, api_search.SERVICE),
    (
        api_service_requests.ServiceRequestApi,
        service_request_pb2_grpc.add_ServiceRequestServiceServicer_to_server,
        api_service_requests.SERVICE,
    ),
]


def main() -> None:
    config = kconfig.load(ContentConfig)

    def on_start() -> None:
        store.connect(config, "content")
        content_store.ensure_indexes()
        cache.configure(Cache.connect(config.redis_url, "content"))
        timelines.configure(config.content_push_limit, config.content_home_inbox)
        backfilled = posts.backfill_heads(posts.Post._get_collection().database)
        if backfilled:
            log.info("timeline source heads written for earlier posts", extra={"sources": backfilled})

    servicers = [*SERVICERS, person_data_servicer("content", privacy.HOLDINGS)]
    run(ServiceSpec.of("content", servicers, anonymous_methods=api_sites.ANONYMOUS), config, on_start=on_start)


if __name__ == "__main__":
    main()
