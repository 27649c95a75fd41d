"""HLS rules: the rendition ladder, the one-pass ffmpeg command, progress, and playlist rewriting."""

from __future__ import annotations

import pytest

from services.media.domain import hls

pytestmark = pytest.mark.unit


def _probe(height: int, audio: bool = True, duration: float = 10.0) -> hls.Probe:
    return hls.Probe(duration, height * 16 // 9, height, height > 0, audio)


def test_the_ladder_never_upscales_and_keeps_at_most_three_rungs():
    assert [r.name for r in hls.ladder(_probe(360))] == ["240p", "360p"]
    assert [r.name for r in hls.ladder(_probe(480))] == ["240p", "360p"]
    assert [r.name for r in hls.ladder(_probe(720))] == ["240p", "360p", "720p"]
    assert [r.name for r in hls.ladder(_probe(2160))] == ["360p", "720p", "1080p"]
    assert [r.name for r in hls.ladder(_probe(144))] == ["240p"]  # a tiny video still gets the lowest rung


def test_sound_only_gets_the_audio_ladder():
    assert [r.name for r in hls.ladder(_probe(0))] == ["audio-64k", "audio-128k"]


def test_cover_art_is_not_video():
    data = {
        "format": {"duration": "61.5"},
        "streams": [
            {"codec_type": "audio"},
            {"codec_type": "video", "width": 600, "height": 600, "disposition": {"attached_pic": 1}},
        ],
    }
    assert hls.parse_probe(data) == hls.Probe(61.5, 0, 0, False, True)
    assert hls.parse_probe({}) == hls.Probe(0.0, 0, 0, False, False)


def test_one_ffmpeg_pass_maps_every_rendition():
    renditions = hls.ladder(_probe(720))
    args = hls.ffmpeg_args("in.mp4", "work/out", renditions, has_audio=True)
    assert "-xerror" in args  # a damaged source fails instead of making a short video
    graph = args[args.index("-filter_complex") + 1]
    assert graph.startswith("[0:v:0]split=3[s0][s1][s2];") and "[s2]scale=-2:720[v2]" in graph
    assert args[args.index("-var_stream_map") + 1] == "v:0,a:0,name:240p v:1,a:1,name:360p v:2,a:2,name:720p"
    assert args[-1] == "work/out/%v/index.m3u8"
    assert args[args.index("-b:v:2") + 1] == "2500k"


def test_a_silent_video_maps_no_audio():
    args = hls.ffmpeg_args("in.mp4", "o", hls.ladder(_probe(360, audio=False)), has_audio=False)
    assert "0:a:0" not in args and "-c:a" not in args
    assert args[args.index("-var_stream_map") + 1] == "v:0,name:240p v:1,name:360p"


def test_audio_renditions_drop_pictures():
    args = hls.ffmpeg_args("in.m4a", "o", hls.ladder(_probe(0)), has_audio=True)
    assert "-vn" in args and "-filter_complex" not in args
    assert args[args.index("-var_stream_map") + 1] == "a:0,name:audio-64k a:1,name:audio-128k"


def test_progress_from_ffmpeg_lines():
    assert hls.progress_of("out_time_us=5000000", 10.0) == 50
    assert hls.progress_of("out_time_ms=9990000\n", 10.0) == 99  # never 100 before it is done
    assert hls.progress_of("frame=12", 10.0) is None
    assert hls.progress_of("out_time_us=5", 0.0) is None


PLAYLIST = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:4
#EXTINF:4.000000,
seg0000.ts
#EXTINF:2.500000,
seg0001.ts
#EXT-X-ENDLIST
"""


def test_playlists_get_their_segments_addressed():
    text = hls.rewrite(PLAYLIST, lambda uri: f"https://s3/b/{uri}?sig=1")
    assert "https://s3/b/seg0000.ts?sig=1" in text and "https://s3/b/seg0001.ts?sig=1" in text
    assert text.count("#EXTINF") == 2 and text.endswith("#EXT-X-ENDLIST\n")


@pytest.mark.parametrize("uri", ["http://evil/x.ts", "/etc/passwd", "../other/seg.ts"])
def test_a_playlist_pointing_elsewhere_is_refused(uri):
    with pytest.raises(ValueError):
        hls.rewrite(f"#EXTM3U\n{uri}\n", lambda u: u)


def test_playlist_names():
    assert hls.valid_playlist_name("master.m3u8") and hls.valid_playlist_name("720p/index.m3u8")
    assert not hls.valid_playlist_name("../master.m3u8") and not hls.valid_playlist_name("720p/seg0000.ts")


def test_a_playlist_token_reads_one_item_until_it_expires():
    secret = b"s" * 32
    token = hls.playlist_token(secret, "tianjin", "m1", expires=1000)
    assert hls.token_valid(secret, "tianjin", "m1", token, now=999.0)
    assert not hls.token_valid(secret, "tianjin", "m1", token, now=1000.0)  # expired
    assert not hls.token_valid(secret, "tianjin", "m2", token, now=10.0)  # another item
    assert not hls.token_valid(secret, "beijing", "m1", token, now=10.0)  # another region
    assert not hls.token_valid(b"t" * 32, "tianjin", "m1", token, now=10.0)  # another secret
    assert not hls.token_valid(secret, "tianjin", "m1", "2000." + token.split(".")[1], now=10.0)  # longer life
    for junk in ("", ".", "abc.def", "1000", "x" * 100):
        assert not hls.token_valid(secret, "tianjin", "m1", junk, now=10.0)


def test_a_master_playlist_hands_its_token_to_the_variants():
    master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n240p/index.m3u8\n"
    assert "240p/index.m3u8?t=123.abc" in hls.with_token(master, "123.abc")
