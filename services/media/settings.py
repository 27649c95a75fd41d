"""media's configuration (environment variables, validated at start-up)."""

from __future__ import annotations

from pydantic import Field, model_validator

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
    # signs playlist addresses for players that cannot send a token (domain/hls.py); "" turns them off
    media_url_secret: str = ""


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


class LiveSettings(BaseConfig):
    """Live broadcasts: where broadcasters push (RTMP), where players read (HLS), and the hook nginx-rtmp
    calls on publish, update, publish-done and record-done (loopback or cluster-internal, with a secret)."""

    # what a manager is told to publish to: <ingest url>/<tv or radio>/<stream key>
    media_ingest_url: str = "rtmp://127.0.0.1:1935"
    # the public address of live HLS: <base>/hls/<broadcast id>/index.m3u8
    media_live_base_url: str = "http://127.0.0.1:8080"
    media_ingest_hook_host: str = "127.0.0.1"
    media_ingest_hook_port: int = Field(0, ge=0, le=65535)  # 0: no hook server (live ingest off)
    media_ingest_secret: str = ""  # in the hook's URL path; required with a hook port
    # recordings are imported only from here (nginx-rtmp's record_path)
    media_recordings_dir: str = ""

    @model_validator(mode="after")
    def _hook_needs_secret(self):
        if self.media_ingest_hook_port and len(self.media_ingest_secret) < 16:
            raise ValueError("MEDIA_INGEST_SECRET of at least 16 characters is required with MEDIA_INGEST_HOOK_PORT")
        return self


class MediaConfig(ServiceConfig, MediaStoreSettings, TranscodeSettings, CallSettings, LiveSettings):
    pass


class MediaWorkerConfig(StoreConfig, BusConfig, MediaStoreSettings, TranscodeSettings):
    pass
