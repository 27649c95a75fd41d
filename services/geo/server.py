"""geo's gRPC server process: `python -m services.geo.server`."""

from __future__ import annotations

from jiceng.geo.v1 import geo_pb2_grpc
from kernel import config as kconfig
from kernel import store
from kernel.grpc_server import ServiceSpec, run
from kernel.person_data import servicer as person_data_servicer
from services.geo import api, meetings, privacy
from services.geo import store as geo_store
from services.geo.settings import GeoConfig


def main() -> None:
    config = kconfig.load(GeoConfig)
    servicers = [
        (api.GeoApi, geo_pb2_grpc.add_GeoServiceServicer_to_server, api.SERVICE),
        person_data_servicer("geo", privacy.HOLDINGS, extra=privacy.export_mine),
    ]

    def on_start() -> None:
        store.connect(config, "geo")
        geo_store.ensure_indexes()
        meetings.configure(config.orgs_addr)

    run(ServiceSpec.of("geo", servicers), config, on_start=on_start)


if __name__ == "__main__":
    main()
