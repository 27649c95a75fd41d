"""sms's gRPC server process: `python -m services.sms.server`."""

from __future__ import annotations

from jiceng.sms.v1 import sms_pb2_grpc
from kernel import config as kconfig
from kernel import store
from kernel.grpc_server import ServiceSpec, run
from kernel.person_data import servicer as person_data_servicer
from services.sms import api, privacy
from services.sms import store as sms_store
from services.sms.settings import SmsConfig


def main() -> None:
    config = kconfig.load(SmsConfig)
    servicers = [
        (lambda: api.SmsApi(config), sms_pb2_grpc.add_SmsServiceServicer_to_server, api.SERVICE),
        person_data_servicer("sms", privacy.HOLDINGS, extra=privacy.export_by_phone),
    ]

    def on_start() -> None:
        store.connect(config, "sms")
        sms_store.ensure_indexes()

    run(ServiceSpec.of("sms", servicers), config, on_start=on_start)


if __name__ == "__main__":
    main()
