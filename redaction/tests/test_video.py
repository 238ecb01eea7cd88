"""Videos: the real model and the real ffmpeg on a short synthetic clip with known faces."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from redaction import synthetic
from redaction.faces import FaceDetector
from redaction.media import MediaError, probe
from redaction.recheck import recheck
from redaction.video import Writer, frames_of, poster_frame, redact_video

LIMITS = {"max_bytes": 100_000_000, "max_seconds": 60.0, "max_pixels": 1920 * 1088}


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> synthetic.Clip:
    # 1 s of 720p: every face of the 8 s clip, moving four times as fast as in the benchmark.
    return synthetic.make_clip(tmp_path_factory.mktemp("clip"), seconds=1.0, audio=True)


@pytest.fixture(scope="module")
def redacted(clip, detector, tmp_path_factory):
    dst = tmp_path_factory.mktemp("out") / "out.mp4"
    seen: list[float] = []
    report = redact_video(clip.path, dst, progress=seen.append, detector=detector)
    return dst, report, seen


def streams(path: Path) -> str:
    done = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stderr


def test_every_known_face_is_blurred_on_every_frame(clip, redacted):
    dst, report, seen = redacted
    assert report.frames == clip.frames == 25
    # the check can fail: the original misses every visible face on every frame
    visible = sum(1 for faces in clip.truth for f in faces if f.visible >= synthetic.MIN_VISIBLE)
    assert len(synthetic.missed(clip, clip.path)) == visible
    assert synthetic.missed(clip, dst) == []
    assert seen[-1] == 1.0 and seen == sorted(seen)


def test_output_is_h264_mp4_without_metadata_or_audio(clip, redacted):
    dst, _report, _ = redacted
    source = streams(clip.path)
    assert "location" in source and "Audio:" in source  # what must be dropped is there
    out = streams(dst)
    assert "h264" in out and "yuv420p" in out
    assert "location" not in out and "synthetic faces" not in out
    assert "Audio:" not in out
    info = probe(dst, **LIMITS)
    assert (info.width, info.height, info.has_audio) == (1280, 720, False)


def test_recheck_passes_on_output_and_fails_on_original(clip, redacted, detector):
    dst, _report, _ = redacted
    assert recheck(dst, detector=detector).passed
    original = recheck(clip.path, detector=detector)
    assert not original.passed
    assert {frame for frame, _ in original.faces} == set(range(clip.frames))


def test_keep_audio_and_keep_faces(clip, detector, tmp_path):
    # the large astronaut's box on frame 0, as faces_on_frame would offer it
    seed = clip.truth[0][0].box
    dst = tmp_path / "kept.mp4"
    report = redact_video(
        clip.path, dst, keep_audio=True, keep_faces=[(0, seed)], detector=detector
    )
    assert report.kept_faces == 1
    assert "Audio:" in streams(dst)
    info = probe(dst, **LIMITS)
    kept_blurred = 0
    for index, (frame, original) in enumerate(
        zip(frames_of(dst, info), synthetic.render(seconds=1.0)[0], strict=True)
    ):
        faces = clip.truth[index]
        if synthetic.removed_share(original, frame, faces[0].box) >= synthetic.COVERED:
            kept_blurred += 1
        for face in faces[1:]:
            if face.visible >= synthetic.MIN_VISIBLE and face.box.w >= 4:
                assert synthetic.removed_share(original, frame, face.box) >= synthetic.COVERED
    assert kept_blurred == 0
    assert recheck(dst, allowed=report.kept_boxes, detector=detector).passed
    assert not recheck(dst, detector=detector).passed


def test_cancel_raises_and_leaves_nothing(clip, detector, tmp_path):
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 5

    dst = tmp_path / "cancelled.mp4"
    with pytest.raises(MediaError) as caught:
        redact_video(clip.path, dst, should_cancel=cancel, detector=detector)
    assert caught.value.code == "cancelled"
    assert list(tmp_path.iterdir()) == []


def test_video_without_faces_passes_through(tmp_path, detector):
    src = tmp_path / "plain.mp4"
    writer = Writer(src, 320, 240, 25.0, None)
    ramp = np.tile(np.linspace(0, 255, 320, dtype=np.uint8)[None, :, None], (240, 1, 3))
    for _ in range(12):
        writer.write(ramp)
    writer.close()
    dst = tmp_path / "out.mp4"
    report = redact_video(src, dst, detector=detector)
    assert report.faces_blurred == 0 and not report.flagged and report.frames == 12
    info = probe(dst, **LIMITS)
    for frame in frames_of(dst, info):
        assert np.abs(frame.astype(int) - ramp).mean() < 3
    poster = tmp_path / "poster.jpg"
    poster_frame(dst, poster, at_seconds=0.2)
    assert poster.read_bytes()[:3] == b"\xff\xd8\xff"


def _code(path: Path, **limits) -> str:
    with pytest.raises(MediaError) as caught:
        probe(path, **{**LIMITS, **limits})
    return caught.value.code


def test_bad_videos_give_coded_errors(clip, tmp_path, detector):
    info = probe(clip.path, **LIMITS)
    assert (info.kind, info.width, info.height, info.has_audio) == ("video", 1280, 720, True)
    assert abs(info.duration - 1.0) < 0.1 and info.fps == 25.0

    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(clip.path.read_bytes()[: clip.path.stat().st_size // 2])
    assert _code(truncated) == "corrupt"
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert _code(empty) == "corrupt"
    text = tmp_path / "text.mp4"
    text.write_text("this is a shopping list, renamed\n" * 10)
    assert _code(text) == "unsupported"
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * 40)
    assert _code(garbage) == "corrupt"
    assert _code(clip.path, max_seconds=0.5) == "too_long"
    assert _code(clip.path, max_pixels=640 * 360) == "too_many_pixels"
    assert _code(clip.path, max_bytes=1000) == "too_large"
    audio_only = tmp_path / "voice.m4a"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=300:duration=1",
            "-c:a",
            "aac",
            str(audio_only),
        ],
        check=True,
    )
    assert _code(audio_only) == "no_video_stream"
    with pytest.raises(MediaError) as caught:
        redact_video(truncated, tmp_path / "x.mp4", detector=detector)
    assert caught.value.code == "corrupt"
    assert not (tmp_path / "x.mp4").exists()
