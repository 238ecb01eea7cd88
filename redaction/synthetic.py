"""A deterministic test clip with known face positions, made only from images that ship in a
package (scikit-image's sample photographs): no media file is committed.

Faces: the astronaut (Eileen Collins, `skimage.data.astronaut`), the cameraman
(`skimage.data.camera`) and faces from the Labeled Faces in the Wild subset
(`skimage.data.lfw_subset`, 25x25 grey). They are pasted on a background made from
`skimage.data.brick` and move, turn (in-plane rotation, a mirror flip, shear) and change size;
three are small (about 20-30 pixels at 720p) and one passes behind an occluding panel.

`make_clip` writes an MP4 (H.264, with a fake GPS location in its metadata and optionally a
tone as audio, so that tests can check both are dropped) and returns, for every frame, the
box of every pasted face (the transformed face rectangle's bounding box) and how much of it is
visible (0 while fully behind the panel).
"""

from __future__ import annotations

import math
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

from redaction.faces import Box


@dataclass(frozen=True)
class TruthFace:
    face: int  # which pasted face (0..n-1)
    box: Box
    visible: float  # share of the box not behind the occluder


@dataclass(frozen=True)
class Clip:
    path: Path
    width: int
    height: int
    fps: float
    frames: int
    truth: list[list[TruthFace]]  # per frame


@dataclass(frozen=True)
class _Source:
    image: np.ndarray  # RGB crop
    face: tuple[int, int, int, int]  # x, y, w, h of the face inside the crop


def _sources() -> list[_Source]:
    from skimage import data

    astronaut = data.astronaut()
    camera = np.dstack([data.camera()] * 3)
    lfw = data.lfw_subset()
    out = [
        # face boxes found by CenterFace on the originals (181,58,88,120) and (202,119,55,78)
        _Source(np.ascontiguousarray(astronaut[30:210, 155:295]), (26, 28, 88, 120)),
        _Source(np.ascontiguousarray(camera[95:215, 180:280]), (22, 24, 55, 78)),
    ]
    for index in (0, 20, 60):
        face = (lfw[index] * 255).astype(np.uint8)
        out.append(_Source(np.ascontiguousarray(np.dstack([face] * 3)), (0, 0, 25, 25)))
    return out


def _background(width: int, height: int) -> np.ndarray:
    from skimage import data

    brick = cv2.resize(data.brick(), (width, height), interpolation=cv2.INTER_LINEAR)
    tint = np.array([0.9, 0.75, 0.6], dtype=np.float32)
    return (brick[:, :, None].astype(np.float32) * tint * 0.8 + 30).clip(0, 255).astype(np.uint8)


@dataclass(frozen=True)
class _Motion:
    source: int
    face_height: tuple[float, float]  # in frame heights, at start and end (or oscillating)
    start: tuple[float, float]  # centre, in frame fractions
    end: tuple[float, float]
    angle: float  # maximum in-plane rotation, degrees (oscillates)
    shear: float
    flip_at: float | None  # fraction of the clip after which the face is mirrored
    wobble: float  # size oscillation amplitude (fraction)


_MOTIONS = [
    _Motion(0, (0.22, 0.30), (0.18, 0.38), (0.62, 0.45), 20.0, 0.0, 0.5, 0.15),
    _Motion(1, (0.16, 0.10), (0.85, 0.25), (0.55, 0.70), 12.0, 0.15, None, 0.1),
    _Motion(0, (0.036, 0.036), (0.08, 0.85), (0.20, 0.80), 8.0, 0.0, None, 0.0),  # ~26 px
    _Motion(2, (0.040, 0.046), (0.90, 0.88), (0.80, 0.90), 0.0, 0.0, None, 0.0),  # 29-33 px
    _Motion(3, (0.042, 0.042), (0.40, 0.10), (0.48, 0.12), 6.0, 0.0, 0.7, 0.0),  # ~30 px
    _Motion(4, (0.09, 0.09), (0.10, 0.62), (0.70, 0.62), 5.0, 0.0, None, 0.0),  # occluded
]
# The occluding panel (fractions of the frame): the last face passes behind it.
_PANEL = (0.33, 0.52, 0.12, 0.22)  # x, y, w, h


