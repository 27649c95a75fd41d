"""orgs' gRPC server process: `python -m services.orgs.server`.

orgs serves several gRPC services (one per area of its contract in protos/jiceng/orgs/v1/); each is
one line of SERVICERS: (servicer factory, the generated add_…_to_server, full service name).
"""

from __future__ import annotations

from jiceng.orgs.v1 import (
    federation_pb2_grpc,
    io_pb2_grpc,
    life_pb2_grpc,
    network_pb2_grpc,
    orgs_pb2_grpc,
    transfer_pb2_grpc,
)
from kernel import config as kconfig
from kernel import store
from kernel.grpc_server import ServiceSpec, run
from kernel.person_data import servicer as person_data_servicer
from services.orgs import api, api_federation, api_io, api_life, api_network, api_transfer, federation, privacy
from services.orgs import store as orgs_store
from services.orgs.settings import OrgsConfig

SERVICERS = [
    (api.OrgApi, orgs_pb2_grpc.add_OrgServiceServicer_to_server, api.SERVICE),
    (api_life.OrgLifeApi, life_pb2_grpc.add_OrgLifeServiceServicer_to_server, api_life.SERVICE),
    (api_transfer.TransferApi, transfer_pb2_grpc.add_TransferServiceServicer_to_server, api_transfer.SERVICE),
    (api_network.NetworkApi, network_pb2_grpc.add_NetworkServiceServicer_to_server, api_network.SERVICE),
    (api_io.ImportApi, io_pb2_grpc.add_ImportServiceServicer_to_server, api_io.SERVICE),
    (
        api_federation.FederationApi,
        federation_pb2_grpc.add_FederationServiceServicer_to_server,
        api_federation.SERVICE,
    ),
]


def main() -> None:
    config = kconfig.load(OrgsConfig)
    federation.configure(config.identity_addr, config.identity_timeout_seconds)

    def on_start() -> None:
        store.connect(config, "orgs")
        orgs_store.ensure_indexes()

    servicers = [*SERVICERS, person_data_servicer("orgs", privacy.HOLDINGS, blockers=privacy.blockers)]
    run(ServiceSpec.of("orgs", servicers), config, on_start=on_start)


if __name__ == "__main__":
    main()
