"""content's gRPC server process: `python -m services.content.server`.

content serves one gRPC service per area of its contract (protos/jiceng/content/v1/); each is one line
of SERVICERS: (servicer factory, the generated add_…_to_server, full service name).
"""

from __future__ import annotations

from jiceng.content.v1 import search_pb2_grpc
from kernel import config as kconfig
from kernel import store
from kernel.grpc_server import ServiceSpec, run
from services.content import api_search
from services.content import store as content_store
from services.content.settings import ContentConfig

SERVICERS: list = [
    (api_search.SearchApi, search_pb2_grpc.add_SearchServiceServicer_to_server, api_search.SERVICE),
]


def build_spec() -> ServiceSpec:
    def register(server) -> None:
        for factory, add, _ in SERVICERS:
            add(factory(), server)

    return ServiceSpec(name="content", full_names=[name for _, _, name in SERVICERS], register=register)


def main() -> None:
    config = kconfig.load(ContentConfig)

    def on_start() -> None:
        store.connect(config, "content")
        content_store.ensure_indexes()

    run(build_spec(), config, on_start=on_start)


if __name__ == "__main__":
    main()
