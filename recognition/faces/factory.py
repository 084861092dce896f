"""Build a face engine from a backend config (picklable, so a pool can build it per worker)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from recognition.errors import BackendUnavailable
from recognition.faces.base import FaceEngine, FaceMatchConfig
from recognition.faces.dlib_backend import DlibConfig, DlibFaceEngine
from recognition.faces.insightface_backend import InsightFaceConfig, InsightFaceEngine

FaceBackendConfig = DlibConfig | InsightFaceConfig
BACKENDS = ("dlib", "insightface")


def face_backend_config(
    backend: str = "dlib",
    *,
    model_dir: str | Path | None = None,
    match_threshold: float | None = None,
    possible_threshold: float | None = None,
) -> FaceBackendConfig:
    """A config from plain settings; thresholds left None keep the backend's defaults.

    `model_dir` is the pack folder for insightface (required) and an optional folder of dlib's
    `.dat` files for dlib.
    """
    config: FaceBackendConfig
    if backend == "dlib":
        config = DlibConfig(models_dir=str(model_dir) if model_dir else None)
    elif backend == "insightface":
        if not model_dir:
            raise BackendUnavailable("the insightface backend needs a model folder")
        config = InsightFaceConfig(model_dir=str(model_dir))
    else:
        raise BackendUnavailable(f"unknown face backend {backend!r}; choose from {BACKENDS}")
    if match_threshold is None and possible_threshold is None:
        return config
    match = FaceMatchConfig(
        match_threshold=config.match.match_threshold
        if match_threshold is None
        else match_threshold,
        possible_threshold=config.match.possible_threshold
        if possible_threshold is None
        else possible_threshold,
        metric=config.match.metric,
    )
    return replace(config, match=match)


def create_face_engine(config: FaceBackendConfig | None = None) -> FaceEngine:
    """The engine for `config` (default: dlib). Models load lazily or on `warmup()`."""
    if config is None or isinstance(config, DlibConfig):
        return DlibFaceEngine(config)
    return InsightFaceEngine(config)
