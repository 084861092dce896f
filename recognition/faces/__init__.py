"""Face detection, quality, embeddings and match bands behind one `FaceEngine` Protocol."""

from recognition.faces.base import (
    Box,
    DetectedFace,
    Embedding,
    FaceComparison,
    FaceEngine,
    FaceMatchConfig,
    FaceQuality,
    FaceResult,
    MatchBand,
    Metric,
    distance_to_similarity,
    similarity_to_distance,
)
from recognition.faces.dlib_backend import DLIB_MATCH, DlibConfig, DlibFaceEngine
from recognition.faces.factory import (
    BACKENDS,
    FaceBackendConfig,
    create_face_engine,
    face_backend_config,
)
from recognition.faces.insightface_backend import (
    ARCFACE_MATCH,
    InsightFaceConfig,
    InsightFaceEngine,
)
from recognition.faces.quality import QualityConfig

__all__ = [
    "ARCFACE_MATCH",
    "BACKENDS",
    "DLIB_MATCH",
    "Box",
    "DetectedFace",
    "DlibConfig",
    "DlibFaceEngine",
    "Embedding",
    "FaceBackendConfig",
    "FaceComparison",
    "FaceEngine",
    "FaceMatchConfig",
    "FaceQuality",
    "FaceResult",
    "InsightFaceConfig",
    "InsightFaceEngine",
    "MatchBand",
    "Metric",
    "QualityConfig",
    "create_face_engine",
    "distance_to_similarity",
    "face_backend_config",
    "similarity_to_distance",
]
