"""identity's gRPC server process: `python -m services.identity.server`."""

from __future__ import annotations

import base64

from jiceng.identity.v1 import federation_pb2_grpc, identity_pb2_grpc
from jiceng.privacy.v1 import privacy_pb2_grpc
from kernel import config as kconfig
from kernel import federation as fed
from kernel import store
from kernel.grpc_server import ServiceSpec, run
from kernel.person_data import SERVICE as PERSON_DATA_SERVICE
from services.identity import federation
from services.identity import store as identity_store
from services.identity.api import (
    ANONYMOUS,
    FEDERATION_ANONYMOUS,
    FEDERATION_SERVICE,
    SERVICE,
    FederationApi,
    IdentityApi,
    PersonDataApi,
)
from services.identity.personal_data import PersonalDataVault
from services.identity.pii import FieldCipher
from services.identity.sessions import Sessions
from services.identity.settings import IdentityConfig


def build_spec(config: IdentityConfig) -> ServiceSpec:
    sessions = Sessions(config)
    cipher = FieldCipher(base64.b64decode(config.pii_key))
    vault = PersonalDataVault(cipher)
    jwks_path = config.keys_dir / "jwks.json"
    api = IdentityApi(sessions, vault, jwks_path.read_text)
    peers = FederationApi(sessions, fed.load_peers(config.federation_peers_path))
    person_data_api = PersonDataApi(sessions, cipher)

    def register(server) -> None:
        identity_pb2_grpc.add_IdentityServiceServicer_to_server(api, server)
        federation_pb2_grpc.add_FederationServiceServicer_to_server(peers, server)
        privacy_pb2_grpc.add_PersonDataServiceServicer_to_server(person_data_api, server)

    return ServiceSpec(
        name="identity",
        full_names=[SERVICE, FEDERATION_SERVICE, PERSON_DATA_SERVICE],
        register=register,
        anonymous_methods=ANONYMOUS | FEDERATION_ANONYMOUS,
    )


def main() -> None:
    config = kconfig.load(IdentityConfig)
    if not config.jwks_path:
        config = kconfig.load(IdentityConfig, jwks_path=str(config.keys_dir / "jwks.json"))

    def on_start() -> None:
        store.connect(config, "identity")
        identity_store.ensure_indexes()
        federation.ensure_indexes()

    run(build_spec(config), config, on_start=on_start)


if __name__ == "__main__":
    main()
