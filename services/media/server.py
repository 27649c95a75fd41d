"""media's gRPC server process: `python -m services.media.server`.

One gRPC service per area of its contract (protos/jiceng/media/v1/); each is one line of SERVICERS:
(servicer factory, the generated add_…_to_server, full service name).
"""

from __future__ import annotations

from jiceng.media.v1 import call_pb2_grpc, channel_pb2_grpc, media_pb2_grpc
from kernel import config as kconfig
from kernel import store
from kernel.grpc_server import ServiceSpec, run
from kernel.person_data import servicer as person_data_servicer
from services.media import api, api_calls, api_channels, blobs, broadcasts, calls, ingest, privacy
from services.media import store as media_store
from services.media.settings import MediaConfig

SERVICERS: list = [
    (api.MediaApi, media_pb2_grpc.add_MediaServiceServicer_to_server, api.SERVICE),
    (api_calls.CallApi, call_pb2_grpc.add_CallServiceServicer_to_server, api_calls.SERVICE),
    (api_channels.ChannelApi, channel_pb2_grpc.add_ChannelServiceServicer_to_server, api_channels.SERVICE),
]
ANONYMOUS = api.ANONYMOUS | api_channels.ANONYMOUS


def main() -> None:
    config = kconfig.load(MediaConfig)

    def on_start() -> None:
        store.connect(config, "media")
        media_store.ensure_indexes()
        blobs.configure(config).ensure_bucket()
        calls.configure(config)
        broadcasts.configure(config)
        ingest.serve(config.region, config)  # nginx-rtmp's callbacks (live broadcasts)

    servicers = [*SERVICERS, person_data_servicer("media", privacy.HOLDINGS, extra=privacy.export_links)]
    run(ServiceSpec.of("media", servicers, anonymous_methods=ANONYMOUS), config, on_start=on_start)


if __name__ == "__main__":
    main()
