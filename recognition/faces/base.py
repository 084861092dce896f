"""Face engine contract: the Protocol, its result dataclasses and the three match bands.

Every backend returns L2-normalised float32 embeddings, so a comparison is one dot product
(cosine similarity). Each backend states its thresholds in its own documented space through
`FaceMatchConfig.metric`:

- `Metric.EUCLIDEAN`: Euclidean distance between the *normalised* embeddings,
  `d = sqrt(2 - 2 * similarity)`; lower is closer (dlib).
- `Metric.COSINE`: cosine similarity itself; higher is closer (ArcFace).

`FaceMatchConfig.band()` takes a cosine similarity (what the gallery returns) and converts it to
the configured space, so callers never convert by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from recognition.images import RGBImage

Embedding = NDArray[np.float32]
Point = tuple[float, float]


class MatchBand(StrEnum):
    MATCH = "match"
    POSSIBLE = "possible"  # a person must confirm before anything is acted on
    NO_MATCH = "no_match"


class Metric(StrEnum):
    EUCLIDEAN = "euclidean"
    COSINE = "cosine"


def similarity_to_distance(similarity: float) -> float:
    """Euclidean distance between two unit vectors whose dot product is `similarity`."""
    return math.sqrt(max(0.0, 2.0 - 2.0 * similarity))


def distance_to_similarity(distance: float) -> float:
    return 1.0 - distance * distance / 2.0


@dataclass(frozen=True, slots=True)
class FaceMatchConfig:
    """Thresholds of the MATCH and POSSIBLE bands, in the space named by `metric`."""

    match_threshold: float
    possible_threshold: float
    metric: Metric = Metric.EUCLIDEAN

    def __post_init__(self) -> None:
        if self.metric is Metric.EUCLIDEAN:
            if not 0.0 <= self.match_threshold <= self.possible_threshold <= 2.0:
                raise ValueError("need 0 <= match_threshold <= possible_threshold <= 2")
        elif not -1.0 <= self.possible_threshold <= self.match_threshold <= 1.0:
            raise ValueError("need -1 <= possible_threshold <= match_threshold <= 1")

    @property
    def match_similarity(self) -> float:
        """The MATCH threshold as a cosine similarity (for filtering gallery scores)."""
        return self._to_similarity(self.match_threshold)

    @property
    def possible_similarity(self) -> float:
        return self._to_similarity(self.possible_threshold)

    def score(self, similarity: float) -> float:
        """`similarity` expressed in this config's space (a distance or a similarity)."""
        if self.metric is Metric.EUCLIDEAN:
            return similarity_to_distance(similarity)
        return similarity

    def band(self, similarity: float) -> MatchBand:
        value = self.score(similarity)
        if self.metric is Metric.EUCLIDEAN:
            if value <= self.match_threshold:
                return MatchBand.MATCH
            return MatchBand.POSSIBLE if value <= self.possible_threshold else MatchBand.NO_MATCH
        if value >= self.match_threshold:
            return MatchBand.MATCH
        return MatchBand.POSSIBLE if value >= self.possible_threshold else MatchBand.NO_MATCH

    def _to_similarity(self, threshold: float) -> float:
        if self.metric is Metric.EUCLIDEAN:
            return distance_to_similarity(threshold)
        return threshold


@dataclass(frozen=True, slots=True)
class FaceComparison:
    similarity: float  # cosine similarity of the normalised embeddings
    score: float  # the same in the backend's threshold space (see FaceMatchConfig.metric)
    band: MatchBand


@dataclass(frozen=True, slots=True)
class Box:
    """Face box in pixels of the image given to the engine (not of any downscaled copy)."""

    left: int
    top: int
    right: int
    bottom: int

    @property
    def width(self) -> int:
        return self.right - self.left

    @property
    def height(self) -> int:
        return self.bottom - self.top

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)


@dataclass(frozen=True, slots=True)
class FaceQuality:
    """Quality verdict of one face; `problems` holds error codes from `recognition.errors`."""

    ok: bool
    problems: tuple[str, ...]
    face_px: float  # the shorter side of the face box, in source-image pixels
    sharpness: float  # variance of the Laplacian on the aligned crop (see quality.py)
    yaw: float  # nose offset along the eye line / eye distance: 0 frontal, ±0.5 turned far
    roll_deg: float  # angle of the eye line
    nose_drop: float  # nose distance below the eye line / eye distance


@dataclass(frozen=True, slots=True)
class DetectedFace:
    box: Box
    landmarks: tuple[Point, ...]  # the backend's five points (layout per backend), source px
    score: float  # detector confidence in the backend's own scale
    quality: FaceQuality


@dataclass(frozen=True, slots=True)
class FaceResult:
    face: DetectedFace
    embedding: Embedding  # float32, L2-normalised, length FaceEngine.embedding_size


@runtime_checkable
class FaceEngine(Protocol):
    """detect → landmarks/align → quality → embed. Engines are picklable (config only)."""

    @property
    def name(self) -> str: ...

    @property
    def embedding_size(self) -> int: ...

    @property
    def match_config(self) -> FaceMatchConfig: ...

    def warmup(self) -> None:
        """Load the models now (once per process) instead of on the first image."""

    def detect(self, image: RGBImage) -> list[DetectedFace]:
        """Every face found, largest first, each with its quality verdict; no embeddings."""

    def embed(self, image: RGBImage, face: DetectedFace) -> FaceResult:
        """Embed one face previously returned by `detect` on the same image."""

    def analyze(self, image: RGBImage, *, include_unusable: bool = False) -> list[FaceResult]:
        """Detect and embed (the usable faces by default), largest first, capped per config."""

    def single_face(self, image: RGBImage) -> FaceResult:
        """The one face of an enrolment or search photo; raises a FaceError otherwise."""

    def compare(self, a: Embedding, b: Embedding) -> FaceComparison: ...
