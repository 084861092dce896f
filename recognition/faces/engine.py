"""The pipeline every backend shares: choose faces, embed, normalise, compare."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from recognition.errors import FaceTooSmall, NoFace, RecognitionError, SeveralFaces
from recognition.faces.base import (
    DetectedFace,
    Embedding,
    FaceComparison,
    FaceMatchConfig,
    FaceResult,
)
from recognition.faces.quality import QualityConfig, quality_error
from recognition.images import RGBImage


@dataclass(frozen=True, slots=True)
class Found:
    """A detected face plus the backend's aligned crop, kept to embed without re-aligning."""

    face: DetectedFace
    aligned: RGBImage


def normalise(vectors: NDArray[np.floating]) -> NDArray[np.float32]:
    """Rows scaled to unit length (float32); refuses zero or non-finite rows."""
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim == 1:
        matrix = matrix[None, :]
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    if not np.all(np.isfinite(norms)) or np.any(norms < 1e-12):
        raise RecognitionError("degenerate face embedding")
    return np.ascontiguousarray(matrix / norms, dtype=np.float32)


def as_rgb(image: RGBImage) -> RGBImage:
    """The image as a C-contiguous H×W×3 uint8 array (what dlib and OpenCV need)."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected an H×W×3 uint8 RGB image, got {image.shape} {image.dtype}")
    return np.ascontiguousarray(image)


def order_faces(found: list[Found]) -> list[Found]:
    """Largest box first; ties broken left to right so the order is deterministic."""
    return sorted(found, key=lambda f: (-f.face.box.area, f.face.box.left, f.face.box.top))


class PipelineEngine(ABC):
    """Implements the FaceEngine Protocol on top of three backend hooks."""

    name: str
    embedding_size: int

    @property
    @abstractmethod
    def match_config(self) -> FaceMatchConfig: ...

    @property
    @abstractmethod
    def quality_config(self) -> QualityConfig: ...

    @property
    @abstractmethod
    def max_faces(self) -> int: ...

    @abstractmethod
    def warmup(self) -> None: ...

    @abstractmethod
    def _find(self, image: RGBImage) -> list[Found]:
        """Detect, landmark, align and judge every face, in any order."""

    @abstractmethod
    def _align(self, image: RGBImage, face: DetectedFace) -> RGBImage:
        """The aligned crop of a face given by its landmarks."""

    @abstractmethod
    def _embed_aligned(self, crops: Sequence[RGBImage]) -> NDArray[np.floating]:
        """Raw (not normalised) embeddings of aligned crops, one row each."""

    def detect(self, image: RGBImage) -> list[DetectedFace]:
        return [found.face for found in order_faces(self._find(as_rgb(image)))]

    def embed(self, image: RGBImage, face: DetectedFace) -> FaceResult:
        vector = normalise(self._embed_aligned([self._align(as_rgb(image), face)]))[0]
        return FaceResult(face=face, embedding=vector)

    def analyze(self, image: RGBImage, *, include_unusable: bool = False) -> list[FaceResult]:
        found = order_faces(self._find(as_rgb(image)))
        chosen = [f for f in found if include_unusable or f.face.quality.ok][: self.max_faces]
        return self._embed_found(chosen)

    def single_face(self, image: RGBImage) -> FaceResult:
        """Exactly one face at least `min_face_px` big must be present, and it must be usable.

        Smaller faces (people in the background) are ignored; two or more faces of usable size
        raise SeveralFaces even when one of them is blurred or turned, because the photo does
        not say which person is meant.
        """
        found = order_faces(self._find(as_rgb(image)))
        if not found:
            raise NoFace("no face found")
        sized = [f for f in found if FaceTooSmall.code not in f.face.quality.problems]
        if len(sized) > 1:
            raise SeveralFaces(f"{len(sized)} faces found")
        candidate = sized[0] if sized else found[0]
        error = quality_error(candidate.face.quality)
        if error is not None:
            raise error
        return self._embed_found([candidate])[0]

    def compare(self, a: Embedding, b: Embedding) -> FaceComparison:
        similarity = float(np.clip(np.dot(a, b), -1.0, 1.0))
        config = self.match_config
        return FaceComparison(
            similarity=similarity, score=config.score(similarity), band=config.band(similarity)
        )

    def _embed_found(self, found: list[Found]) -> list[FaceResult]:
        if not found:
            return []
        vectors = normalise(self._embed_aligned([f.aligned for f in found]))
        return [FaceResult(face=f.face, embedding=v) for f, v in zip(found, vectors, strict=True)]
