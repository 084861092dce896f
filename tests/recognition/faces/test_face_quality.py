"""Quality metrics and the face-selection policy, on a stub backend (no models)."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from recognition.errors import FaceBlurred, FacePose, FaceTooSmall, NoFace, SeveralFaces
from recognition.faces import Box, DetectedFace, FaceMatchConfig, QualityConfig
from recognition.faces.dlib_backend import DlibConfig, eye_centres, needs_upsample_pass
from recognition.faces.engine import Found, PipelineEngine
from recognition.faces.quality import assess, pose, quality_error, sharpness
from recognition.images import RGBImage

CONFIG = QualityConfig()


def textured(seed: int = 0) -> RGBImage:
    noise = np.random.default_rng(seed).integers(0, 256, (112, 112, 1), dtype=np.uint8)
    return np.repeat(noise, 3, axis=2)


def test_sharpness_drops_with_blur(astronaut: RGBImage) -> None:
    crop = np.ascontiguousarray(astronaut[80:200, 160:280])
    sharp = sharpness(crop)
    blurred = sharpness(cv2.GaussianBlur(crop, (0, 0), 3))
    assert sharp > CONFIG.min_sharpness > blurred


def test_frontal_pose() -> None:
    result = pose((100.0, 100.0), (140.0, 100.0), (120.0, 125.0))
    assert result.yaw == 0.0
    assert result.roll_deg == 0.0
    assert result.nose_drop == pytest.approx(25 / 40)
    assert result.eye_distance == 40.0


def test_turned_face_fails_pose_with_typed_error() -> None:
    turned = pose((100.0, 100.0), (140.0, 100.0), (142.0, 125.0))  # nose past the right eye
    quality = assess(face_px=100, pose_=turned, aligned=textured(), config=CONFIG)
    assert not quality.ok
    assert quality.problems == (FacePose.code,)
    assert isinstance(quality_error(quality), FacePose)


def test_landmark_sanity_catches_nose_above_the_eyes() -> None:
    upside = pose((100.0, 100.0), (140.0, 100.0), (120.0, 80.0))
    quality = assess(face_px=100, pose_=upside, aligned=textured(), config=CONFIG)
    assert FacePose.code in quality.problems


def test_problems_are_listed_in_order_size_blur_pose() -> None:
    flat = np.full((112, 112, 3), 128, np.uint8)
    turned = pose((100.0, 100.0), (140.0, 100.0), (150.0, 125.0))
    quality = assess(face_px=30, pose_=turned, aligned=flat, config=CONFIG)
    assert quality.problems == (FaceTooSmall.code, FaceBlurred.code, FacePose.code)
    assert isinstance(quality_error(quality), FaceTooSmall)


def test_dlib_landmark_layout_gives_image_left_eye_first() -> None:
    points = ((150.0, 100.0), (130.0, 100.0), (70.0, 100.0), (90.0, 100.0), (110.0, 130.0))
    left, right, nose = eye_centres(points)
    assert left == (80.0, 100.0)
    assert right == (140.0, 100.0)
    assert nose == (110.0, 130.0)


def test_upsample_pass_rule() -> None:
    config = DlibConfig()
    assert needs_upsample_pass(500 * 400, found_any=True, config=config)
    assert not needs_upsample_pass(1280 * 960, found_any=True, config=config)
    assert needs_upsample_pass(1280 * 960, found_any=False, config=config)
    assert not needs_upsample_pass(4000 * 3000, found_any=False, config=config)


# policy -----------------------------------------------------------------------------------------


def face(left: int, side: int, *, blurred: bool = False) -> Found:
    eye_y = 40.0 + side * 0.4
    frontal = pose(
        (left + side * 0.3, eye_y),
        (left + side * 0.7, eye_y),
        (left + side / 2, eye_y + side * 0.3),
    )
    crop = np.full((112, 112, 3), 128, np.uint8) if blurred else textured(left)
    quality = assess(face_px=side, pose_=frontal, aligned=crop, config=CONFIG)
    detected = DetectedFace(
        box=Box(left, 40, left + side, 40 + side), landmarks=(), score=1.0, quality=quality
    )
    return Found(face=detected, aligned=crop)


class StubEngine(PipelineEngine):
    name = "stub"
    embedding_size = 3

    def __init__(self, found: list[Found]) -> None:
        self.found = found
        self.embedded = 0

    @property
    def match_config(self) -> FaceMatchConfig:
        return FaceMatchConfig(0.3, 0.4)

    @property
    def quality_config(self) -> QualityConfig:
        return CONFIG

    @property
    def max_faces(self) -> int:
        return 2

    def warmup(self) -> None:
        return None

    def _find(self, image: RGBImage) -> list[Found]:
        return list(self.found)

    def _align(self, image: RGBImage, face: DetectedFace) -> RGBImage:
        return next(f.aligned for f in self.found if f.face == face)

    def _embed_aligned(self, crops: Sequence[RGBImage]) -> NDArray[np.floating]:
        self.embedded += len(crops)
        return np.array([[float(crop.mean()), 2.0, 2.0] for crop in crops])


IMAGE = np.zeros((10, 10, 3), np.uint8)


def test_single_face_needs_a_face() -> None:
    with pytest.raises(NoFace):
        StubEngine([]).single_face(IMAGE)


def test_single_face_refuses_two_usable_sized_faces() -> None:
    with pytest.raises(SeveralFaces, match="2 faces"):
        StubEngine([face(0, 100), face(200, 90)]).single_face(IMAGE)


def test_a_blurred_second_face_of_usable_size_still_makes_it_ambiguous() -> None:
    with pytest.raises(SeveralFaces):
        StubEngine([face(0, 100), face(200, 90, blurred=True)]).single_face(IMAGE)


def test_small_background_faces_are_ignored() -> None:
    engine = StubEngine([face(0, 30), face(100, 120), face(300, 25)])
    result = engine.single_face(IMAGE)
    assert result.face.box.left == 100
    assert np.linalg.norm(result.embedding) == pytest.approx(1.0)
    assert result.embedding.dtype == np.float32
    assert engine.embedded == 1


def test_only_small_faces_raise_too_small() -> None:
    with pytest.raises(FaceTooSmall, match="30 px"):
        StubEngine([face(0, 30), face(100, 20)]).single_face(IMAGE)


def test_one_blurred_face_raises_blurred() -> None:
    with pytest.raises(FaceBlurred):
        StubEngine([face(0, 100, blurred=True)]).single_face(IMAGE)


def test_analyze_embeds_usable_faces_largest_first_capped() -> None:
    engine = StubEngine([face(0, 70), face(100, 120), face(300, 25), face(400, 90)])
    results = engine.analyze(IMAGE)
    assert [r.face.box.left for r in results] == [100, 400]  # max_faces = 2
    everything = StubEngine([face(0, 70), face(300, 25)]).analyze(IMAGE, include_unusable=True)
    assert [r.face.quality.ok for r in everything] == [True, False]


def test_detect_lists_every_face_with_its_verdict_largest_first() -> None:
    faces = StubEngine([face(0, 30), face(100, 120, blurred=True)]).detect(IMAGE)
    assert [f.quality.problems for f in faces] == [(FaceBlurred.code,), (FaceTooSmall.code,)]


@pytest.mark.parametrize(
    "image",
    [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 4), np.uint8), np.zeros((10, 10, 3))],
)
def test_engines_refuse_arrays_that_are_not_rgb_uint8(image: np.ndarray) -> None:
    with pytest.raises(ValueError, match="RGB"):
        StubEngine([]).detect(image)


def test_non_contiguous_views_are_accepted() -> None:
    view = np.zeros((20, 20, 3), np.uint8)[:, ::-1]
    assert StubEngine([]).analyze(view) == []
