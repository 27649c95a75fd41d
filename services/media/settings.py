"""media's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic import Field

from kernel.config import BaseConfig, BusConfig, StoreConfig
from kernel.grpc_server import ServiceConfig
from kernel.objects import ObjectStoreConfig


class MediaStoreSettings(ObjectStoreConfig):
    """Where media bytes live, and the address clients reach the store at (presigned URLs name it)."""

    media_bucket: str = "jiceng-media"
    # host:port the clients see (a presigned URL is signed for its host); "" means S3_ENDPOINT
    s3_public_endpoint: str = ""
    s3_public_secure: bool = False
    # how long a presigned PUT or GET stays valid
    upload_url_seconds: int = Field(900, ge=60, le=24 * 3600)
    download_url_seconds: int = Field(3600, ge=60, le=7 * 24 * 3600)


class TranscodeSettings(BaseConfig):
    """The transcoder: ffmpeg's binaries and how many jobs run at once in one transcoder process."""

    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    transcode_concurrency: int = Field(1, ge=1, le=16)
    transcode_preset: str = "veryfast"
    # ffmpeg runs this much nicer than the transcoder: on a shared machine, serving goes first
    transcode_nice: int = Field(10, ge=0, le=19)
    work_dir: str = ""  # temporary files; "" is the system's temp dir


class CallSettings(BaseConfig):
    """Calls: orgs (who may enter a meeting's room) and the region's STUN/TURN server (coturn, REST-API auth)."""

    orgs_addr: str = "127.0.0.1:50061"
    turn_urls: str = ""  # comma-separated stun:/turn: urls handed to clients; "" offers no ICE servers
    turn_secret: str = ""  # coturn's static-auth-secret; "" offers no TURN (STUN urls only)
    turn_ttl_seconds: int = Field(3600, ge=60, le=24 * 3600)


class MediaConfig(ServiceConfig, MediaStoreSettings, TranscodeSettings, CallSettings):
    pass


class MediaWorkerConfig(StoreConfig, BusConfig, MediaStoreSettings, TranscodeSettings):
    pass
