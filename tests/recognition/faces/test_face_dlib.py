"""The dlib backend on real images shipped in installed packages (models load once)."""

from __future__ import annotations

import pickle

import cv2
import numpy as np
import pytest
from skimage import data as skdata

from recognition.errors import FaceBlurred, FaceTooSmall, NoFace, SeveralFaces
from recognition.faces import DlibFaceEngine, MatchBand
from recognition.images import RGBImage
from tests.recognition.faces._faces_support import insightface_image

pytestmark = pytest.mark.slow


def test_astronaut_has_one_usable_face(dlib_engine: DlibFaceEngine, astronaut: RGBImage) -> None:
    result = dlib_engine.single_face(astronaut)
    box = result.face.box
    assert 170 < box.left < 200
    assert 75 < box.top < 100
    assert 80 < box.width < 100
    assert len(result.face.landmarks) == 5
    assert result.face.quality.ok
    assert result.embedding.shape == (128,)
    assert result.embedding.dtype == np.float32
    assert np.linalg.norm(result.embedding) == pytest.approx(1.0, abs=1e-5)


def test_embed_of_a_detected_face_matches_analyze(
    dlib_engine: DlibFaceEngine, astronaut: RGBImage
) -> None:
    (detected,) = dlib_engine.detect(astronaut)
    (analysed,) = dlib_engine.analyze(astronaut)
    again = dlib_engine.embed(astronaut, detected)
    assert np.allclose(again.embedding, analysed.embedding, atol=1e-6)
    assert dlib_engine.compare(again.embedding, analysed.embedding).band is MatchBand.MATCH


def test_a_different_person_is_no_match(dlib_engine: DlibFaceEngine, astronaut: RGBImage) -> None:
    hanks = dlib_engine.single_face(insightface_image("Tom_Hanks_54745.png"))
    eileen = dlib_engine.single_face(astronaut)
    assert dlib_engine.compare(hanks.embedding, eileen.embedding).band is MatchBand.NO_MATCH


@pytest.mark.parametrize("name", ["rocket", "coffee"])
def test_photos_without_faces_raise_no_face(dlib_engine: DlibFaceEngine, name: str) -> None:
    image = getattr(skdata, name)()
    assert dlib_engine.analyze(image) == []
    with pytest.raises(NoFace):
        dlib_engine.single_face(image)


def test_group_photo_raises_several_faces(
    dlib_engine: DlibFaceEngine, group_photo: RGBImage
) -> None:
    with pytest.raises(SeveralFaces, match="6 faces"):
        dlib_engine.single_face(group_photo)


def test_group_photo_analyze_embeds_every_face(
    dlib_engine: DlibFaceEngine, group_photo: RGBImage
) -> None:
    results = dlib_engine.analyze(group_photo)
    assert len(results) == 6
    areas = [r.face.box.area for r in results]
    assert areas == sorted(areas, reverse=True)
    matrix = np.stack([r.embedding for r in results])
    assert np.allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)
    similarity = matrix @ matrix.T
    off_diagonal = similarity[~np.eye(6, dtype=bool)]
    assert all(dlib_engine.match_config.band(float(s)) is MatchBand.NO_MATCH for s in off_diagonal)


def test_tiny_face_in_a_big_photo_raises_too_small(
    dlib_engine: DlibFaceEngine, astronaut: RGBImage
) -> None:
    small = cv2.resize(astronaut, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    canvas = np.full((1400, 1400, 3), 180, np.uint8)
    canvas[300 : 300 + small.shape[0], 300 : 300 + small.shape[1]] = small
    # found only by the upsampled retry pass: the first pass sees no face
    faces = dlib_engine.detect(canvas)
    assert faces
    assert all(f.quality.face_px < 60 for f in faces)
    with pytest.raises(FaceTooSmall):
        dlib_engine.single_face(canvas)


def test_blurred_face_raises_blurred(dlib_engine: DlibFaceEngine, astronaut: RGBImage) -> None:
    blurred = cv2.GaussianBlur(astronaut, (0, 0), 3)
    with pytest.raises(FaceBlurred):
        dlib_engine.single_face(blurred)


def test_small_photo_gets_the_upsampled_pass_and_background_faces_are_ignored(
    dlib_engine: DlibFaceEngine, astronaut: RGBImage
) -> None:
    canvas = np.full((512, 800, 3), 180, np.uint8)  # 0.41 MP: small enough to upsample
    canvas[:, :512] = astronaut
    small = cv2.resize(astronaut, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    canvas[200:456, 530:786] = small  # a 44-px face: below HOG's 80-px window without upsampling
    big, background = dlib_engine.detect(canvas)
    assert big.quality.ok
    assert background.box.left > 600
    assert background.quality.problems == (FaceTooSmall.code,)
    assert dlib_engine.single_face(canvas).face == big


def test_pickled_engine_reuses_the_process_models(
    dlib_engine: DlibFaceEngine, astronaut: RGBImage
) -> None:
    clone = pickle.loads(pickle.dumps(dlib_engine))
    assert clone._models() is dlib_engine._models()
    assert np.allclose(
        clone.single_face(astronaut).embedding, dlib_engine.single_face(astronaut).embedding
    )
