"""Default offline backend: dlib HOG detector, 5-point landmarks, 128-d ResNet embedding.

Models load once per process into a module-level cache; the engine object only holds its frozen
config, so it pickles cheaply into pool workers.

Detection cost grows with pixels (HOG ≈0.15 s/MP here, ×4 with one upsample), so:
1. detect on a copy whose longer side is at most `detect_max_side`, without upsampling
   (HOG's window is 80 px: this finds faces of ≥80 px at that scale);
2. run a second, upsampled pass (finds faces down to ≈40 px) only when the detection copy is
   small (≤ `upsample_max_pixels`, where small faces are likely and the pass is cheap), or when
   the first pass found nothing and the copy is at most `retry_max_pixels`. When the first pass
   found faces, the second pass only adds faces smaller than the window that overlap none of
   them (its larger boxes duplicate the first pass or are false positives, e.g. one on the
   astronaut's suit).
Landmarks and embeddings always use the full-resolution image.
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from recognition.errors import BackendUnavailable
from recognition.faces.base import Box, DetectedFace, FaceMatchConfig, Metric, Point
from recognition.faces.engine import Found, PipelineEngine
from recognition.faces.quality import QualityConfig, assess, pose
from recognition.images import RGBImage, downscale

# Thresholds are Euclidean distances between L2-NORMALISED dlib descriptors. They are not the
# "0.6" of dlib's documentation, which is on raw descriptors: raw norms here are 1.31-1.59, so a
# raw distance is ≈1.4× the normalised one. In raw space this set reproduces the issue (0.6 →
# 33 false accepts, 0.5 → 8 FA + 1 FR, 0.45 → 1 FA + 3 FR). Measured with this pipeline
# (DlibConfig defaults, usable faces only) by recognition.bench.faces.accuracy on ../shared/data:
#   faces_east_asian: 15 same / 121 different pairs; closest different 0.309 (jay_chou_1 ~
#     noh_hongchul_2), farthest same 0.366. MATCH (≤0.29): 10 same, 0 different.
#     POSSIBLE (≤0.40): 5 same, 23 different. NO_MATCH: 0 same.
#   faces (Western): 8 same / 198 different pairs (6 faces under 60 px rejected as too small;
#     two_people.jpg left out of same pairs: a composite of photos in the set); closest
#     different 0.439, farthest same 0.361. MATCH: 7 same, 0 different; POSSIBLE: 1 same,
#     0 different; NO_MATCH: 0 same.
#   Both sets pooled (676 different pairs): 0 different in MATCH; 17/23 same in MATCH, 6 in
#   POSSIBLE, 0 missed. 0.29 leaves a 0.019 margin under the closest different pair; 0.40
#   keeps 0.034 above the farthest same pair.
DLIB_MATCH = FaceMatchConfig(
    match_threshold=0.29, possible_threshold=0.40, metric=Metric.EUCLIDEAN
)

HOG_WINDOW = 80
CHIP_SIZE = 150
CHIP_PADDING = 0.25
EMBEDDING_SIZE = 128
PREDICTOR_FILE = "shape_predictor_5_face_landmarks.dat"
RECOGNIZER_FILE = "dlib_face_recognition_resnet_model_v1.dat"


@dataclass(frozen=True, slots=True)
class DlibConfig:
    models_dir: str | None = None  # None: the installed face_recognition_models package
    detect_max_side: int = 1280
    upsample_max_pixels: int = 600_000
    retry_max_pixels: int = 2_000_000
    # HOG scores: every real face in ../shared/data scores ≥ 0.21 (most ≥ 0.6); the false
    # positives seen (astronaut's suit, car photos) score below 0.05, one at 0.15
    adjust_threshold: float = 0.1
    num_jitters: int = 0  # >0 averages jittered copies: slower by that factor
    max_faces: int = 10  # analyze() embeds at most this many faces (largest first)
    quality: QualityConfig = field(default_factory=QualityConfig)
    match: FaceMatchConfig = DLIB_MATCH


@dataclass(frozen=True, slots=True)
class DlibModels:
    detector: Any
    predictor: Any
    recognizer: Any


_MODELS: dict[str, DlibModels] = {}
_LOCK = threading.Lock()


def default_models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise BackendUnavailable("face_recognition_models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def load_models(models_dir: str | None = None) -> DlibModels:
    """The process-wide dlib models for `models_dir`, loaded on first use (≈0.6 s)."""
    folder = Path(models_dir) if models_dir else default_models_dir()
    key = str(folder)
    with _LOCK:
        cached = _MODELS.get(key)
        if cached is not None:
            return cached
        try:
            import dlib
        except ImportError as exc:
            raise BackendUnavailable(f"dlib cannot be imported: {exc}") from exc
        missing = [n for n in (PREDICTOR_FILE, RECOGNIZER_FILE) if not (folder / n).is_file()]
        if missing:
            raise BackendUnavailable(f"missing dlib model files in {folder}: {missing}")
        models = DlibModels(
            detector=dlib.get_frontal_face_detector(),
            predictor=dlib.shape_predictor(str(folder / PREDICTOR_FILE)),
            recognizer=dlib.face_recognition_model_v1(str(folder / RECOGNIZER_FILE)),
        )
        _MODELS[key] = models
        return models


def needs_upsample_pass(pixels: int, found_any: bool, config: DlibConfig) -> bool:
    """Whether to run the upsampled HOG pass on a detection copy of `pixels` pixels."""
    if pixels <= config.upsample_max_pixels:
        return True
    return not found_any and pixels <= config.retry_max_pixels


def eye_centres(landmarks: Sequence[Point]) -> tuple[Point, Point, Point]:
    """(image-left eye, image-right eye, nose) from dlib's 5 points.

    dlib's layout: 0-1 corners of the eye on the image's right, 2-3 of the one on the left,
    4 the base of the nose.
    """
    (x0, y0), (x1, y1), (x2, y2), (x3, y3), nose = landmarks
    return ((x2 + x3) / 2, (y2 + y3) / 2), ((x0 + x1) / 2, (y0 + y1) / 2), nose


class DlibFaceEngine(PipelineEngine):
    name = "dlib"
    embedding_size = EMBEDDING_SIZE

    def __init__(self, config: DlibConfig | None = None) -> None:
        self.config = config or DlibConfig()

    @property
    def match_config(self) -> FaceMatchConfig:
        return self.config.match

    @property
    def quality_config(self) -> QualityConfig:
        return self.config.quality

    @property
    def max_faces(self) -> int:
        return self.config.max_faces

    def warmup(self) -> None:
        load_models(self.config.models_dir)

    def _models(self) -> DlibModels:
        return load_models(self.config.models_dir)

    def hog_boxes(self, image: RGBImage) -> list[tuple[Any, float]]:
        """HOG detections as (dlib.rectangle in source pixels, score)."""
        import dlib

        config = self.config
        detector = self._models().detector
        small, scale = downscale(image, config.detect_max_side)
        rects, scores, _ = detector.run(small, 0, config.adjust_threshold)
        found = list(zip(rects, scores, strict=True))
        if needs_upsample_pass(small.shape[0] * small.shape[1], bool(found), config):
            more, more_scores, _ = detector.run(small, 1, config.adjust_threshold)
            found += [
                (rect, score)
                for rect, score in zip(more, more_scores, strict=True)
                if not found
                or (min(rect.width(), rect.height()) < HOG_WINDOW and not _overlaps(rect, found))
            ]
        if scale == 1.0:
            return [(rect, float(score)) for rect, score in found]
        return [
            (
                dlib.rectangle(
                    round(r.left() / scale),
                    round(r.top() / scale),
                    round(r.right() / scale),
                    round(r.bottom() / scale),
                ),
                float(score),
            )
            for r, score in found
        ]

    def _find(self, image: RGBImage) -> list[Found]:
        import dlib

        models = self._models()
        height, width = image.shape[:2]
        results = []
        for rect, score in self.hog_boxes(image):
            shape = models.predictor(image, rect)
            landmarks = tuple((float(p.x), float(p.y)) for p in shape.parts())
            chip: RGBImage = np.asarray(
                dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING),
                dtype=np.uint8,
            )
            quality = assess(
                face_px=float(min(rect.width(), rect.height())),
                pose_=pose(*eye_centres(landmarks)),
                aligned=chip,
                config=self.config.quality,
            )
            box = Box(
                left=max(0, rect.left()),
                top=max(0, rect.top()),
                right=min(width, rect.right()),
                bottom=min(height, rect.bottom()),
            )
            face = DetectedFace(box=box, landmarks=landmarks, score=score, quality=quality)
            results.append(Found(face=face, aligned=chip))
        return results

    def _align(self, image: RGBImage, face: DetectedFace) -> RGBImage:
        import dlib

        box = face.box
        shape = dlib.full_object_detection(
            dlib.rectangle(box.left, box.top, box.right, box.bottom),
            [dlib.point(round(x), round(y)) for x, y in face.landmarks],
        )
        chip = dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        return np.asarray(chip, dtype=np.uint8)

    def _embed_aligned(self, crops: Sequence[RGBImage]) -> NDArray[np.floating]:
        recognizer = self._models().recognizer
        vectors = recognizer.compute_face_descriptor(list(crops), self.config.num_jitters)
        return np.array([np.asarray(v, dtype=np.float64) for v in vectors], dtype=np.float64)


def _overlaps(rect: Any, found: list[tuple[Any, Any]]) -> bool:
    centre = rect.center()
    return any(other.contains(centre) for other, _ in found)
