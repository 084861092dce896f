"""The recognition core's settings: one frozen, hashable object the app builds from `Settings`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from recognition.images import DEFAULT_MAX_PIXELS
from recognition.plates.text import DEFAULT_LOCAL_PROVINCE, PROVINCES

FaceBackend = Literal["dlib", "insightface"]


@dataclass(frozen=True, slots=True)
class RecognitionConfig:
    face_backend: FaceBackend = "dlib"
    insightface_model_dir: Path | None = None  # a folder of the pack's ONNX files
    face_match_threshold: float | None = None  # None: the backend's measured default
    face_possible_threshold: float | None = None
    plate_local_province: str = DEFAULT_LOCAL_PROVINCE
    plate_max_distance: int = 1
    workers: int = 1  # worker processes; 0 runs in-process on one background thread
    queue_size: int = 32  # jobs that may wait beyond one running per worker
    max_image_pixels: int = DEFAULT_MAX_PIXELS
    preload_faces: bool = True  # load the face models when the workers start

    def __post_init__(self) -> None:
        if self.face_backend not in ("dlib", "insightface"):
            raise ValueError(f"unknown face backend {self.face_backend!r}")
        if self.face_backend == "insightface" and self.insightface_model_dir is None:
            raise ValueError("the insightface backend needs insightface_model_dir")
        if self.plate_local_province not in PROVINCES:
            raise ValueError(f"{self.plate_local_province!r} is not a province character")
        if not 0 <= self.plate_max_distance <= 3:
            raise ValueError("plate_max_distance must be between 0 and 3")
        if self.workers < 0 or self.queue_size < 0:
            raise ValueError("workers and queue_size must be ≥ 0")
        if self.max_image_pixels < 1:
            raise ValueError("max_image_pixels must be positive")