def _matrix(
    src: _Source, motion: _Motion, t: float, width: int, height: int
) -> tuple[np.ndarray, float]:
    fx, fy, fw, fh = src.face
    size = motion.face_height[0] + (motion.face_height[1] - motion.face_height[0]) * t
    size *= 1 + motion.wobble * math.sin(2 * math.pi * t * 1.5)
    scale = size * height / fh
    angle = math.radians(motion.angle * math.sin(2 * math.pi * t))
    cx = (motion.start[0] + (motion.end[0] - motion.start[0]) * t) * width
    cy = (motion.start[1] + (motion.end[1] - motion.start[1]) * t) * height
    flip = -1.0 if motion.flip_at is not None and t >= motion.flip_at else 1.0
    shear = motion.shear * math.sin(2 * math.pi * t)
    # crop coordinates, centred on the face's centre
    to_centre = np.array([[1, 0, -(fx + fw / 2)], [0, 1, -(fy + fh / 2)], [0, 0, 1]], float)
    linear = (
        np.array(
            [
                [math.cos(angle), -math.sin(angle), 0],
                [math.sin(angle), math.cos(angle), 0],
                [0, 0, 1],
            ]
        )
        @ np.array([[1, shear, 0], [0, 1, 0], [0, 0, 1]])
        @ np.array([[scale * flip, 0, 0], [0, scale, 0], [0, 0, 1]])
    )
    place = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], float)
    return place @ linear @ to_centre, scale


def _paste(frame: np.ndarray, src: _Source, matrix: np.ndarray) -> Box:
    height, width = frame.shape[:2]
    ch, cw = src.image.shape[:2]
    corners = np.array([[0, 0, 1], [cw, 0, 1], [0, ch, 1], [cw, ch, 1]], float).T
    mapped = (matrix @ corners)[:2]
    x1 = max(0, math.floor(mapped[0].min()))
    y1 = max(0, math.floor(mapped[1].min()))
    x2 = min(width, math.ceil(mapped[0].max()))
    y2 = min(height, math.ceil(mapped[1].max()))
    if x2 > x1 and y2 > y1:
        local = matrix.copy()
        local[0, 2] -= x1
        local[1, 2] -= y1
        size = (x2 - x1, y2 - y1)
        warped = cv2.warpAffine(src.image, local[:2], size, flags=cv2.INTER_LINEAR)
        mask = cv2.warpAffine(
            np.full((ch, cw), 255, np.uint8), local[:2], size, flags=cv2.INTER_LINEAR
        )
        roi = frame[y1:y2, x1:x2]
        alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
        roi[:] = (warped * alpha + roi * (1 - alpha)).astype(np.uint8)
    fx, fy, fw, fh = src.face
    face = np.array(
        [[fx, fy, 1], [fx + fw, fy, 1], [fx, fy + fh, 1], [fx + fw, fy + fh, 1]], float
    ).T
    fm = (matrix @ face)[:2]
    bx1, by1 = max(0.0, fm[0].min()), max(0.0, fm[1].min())
    bx2, by2 = min(float(width), fm[0].max()), min(float(height), fm[1].max())
    return Box(bx1, by1, max(0.0, bx2 - bx1), max(0.0, by2 - by1))


def render(
    width: int = 1280, height: int = 720, fps: float = 25.0, seconds: float = 8.0
) -> tuple[list[np.ndarray], list[list[TruthFace]]]:
    """The frames (RGB) and the truth, in memory (8 s of 720p is about 550 MB: tests use
    small sizes; make_clip streams instead)."""
    frames: list[np.ndarray] = []
    truth: list[list[TruthFace]] = []
    for frame, faces in _frames(width, height, fps, seconds):
        frames.append(frame)
        truth.append(faces)
    return frames, truth


def _frames(width: int, height: int, fps: float, seconds: float):  # type: ignore[no-untyped-def]
    sources = _sources()
    background = _background(width, height)
    total = max(1, round(seconds * fps))
    px, py, pw, ph = _PANEL
    panel = Box(px * width, py * height, pw * width, ph * height)
    for index in range(total):
        t = index / max(1, total - 1)
        frame = background.copy()
        faces: list[TruthFace] = []
        for number, motion in enumerate(_MOTIONS):
            src = sources[motion.source]
            matrix, _ = _matrix(src, motion, t, width, height)
            box = _paste(frame, src, matrix)
            occluded = number == len(_MOTIONS) - 1
            visible = 1.0 - (panel.overlap_of(box) if occluded else 0.0)
            faces.append(TruthFace(number, box, visible))
        x1, y1 = round(panel.x), round(panel.y)
        frame[y1 : y1 + round(panel.h), x1 : x1 + round(panel.w)] = (60, 90, 140)
        yield frame, faces


