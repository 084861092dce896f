"""Face test fixtures: engines and images loaded once per session, a fake insightface pack."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from skimage import data as skdata

from recognition.faces import DlibFaceEngine, create_face_engine
from recognition.images import RGBImage
from tests.recognition.faces._faces_support import (
    build_arcface,
    build_landmark_decoy,
    build_scrfd,
    insightface_image,
)


@pytest.fixture(scope="session")
def dlib_engine() -> DlibFaceEngine:
    engine = create_face_engine()
    assert isinstance(engine, DlibFaceEngine)
    engine.warmup()
    return engine


@pytest.fixture(scope="session")
def astronaut() -> RGBImage:
    return np.ascontiguousarray(skdata.astronaut())


@pytest.fixture(scope="session")
def group_photo() -> RGBImage:
    return insightface_image("t1.jpg")


@pytest.fixture(scope="session")
def fake_pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A buffalo-like folder: a landmark decoy sorting first, a detector and a recogniser."""
    folder = tmp_path_factory.mktemp("fake_buffalo")
    build_landmark_decoy(folder / "1k3d68.onnx")
    build_scrfd(folder / "det_fake.onnx")
    build_arcface(folder / "w600k_fake.onnx")
    return folder
