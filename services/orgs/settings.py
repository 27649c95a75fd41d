"""orgs' configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic import Field, model_validator

from kernel.grpc_server import ServiceConfig

MIB = 1024 * 1024


class OrgsConfig(ServiceConfig):
    identity_addr: str = "127.0.0.1:50051"  # identity's gRPC address: accounts for imported rosters
    identity_timeout_seconds: float = Field(60.0, gt=0)
    import_max_bytes: int = Field(10 * MIB, ge=1024)  # the largest roster file
    # A call carries a whole roster file: room for the largest one and the message around it.
    grpc_max_message_bytes: int = 12 * MIB

    @model_validator(mode="after")
    def _file_fits_in_a_call(self) -> OrgsConfig:
        if self.import_max_bytes + MIB > self.grpc_max_message_bytes:
            raise ValueError("GRPC_MAX_MESSAGE_BYTES must exceed IMPORT_MAX_BYTES by at least 1 MiB")
        return self
