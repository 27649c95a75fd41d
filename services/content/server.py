"""content's gRPC server process: `python -m services.content.server`.

content serves one gRPC service per area of its contract (protos/jiceng/content/v1/); each is one line
of SERVICERS: (servicer factory, the generated add_…_to_server, full service name).
"""

from __future__ import annotations

from kernel import config as kconfig
from kernel import store
from kernel.grpc_server import ServiceSpec, run
from services.content import store as content_store
from services.content.settings import ContentConfig

SERVICERS: list = []


def main() -> None:
    config = kconfig.load(ContentConfig)

    def on_start() -> None:
        store.connect(config, "content")
        content_store.ensure_indexes()

    run(ServiceSpec.of("content", SERVICERS), config, on_start=on_start)


if __name__ == "__main__":
    main()
