"""orgs' gRPC server process: `python -m services.orgs.server`."""

from __future__ import annotations

from jiceng.orgs.v1 import orgs_pb2_grpc
from kernel import config as kconfig
from kernel import store
from kernel.grpc_server import ServiceConfig, ServiceSpec, run
from services.orgs import store as orgs_store
from services.orgs.api import SERVICE, OrgApi


def build_spec() -> ServiceSpec:
    api = OrgApi()
    return ServiceSpec(
        name="orgs",
        full_names=[SERVICE],
        register=lambda server: orgs_pb2_grpc.add_OrgServiceServicer_to_server(api, server),
    )


def main() -> None:
    config = kconfig.load(ServiceConfig)

    def on_start() -> None:
        store.connect(config, "orgs")
        orgs_store.ensure_indexes()

    run(build_spec(), config, on_start=on_start)


if __name__ == "__main__":
    main()
