"""HLS: which renditions a source gets, the ffmpeg command that makes them in one pass, ffmpeg's progress,
and playlists with their segment addresses replaced (presigned, or public) for a player.

The ladder never upscales: a 480p video gets 240p and 360p; audio gets two AAC bitrates. One ffmpeg run
decodes the source once and encodes every rendition (`-var_stream_map`), writing `master.m3u8` and one
`<name>/index.m3u8` with 4-second `.ts` segments per rendition. `-xerror` makes a damaged source (a truncated
upload) fail instead of yielding a short video.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

SEGMENT_SECONDS = 4


@dataclass(frozen=True)
class Rendition:
    name: str
    height: int  # 0 for audio
    video_kbps: int
    audio_kbps: int

    @property
    def bandwidth(self) -> int:
        return (self.video_kbps + self.audio_kbps) * 1000


VIDEO_LADDER = (
    Rendition("240p", 240, 400, 64),
    Rendition("360p", 360, 800, 96),
    Rendition("720p", 720, 2500, 128),
    Rendition("1080p", 1080, 5000, 128),
)
AUDIO_LADDER = (Rendition("audio-64k", 0, 0, 64), Rendition("audio-128k", 0, 0, 128))
MAX_VIDEO_RENDITIONS = 3


@dataclass(frozen=True)
class Probe:
    """What ffprobe found in a source."""

    duration: float
    width: int
    height: int
    has_video: bool
    has_audio: bool


def parse_probe(data: dict) -> Probe:
    """ffprobe's `-show_format -show_streams -of json` output. Cover art (attached pictures) is no video."""
    streams = data.get("streams") or []
    video = [
        s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    try:
        duration = float((data.get("format") or {}).get("duration") or 0.0)
    except ValueError:
        duration = 0.0
    width = int(video[0].get("width") or 0) if video else 0
    height = int(video[0].get("height") or 0) if video else 0
    return Probe(duration, width, height, bool(video), bool(audio))


def ladder(probe: Probe) -> list[Rendition]:
    """The renditions of a source: video rungs up to its height (at least the lowest), or audio ones."""
    if not probe.has_video:
        return list(AUDIO_LADDER)
    fitting = [r for r in VIDEO_LADDER if r.height <= max(probe.height, VIDEO_LADDER[0].height)]
    return fitting[-MAX_VIDEO_RENDITIONS:]


def ffmpeg_args(
    source: str, out_dir: str, renditions: list[Rendition], has_audio: bool, preset: str = "veryfast"
) -> list[str]:
    """The arguments after `ffmpeg` that write every rendition's HLS under out_dir, reporting progress on
    stdout (`-progress pipe:1`)."""
    args = ["-hide_banner", "-v", "error", "-xerror", "-nostdin", "-y", "-progress", "pipe:1", "-nostats"]
    args += ["-i", source]
    video = [r for r in renditions if r.height]
    maps: list[str] = []
    stream_map: list[str] = []
    if video:
        splits = "".join(f"[s{i}]" for i in range(len(video)))
        scales = ";".join(f"[s{i}]scale=-2:{r.height}[v{i}]" for i, r in enumerate(video))
        args += ["-filter_complex", f"[0:v:0]split={len(video)}{splits};{scales}"]
        for i, r in enumerate(video):
            maps += ["-map", f"[v{i}]"]
            if has_audio:
                maps += ["-map", "0:a:0"]
            stream_map.append(f"v:{i},a:{i},name:{r.name}" if has_audio else f"v:{i},name:{r.name}")
        args += maps
        args += ["-c:v", "libx264", "-preset", preset, "-profile:v", "main", "-pix_fmt", "yuv420p"]
        # a keyframe every segment, so every segment starts one
        args += ["-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})", "-sc_threshold", "0"]
        for i, r in enumerate(video):
            args += [f"-b:v:{i}", f"{r.video_kbps}k", f"-maxrate:v:{i}", f"{r.video_kbps * 3 // 2}k"]
            args += [f"-bufsize:v:{i}", f"{r.video_kbps * 2}k"]
        if has_audio:
            args += ["-c:a", "aac", "-ac", "2"]
            for i, r in enumerate(video):
                args += [f"-b:a:{i}", f"{r.audio_kbps}k"]
    else:
        for i, r in enumerate(renditions):
            maps += ["-map", "0:a:0"]
            stream_map.append(f"a:{i},name:{r.name}")
        args += maps + ["-vn", "-c:a", "aac", "-ac", "2"]
        for i, r in enumerate(renditions):
            args += [f"-b:a:{i}", f"{r.audio_kbps}k"]
    args += ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod"]
    args += ["-hls_segment_filename", f"{out_dir}/%v/seg%04d.ts", "-master_pl_name", "master.m3u8"]
    args += ["-var_stream_map", " ".join(stream_map), f"{out_dir}/%v/index.m3u8"]
    return args


_OUT_TIME = re.compile(r"^out_time_(?:us|ms)=(\d+)$")


def progress_of(line: str, duration: float) -> int | None:
    """Percent done from one line of `-progress` output (None for other lines). out_time_ms is, despite its
    name, microseconds too."""
    match = _OUT_TIME.match(line.strip())
    if match is None or duration <= 0:
        return None
    return max(0, min(99, int(int(match.group(1)) / 1_000_000 / duration * 100)))


def rewrite(playlist: str, address: Callable[[str], str]) -> str:
    """The playlist with each URI line (a segment or a variant playlist, relative) replaced by address(uri).
    Refuses anything absolute or climbing out (`..`): playlists are ours, but a check costs nothing."""
    lines = []
    for line in playlist.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            if "://" in stripped or stripped.startswith("/") or ".." in stripped.split("/"):
                raise ValueError(f"unexpected URI in a playlist: {stripped!r}")
            line = address(stripped)
        lines.append(line)
    return "\n".join(lines) + "\n"


PLAYLIST_NAME = re.compile(r"^(master\.m3u8|[a-z0-9-]{1,32}/index\.m3u8)$")


def valid_playlist_name(name: str) -> bool:
    return bool(PLAYLIST_NAME.fullmatch(name))


# -- signed playlist addresses --------------------------------------------------------------------------
# A player that cannot send an Authorization header (a native <video> on iOS Safari) reads a members or
# private item's playlists by a signed address instead: `?t=<expires>.<signature>`, granted by GetMedia to
# whoever may read the item, valid PLAYLIST_TOKEN_SECONDS, for that item only.

PLAYLIST_TOKEN_SECONDS = 4 * 3600  # a long lecture, watched with pauses


def playlist_token(secret: bytes, tenant: str, media_id: str, expires: int) -> str:
    mac = hmac.new(secret, f"{tenant}|{media_id}|{expires}".encode(), hashlib.sha256).digest()[:18]
    return f"{expires}.{base64.urlsafe_b64encode(mac).decode()}"


def token_valid(secret: bytes, tenant: str, media_id: str, token: str, now: float) -> bool:
    expires_text, _, _ = token.partition(".")
    if not expires_text.isdigit() or len(token) > 64:
        return False
    expires = int(expires_text)
    expected = playlist_token(secret, tenant, media_id, expires)
    return hmac.compare_digest(expected.encode(), token.encode()) and now < expires


def with_token(playlist: str, token: str) -> str:
    """A master playlist whose variant addresses carry the token (the player asks for them in turn)."""
    return rewrite(playlist, lambda uri: f"{uri}?t={token}")
