"""Optional backend: an insightface pack (SCRFD detector + ArcFace recogniser) on ONNX Runtime CPU.

Weights are never downloaded: `model_dir` is a folder of .onnx files in the buffalo_l/buffalo_s
layout. Each file's role is read from its ONNX graph the way insightface's `ModelRouter` reads
it (five or more outputs: a detector; one square input of ≥112 px, a multiple of 16, that is
not a landmark/attribute model: a recogniser), then only the two needed files are loaded, with
`insightface.model_zoo.get_model(path)`, which must route them to `SCRFD` and `ArcFaceONNX`.
Faces are aligned with `insightface.utils.face_align.norm_crop(image, kps, 112)`.

Mind the licence: insightface's own pretrained packs are for non-commercial research only.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from recognition.errors import BackendUnavailable
from recognition.faces.base import Box, DetectedFace, FaceMatchConfig, Metric
from recognition.faces.engine import Found, PipelineEngine
from recognition.faces.quality import QualityConfig, assess, pose
from recognition.images import RGBImage

# Cosine-similarity space. These are typical ArcFace (w600k) operating points, NOT calibrated
# here (no weights on this machine): the operator must calibrate them on their own population
# with recognition.bench.faces (zero different-person pairs in MATCH) before relying on MATCH.
ARCFACE_MATCH = FaceMatchConfig(
    match_threshold=0.45, possible_threshold=0.30, metric=Metric.COSINE
)

EMBEDDING_SIZE = 512
Role = Literal["detection", "recognition"]
_NON_RECOGNISER_SIDES = (192, 96)  # landmark and attribute models of a pack


@dataclass(frozen=True, slots=True)
class InsightFaceConfig:
    model_dir: str
    detector_file: str | None = None  # a file name in model_dir; None: found by graph shape
    recognizer_file: str | None = None
    det_size: tuple[int, int] = (640, 640)  # (width, height) fed to SCRFD
    det_thresh: float = 0.5
    threads: int = 1  # ONNX Runtime intra-op threads per process (one pool worker per core)
    max_faces: int = 10
    quality: QualityConfig = field(default_factory=QualityConfig)
    match: FaceMatchConfig = ARCFACE_MATCH


@dataclass(frozen=True, slots=True)
class InsightFaceModels:
    detector: Any  # insightface.model_zoo.scrfd.SCRFD
    recognizer: Any  # insightface.model_zoo.arcface_onnx.ArcFaceONNX
    detector_path: Path
    recognizer_path: Path


_MODELS: dict[tuple[str, str | None, str | None, int], InsightFaceModels] = {}
_LOCK = threading.Lock()


def onnx_role(path: Path) -> Role | None:
    """What insightface's router would make of this ONNX file, read without a session."""
    import onnx

    try:
        model = onnx.load(str(path), load_external_data=False)
    except Exception as exc:  # onnx raises DecodeError, OSError or ValueError
        raise BackendUnavailable(f"cannot read {path.name}: {exc}") from exc
    graph = model.graph
    if len(graph.output) >= 5:
        return "detection"
    initialisers = {tensor.name for tensor in graph.initializer}
    inputs = [value for value in graph.input if value.name not in initialisers]
    if len(inputs) != 1:
        return None
    dims = [d.dim_value for d in inputs[0].type.tensor_type.shape.dim]
    if len(dims) != 4:
        return None
    side = dims[2]
    if side == dims[3] and side >= 112 and side % 16 == 0 and side not in _NON_RECOGNISER_SIDES:
        return "recognition"
    return None


def load_models(config: InsightFaceConfig) -> InsightFaceModels:
    """The process-wide detector and recogniser for `config`, loaded on first use."""
    folder = Path(config.model_dir).expanduser()
    key = (str(folder.resolve()), config.detector_file, config.recognizer_file, config.threads)
    with _LOCK:
        cached = _MODELS.get(key)
        if cached is None:
            cached = _load(folder, config)
            _MODELS[key] = cached
        return cached


