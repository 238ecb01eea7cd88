"""Faces in videos: two passes over the file, because a file (unlike live video) lets a face
be covered before it was first seen as well as after it was last seen.

Pass 1 (detect and track; 0-60 % of progress):
- every DETECT_EVERY-th frame the detector runs on a copy downscaled to at most 640 pixels
  wide (large and middle faces, fast);
- every FULL_EVERY-th frame it also runs on the full-resolution frame enlarged 1.5 times
  (SMALL_SCALE; tiles of 1024 pixels, which halves peak memory), at a lower threshold, for small,
  distant faces (CenterFace finds 20-30 pixel faces far more surely when enlarged);
- the boxes go to ByteTrack (`trackers`, Buffered IoU so that a small face that moved between
  two detections is still associated), with each frame's timestamp, so the Kalman filter knows
  how many frames were skipped. The boxes of every track are kept in memory per frame.

Between the passes (`plan`):
- between two detections of the same track the box is interpolated linearly;
- each track is extended EXTEND frames before its first and after its last detection (the
  box moved on at the speed between its first (last) two detections, and grown 3 % a frame);
- fail closed: a track that ends before the clip does, away from the frame's border, stays
  covered at its last place, growing, for HOLD_SECONDS more; when the track had been seen at
  least FLAG_MIN_DETECTIONS times, those frames are flagged and the report says a person must
  look (`flagged=True`);
- keep_faces: each seed (frame, box) picks the track that overlaps it most on that frame;
  that track is not covered (its boxes are reported as `kept_boxes` for the re-check).

Pass 2 (write; 60-100 %): the file is decoded again, each frame's boxes are covered
(`photo.cover`: enlarged ellipse, pixelated and blurred) and the frames are encoded with
ffmpeg as H.264 yuv420p MP4 (`+faststart`, plays in Chromium), `-map_metadata -1` and
`-map_chapters -1` (no location or other metadata), no subtitles or data streams; the audio
is copied (AAC) only when keep_audio is set.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import supervision as sv
from trackers import BIoU, ByteTrackTracker

from redaction.faces import Box, FaceDetector, _nms
from redaction.media import MediaError, MediaInfo, probe
from redaction.photo import SMALL_THRESHOLD, THRESHOLD, RedactionReport, cover

DETECT_EVERY = 3
FULL_EVERY = 12
SMALL_SCALE = 1.5
DETECT_WIDTH = 640
EXTEND = FULL_EVERY + 2
HOLD_SECONDS = 1.0
STITCH_SECONDS = 1.0
FLAG_MIN_DETECTIONS = 3
MAX_VIDEO_BYTES = 500 * 1024 * 1024
MAX_VIDEO_SECONDS = 180.0
MAX_VIDEO_PIXELS = 1920 * 1088

Progress = Callable[[float], None]
Cancel = Callable[[], bool]


def frames_of(path: Path, info: MediaInfo) -> Iterator[np.ndarray]:
    """Decoded RGB frames (ffmpeg, through imageio-ffmpeg)."""
    reader = imageio_ffmpeg.read_frames(str(path), pix_fmt="rgb24")
    try:
        meta = next(reader)
        width, height = (int(v) for v in meta["size"])
        for raw in reader:
            yield np.frombuffer(raw, dtype=np.uint8).reshape(height, width, 3)
    except (OSError, RuntimeError) as exc:
        raise MediaError("corrupt", str(exc).splitlines()[0][:200]) from exc
    finally:
        reader.close()


class Writer:
    """ffmpeg encoding raw RGB frames to an H.264 yuv420p MP4, metadata dropped."""

    def __init__(
        self, dst: Path, width: int, height: int, fps: float, audio_from: Path | None
    ) -> None:
        cmd = [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{width}x{height}",
            "-r",
            f"{fps:.6f}",
            "-i",
            "-",
        ]
        if audio_from is not None:
            cmd += ["-i", str(audio_from), "-map", "0:v:0", "-map", "1:a:0?", "-c:a", "aac"]
        else:
            cmd += ["-map", "0:v:0", "-an"]
        cmd += [
            "-vf",
            "pad=ceil(iw/2)*2:ceil(ih/2)*2",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            "-profile:v",
            "high",
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-sn",
            "-dn",
            "-movflags",
            "+faststart",
            "-f",
            "mp4",
            str(dst),
        ]
        self.process = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )

    def write(self, frame: np.ndarray) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(np.ascontiguousarray(frame).tobytes())

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        err = self.process.stderr.read() if self.process.stderr else b""
        if self.process.wait() != 0:
            raise MediaError("corrupt", "encoding failed: " + err.decode(errors="replace")[:200])

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()


def _lerp(a: Box, b: Box, t: float) -> Box:
    """The centre moves linearly; the size is the larger of the two (a face half hidden or
    turning is detected smaller than it is: fail closed)."""
    cx = a.x + a.w / 2 + ((b.x + b.w / 2) - (a.x + a.w / 2)) * t
    cy = a.y + a.h / 2 + ((b.y + b.h / 2) - (a.y + a.h / 2)) * t
    w, h = max(a.w, b.w), max(a.h, b.h)
    return Box(cx - w / 2, cy - h / 2, w, h, min(a.score, b.score))


def _largest(box: Box, others: list[tuple[int, Box]]) -> Box:
    """`box` at the size of the largest of `others` (same centre)."""
    w = max(b.w for _, b in others)
    h = max(b.h for _, b in others)
    return Box(box.x + box.w / 2 - w / 2, box.y + box.h / 2 - h / 2, w, h, box.score)


def _velocity(a: tuple[int, Box], b: tuple[int, Box]) -> tuple[float, float]:
    """Centre motion per frame from detection a to detection b (b later)."""
    (fa, ba), (fb, bb) = a, b
    if fb == fa:
        return 0.0, 0.0
    return (
        ((bb.x + bb.w / 2) - (ba.x + ba.w / 2)) / (fb - fa),
        ((bb.y + bb.h / 2) - (ba.y + ba.h / 2)) / (fb - fa),
    )


def _moved(box: Box, velocity: tuple[float, float], frames: int, grow: float) -> Box:
    g = box.grown(grow)
    return Box(g.x + velocity[0] * frames, g.y + velocity[1] * frames, g.w, g.h, g.score)


def detect_and_track(
    path: Path,
    info: MediaInfo,
    detector: FaceDetector,
    *,
    threshold: float = THRESHOLD,
    progress: Progress | None = None,
    should_cancel: Cancel | None = None,
) -> tuple[int, dict[int, list[tuple[int, Box]]]]:
    """Pass 1: (frames read, track id -> [(frame, detected box)])."""
    tracker = ByteTrackTracker(
        lost_track_buffer=60,
        frame_rate=info.fps,
        track_activation_threshold=min(threshold, SMALL_THRESHOLD),
        minimum_consecutive_frames=1,
        minimum_iou_threshold=0.05,
        high_conf_det_threshold=max(threshold, 0.5),
        iou=BIoU(buffer_ratio=0.3),
    )
    tracks: dict[int, list[tuple[int, Box]]] = {}
    loose = -1  # ids for detections ByteTrack left unassigned (kept, never dropped)
    scale = min(1.0, DETECT_WIDTH / info.width)
    frames = 0
    for index, frame in enumerate(frames_of(path, info)):
        frames = index + 1
        if should_cancel is not None and should_cancel():
            raise MediaError("cancelled")
        full = index % FULL_EVERY == 0
        if not full and index % DETECT_EVERY:
            continue
        if full:
            boxes = detector.detect(
                frame, threshold=min(threshold, SMALL_THRESHOLD), scale=SMALL_SCALE, tiled=True
            )
            if scale < 1.0:  # the downscaled pass still sees the largest faces best
                boxes = merge(boxes + detector.detect(frame, threshold=threshold, scale=scale))
        else:
            boxes = detector.detect(frame, threshold=threshold, scale=scale)
        if boxes:
            xyxy = np.array([[b.x, b.y, b.x2, b.y2] for b in boxes], dtype=np.float32)
            scores = np.array([b.score for b in boxes], dtype=np.float32)
            detections = sv.Detections(xyxy=xyxy, confidence=scores)
        else:
            detections = sv.Detections.empty()
        result = tracker.update(detections, timestamp=index / info.fps)
        tracker_ids: list[int] = [] if result.tracker_id is None else list(result.tracker_id)
        seen: set[int] = set()
        for row, tid in zip(result.xyxy, tracker_ids, strict=False):
            x1, y1, x2, y2 = (float(v) for v in row)
            box = Box(x1, y1, x2 - x1, y2 - y1)
            key = int(tid)
            if key < 0 or key in seen:
                key, loose = loose, loose - 1
            seen.add(key)
            tracks.setdefault(key, []).append((index, box))
        # A box the tracker did not return (it should return all) is still covered.
        returned = [
            Box(float(r[0]), float(r[1]), float(r[2] - r[0]), float(r[3] - r[1]))
            for r in result.xyxy
        ]
        for b in boxes:
            if not any(b.iou(r) > 0.5 for r in returned):
                tracks.setdefault(loose, []).append((index, b))
                loose -= 1
        if progress is not None and index % 10 == 0:
            progress(min(0.6, 0.6 * index / max(1, info.frames)))
    if frames == 0:
        raise MediaError("corrupt", "no frame could be decoded")
    return frames, stitch(tracks, fps=info.fps)


def merge(boxes: list[Box]) -> list[Box]:
    """One box per face when two passes found the same face (NMS at IoU 0.4)."""
    if len(boxes) < 2:
        return boxes
    rows = np.array([[b.x, b.y, b.x2, b.y2] for b in boxes], dtype=np.float32)
    keep = _nms(rows, np.array([b.score for b in boxes], dtype=np.float32), 0.4)
    return [boxes[i] for i in keep]


def stitch(
    tracks: dict[int, list[tuple[int, Box]]], *, fps: float
) -> dict[int, list[tuple[int, Box]]]:
    """Join track fragments that are one face: ByteTrack gives a small face, seen only on the
    full-resolution frames, a new id (or none) after each gap. A fragment continues an earlier
    one that ended at most STITCH_SECONDS before it started, when its first box is near the
    other's last box moved on at its last speed (centre distance under 2 face sizes plus 0.15
    per frame between them)
    and of a similar size (ratio 0.5-2). Greedy, nearest first."""
    fragments = sorted(
        (sorted(v, key=lambda i: i[0]) for v in tracks.values()), key=lambda v: v[0][0]
    )
    max_gap = max(FULL_EVERY * 2, math.ceil(STITCH_SECONDS * fps))
    chains: list[list[tuple[int, Box]]] = []
    for fragment in fragments:
        start, first = fragment[0]
        best: tuple[float, int] | None = None
        for number, chain in enumerate(chains):
            end, last = chain[-1]
            gap = start - end
            if gap <= 0 or gap > max_gap:
                continue
            ratio = first.h / last.h if last.h else 0.0
            if not 0.5 <= ratio <= 2.0:
                continue
            size = max(last.w, last.h, first.w, first.h)
            vx, vy = _velocity(chain[-2], chain[-1]) if len(chain) > 1 else (0.0, 0.0)
            dx = (first.x + first.w / 2) - (last.x + last.w / 2 + vx * gap)
            dy = (first.y + first.h / 2) - (last.y + last.h / 2 + vy * gap)
            distance = math.hypot(dx, dy) / size
            if distance <= 2.0 + 0.15 * gap and (best is None or distance < best[0]):
                best = (distance, number)
        if best is None:
            chains.append(list(fragment))
        else:
            chains[best[1]].extend(fragment)
    return dict(enumerate(chains))


def _near_border(box: Box, width: int, height: int) -> bool:
    margin = 0.1 * max(box.w, box.h)
    return (
        box.x <= margin or box.y <= margin or box.x2 >= width - margin or box.y2 >= height - margin
    )


def plan(
    frames: int,
    tracks: dict[int, list[tuple[int, Box]]],
    *,
    width: int,
    height: int,
    fps: float,
    keep_faces: Sequence[tuple[int, Box]] = (),
) -> tuple[list[list[Box]], list[tuple[int, Box]], list[int], int]:
    """Boxes to cover per frame, kept boxes, flagged frames, number of kept tracks."""
    per_frame: dict[int, dict[int, Box]] = {}
    flagged: set[int] = set()
    hold = max(EXTEND, math.ceil(HOLD_SECONDS * fps))
    for tid, found in tracks.items():
        found.sort(key=lambda item: item[0])
        spans = per_frame
        # interpolation between consecutive detections of the track
        for (f0, b0), (f1, b1) in itertools.pairwise(found):
            for f in range(f0, f1):
                spans.setdefault(f, {})[tid] = _lerp(b0, b1, (f - f0) / (f1 - f0))
        first_frame, first_box = found[0]
        last_frame, last_box = found[-1]
        spans.setdefault(last_frame, {})[tid] = last_box
        # extended at the largest size of the first (last) three detections
        first_box = _largest(first_box, found[:3])
        last_box = _largest(last_box, found[-3:])
        # Before the first and after the last detection the face keeps moving as it did
        # between its first (last) two detections, and the box grows 3 % a frame.
        v_start = _velocity(found[0], found[1]) if len(found) > 1 else (0.0, 0.0)
        v_end = _velocity(found[-2], found[-1]) if len(found) > 1 else (0.0, 0.0)
        for k in range(1, EXTEND + 1):
            if first_frame - k >= 0:
                spans.setdefault(first_frame - k, {})[tid] = _moved(
                    first_box, v_start, -k, 1 + 0.03 * k
                )
        ends_early = last_frame + EXTEND < frames - 1
        leaving = _near_border(last_box, width, height)
        length = hold if ends_early and not leaving else EXTEND
        # A face seen at least FLAG_MIN_DETECTIONS times and then lost is a reason for a person
        # to look; a single weak detection (often not a face) is held just the same, unflagged.
        evidence = len(found) >= FLAG_MIN_DETECTIONS
        for k in range(1, length + 1):
            f = last_frame + k
            if f >= frames:
                break
            if k <= EXTEND:
                box = _moved(last_box, v_end, k, 1 + 0.03 * k)
            else:  # lost: held where it was last predicted, growing, and flagged
                box = _moved(last_box, v_end, EXTEND, min(2.0, 1 + 0.03 * k))
            spans.setdefault(f, {})[tid] = box
            if k > EXTEND and evidence:
                flagged.add(f)
    kept_ids: set[int] = set()
    for seed_frame, seed in keep_faces:
        best, best_tid = 0.0, None
        for tid, box in per_frame.get(seed_frame, {}).items():
            score = max(seed.iou(box), seed.overlap_of(box))
            if score > best:
                best, best_tid = score, tid
        if best_tid is not None and best >= 0.3:
            kept_ids.add(best_tid)
    cover_boxes: list[list[Box]] = [[] for _ in range(frames)]
    kept_boxes: list[tuple[int, Box]] = []
    for f, boxes in per_frame.items():
        if not 0 <= f < frames:
            continue
        for tid, box in boxes.items():
            if tid in kept_ids:
                kept_boxes.append((f, box))
            else:
                cover_boxes[f].append(box)
    # a kept track's extrapolated frames are not a reason to flag
    return cover_boxes, kept_boxes, sorted(flagged), len(kept_ids)


def redact_video(
    src: Path,
    dst: Path,
    *,
    keep_audio: bool = False,
    keep_faces: Sequence[tuple[int, Box]] = (),
    progress: Progress | None = None,
    should_cancel: Cancel | None = None,
    detector: FaceDetector | None = None,
    max_bytes: int = MAX_VIDEO_BYTES,
    max_seconds: float = MAX_VIDEO_SECONDS,
    max_pixels: int = MAX_VIDEO_PIXELS,
) -> RedactionReport:
    """Blur every face in the video at `src` (except kept tracks) into an MP4 at `dst`.
    Raises MediaError (the partial output is removed)."""
    started = time.monotonic()
    src, dst = Path(src), Path(dst)
    info = probe(src, max_bytes=max_bytes, max_seconds=max_seconds, max_pixels=max_pixels)
    if info.kind != "video":
        raise MediaError("unsupported", "not a video")
    detector = detector or FaceDetector()
    frames, tracks = detect_and_track(
        src, info, detector, progress=progress, should_cancel=should_cancel
    )
    cover_boxes, kept_boxes, flagged, kept = plan(
        frames,
        tracks,
        width=info.width,
        height=info.height,
        fps=info.fps,
        keep_faces=keep_faces,
    )
    partial = dst.with_name(dst.name + ".part")
    writer = Writer(
        partial, info.width, info.height, info.fps, src if keep_audio and info.has_audio else None
    )
    try:
        written = 0
        for index, frame in enumerate(frames_of(src, info)):
            if should_cancel is not None and should_cancel():
                raise MediaError("cancelled")
            if index >= frames:
                break
            out = np.array(frame)
            cover(out, cover_boxes[index])
            writer.write(out)
            written += 1
            if progress is not None and index % 10 == 0:
                progress(0.6 + 0.4 * index / frames)
        writer.close()
    except BaseException:
        writer.kill()
        partial.unlink(missing_ok=True)
        raise
    partial.replace(dst)
    if progress is not None:
        progress(1.0)
    return RedactionReport(
        frames=written,
        faces_blurred=len(tracks) - kept,
        kept_faces=kept,
        flagged_frames=flagged,
        flagged=bool(flagged),
        seconds=time.monotonic() - started,
        kept_boxes=kept_boxes,
    )


def poster_frame(src: Path, dst_jpeg: Path, *, at_seconds: float = 0.0) -> None:
    """One frame of a (redacted) video as a JPEG without metadata."""
    from PIL import Image

    reader = imageio_ffmpeg.read_frames(
        str(src), pix_fmt="rgb24", input_params=["-ss", f"{max(0.0, at_seconds):.3f}"]
    )
    try:
        meta = next(reader)
        width, height = (int(v) for v in meta["size"])
        raw = next(reader, None)
    except (OSError, RuntimeError) as exc:
        raise MediaError("corrupt", str(exc)[:200]) from exc
    finally:
        reader.close()
    if raw is None:
        raise MediaError("corrupt", "no frame at that time")
    image = Image.frombuffer("RGB", (width, height), raw, "raw", "RGB", 0, 1)
    dst_jpeg = Path(dst_jpeg)
    partial = dst_jpeg.with_name(dst_jpeg.name + ".part")
    image.save(partial, "JPEG", quality=88)
    partial.replace(dst_jpeg)