def make_clip(
    directory: Path,
    *,
    width: int = 1280,
    height: int = 720,
    fps: float = 25.0,
    seconds: float = 8.0,
    audio: bool = False,
    name: str = "synthetic.mp4",
) -> Clip:
    """Write the clip to directory/name and return it with its truth."""
    path = Path(directory) / name
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
        str(fps),
        "-i",
        "-",
    ]
    if audio:
        cmd += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac"]
    cmd += [
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "16",
        "-pix_fmt",
        "yuv420p",
        "-metadata",
        "location=+40.6892-074.0445/",
        "-metadata",
        "title=synthetic faces",
        "-shortest",
        str(path),
    ]
    process = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert process.stdin is not None
    truth: list[list[TruthFace]] = []
    for frame, faces in _frames(width, height, fps, seconds):
        process.stdin.write(frame.tobytes())
        truth.append(faces)
    process.stdin.close()
    if process.wait() != 0:
        raise RuntimeError("ffmpeg could not write the synthetic clip")
    return Clip(path, width, height, fps, len(truth), truth)


# ---------------------------------------------------------------------------------------------
# Measuring an output against the truth.

DETAIL = 24.0  # gradient magnitude (grey levels per pixel) that counts as detail
REMOVED = 0.4  # detail is removed where the output's gradient is at most 40 % of the original's
COVERED = 0.9  # a face counts as blurred when at least 90 % of its detail is removed
MIN_VISIBLE = 0.5  # faces mostly behind the panel are not counted


def _gradient(grey: np.ndarray) -> np.ndarray:
    smooth = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 0.8)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    return np.asarray(np.hypot(gx, gy) / 4.0)


def removed_share(original: np.ndarray, output: np.ndarray, box: Box) -> float:
    """The share of the face's detail pixels (inside the ellipse inscribed in `box`) whose
    detail is gone in `output`. 1.0 when the face has no detail pixel at all."""
    height, width = original.shape[:2]
    x1, y1 = max(0, int(box.x)), max(0, int(box.y))
    x2, y2 = min(width, math.ceil(box.x2)), min(height, math.ceil(box.y2))
    if x2 - x1 < 3 or y2 - y1 < 3:
        return 1.0
    a = _gradient(cv2.cvtColor(original[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY))
    b = _gradient(cv2.cvtColor(output[y1:y2, x1:x2], cv2.COLOR_RGB2GRAY))
    mask = np.zeros(a.shape, np.uint8)
    cx, cy = box.x + box.w / 2 - x1, box.y + box.h / 2 - y1
    cv2.ellipse(
        mask, (round(cx), round(cy)), (round(box.w / 2), round(box.h / 2)), 0, 0, 360, 1, -1
    )
    detail = (a >= DETAIL) & (mask > 0)
    if detail.sum() < 5:
        return 1.0
    gone = detail & (b <= REMOVED * a)
    return float(gone.sum() / detail.sum())


def missed(clip: Clip, output: Path) -> list[tuple[int, int]]:
    """(frame, face) pairs of visible known faces that the output did not blur: less than
    COVERED of the face's detail removed. Re-renders the original frames (deterministic)."""
    from redaction.media import probe
    from redaction.video import frames_of

    info = probe(output, max_bytes=2**40, max_seconds=3600, max_pixels=10**9)
    out: list[tuple[int, int]] = []
    originals = _frames(clip.width, clip.height, clip.fps, clip.frames / clip.fps)
    for index, (frame, (original, faces)) in enumerate(
        zip(frames_of(output, info), originals, strict=False)
    ):
        if frame.shape[:2] != original.shape[:2]:
            frame = cv2.resize(frame, (original.shape[1], original.shape[0]))
        for face in faces:
            if face.visible < MIN_VISIBLE or face.box.w < 4:
                continue
            if removed_share(original, frame, face.box) < COVERED:
                out.append((index, face.face))
    return out