def _load(folder: Path, config: InsightFaceConfig) -> InsightFaceModels:
    if not folder.is_dir():
        raise BackendUnavailable(f"insightface model folder {folder} does not exist")
    try:
        import onnxruntime
        from insightface.model_zoo import get_model
        from insightface.model_zoo.arcface_onnx import ArcFaceONNX
        from insightface.model_zoo.scrfd import SCRFD
    except ImportError as exc:
        raise BackendUnavailable(f"insightface cannot be imported: {exc}") from exc
    detector_path = _pick(folder, config.detector_file, "detection")
    recognizer_path = _pick(folder, config.recognizer_file, "recognition")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = config.threads
    options.inter_op_num_threads = 1
    loaded = []
    for path in (detector_path, recognizer_path):
        try:
            model = get_model(str(path), providers=["CPUExecutionProvider"], sess_options=options)
        except Exception as exc:  # onnxruntime raises its own exception types
            raise BackendUnavailable(f"cannot load {path.name}: {exc}") from exc
        loaded.append(model)
    detector, recognizer = loaded
    if not isinstance(detector, SCRFD):
        raise BackendUnavailable(f"{detector_path.name} is not routed to SCRFD")
    if not detector.use_kps:
        raise BackendUnavailable(f"{detector_path.name} gives no keypoints to align faces")
    if not isinstance(recognizer, ArcFaceONNX):
        raise BackendUnavailable(f"{recognizer_path.name} is not routed to ArcFaceONNX")
    if recognizer.output_shape[-1] != EMBEDDING_SIZE:
        raise BackendUnavailable(f"{recognizer_path.name} does not give {EMBEDDING_SIZE}-d output")
    return InsightFaceModels(detector, recognizer, detector_path, recognizer_path)


def _pick(folder: Path, name: str | None, role: Role) -> Path:
    if name is not None:
        path = folder / name
        if not path.is_file():
            raise BackendUnavailable(f"configured {role} model {path} does not exist")
        return path
    files = sorted(folder.glob("*.onnx"))
    for path in files:
        if onnx_role(path) == role:
            return path
    raise BackendUnavailable(f"no {role} model among {[p.name for p in files]} in {folder}")


class InsightFaceEngine(PipelineEngine):
    name = "insightface"
    embedding_size = EMBEDDING_SIZE

    def __init__(self, config: InsightFaceConfig) -> None:
        self.config = config

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
        load_models(self.config)

    def _find(self, image: RGBImage) -> list[Found]:
        models = load_models(self.config)
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        boxes, keypoints = models.detector.detect(
            bgr, input_size=self.config.det_size, det_thresh=self.config.det_thresh
        )
        height, width = image.shape[:2]
        found = []
        for row, kps in zip(np.asarray(boxes), np.asarray(keypoints), strict=True):
            left, top, right, bottom, score = (float(v) for v in row)
            landmarks = tuple((float(x), float(y)) for x, y in kps)
            aligned = self._crop(models, bgr, kps)
            quality = assess(
                face_px=min(right - left, bottom - top),
                pose_=pose(landmarks[0], landmarks[1], landmarks[2]),
                aligned=np.ascontiguousarray(aligned[:, :, ::-1]),
                config=self.config.quality,
            )
            box = Box(
                left=max(0, round(left)),
                top=max(0, round(top)),
                right=min(width, round(right)),
                bottom=min(height, round(bottom)),
            )
            face = DetectedFace(box=box, landmarks=landmarks, score=score, quality=quality)
            found.append(Found(face=face, aligned=aligned))
        return found

    def _align(self, image: RGBImage, face: DetectedFace) -> RGBImage:
        bgr = np.ascontiguousarray(image[:, :, ::-1])
        kps = np.asarray(face.landmarks, dtype=np.float32)
        return self._crop(load_models(self.config), bgr, kps)

    @staticmethod
    def _crop(models: InsightFaceModels, bgr: RGBImage, kps: NDArray[Any]) -> RGBImage:
        """The ArcFace-aligned crop, in BGR like everything insightface's models take."""
        from insightface.utils import face_align

        side = int(models.recognizer.input_size[0])
        with warnings.catch_warnings():
            # insightface 2.1 calls SimilarityTransform.estimate, deprecated by scikit-image 0.26
            warnings.filterwarnings("ignore", "`estimate` is deprecated", FutureWarning)
            crop = face_align.norm_crop(bgr, landmark=np.asarray(kps, np.float32), image_size=side)
        return np.asarray(crop, dtype=np.uint8)

    def _embed_aligned(self, crops: Sequence[RGBImage]) -> NDArray[np.floating]:
        recognizer = load_models(self.config).recognizer
        if recognizer.input_shape[0] == 1:  # a fixed batch of one
            rows = [np.asarray(recognizer.get_feat(crop)).reshape(-1) for crop in crops]
            return np.asarray(rows, dtype=np.float32)
        return np.asarray(recognizer.get_feat(list(crops)), dtype=np.float32)
