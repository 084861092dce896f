"""The insightface backend end to end on tiny SCRFD/ArcFace-shaped ONNX graphs built here."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
import pytest
from insightface.model_zoo.arcface_onnx import ArcFaceONNX
from insightface.model_zoo.scrfd import SCRFD
from insightface.utils import face_align

from recognition.errors import BackendUnavailable, NoFace
from recognition.faces import (
    ARCFACE_MATCH,
    FaceEngine,
    InsightFaceConfig,
    InsightFaceEngine,
    MatchBand,
    create_face_engine,
)
from recognition.faces.insightface_backend import load_models, onnx_role
from recognition.images import RGBImage
from tests.recognition.faces._faces_support import (
    ANCHOR_SCORE,
    ASTRONAUT_KPS,
    build_arcface,
    build_scrfd,
)


@pytest.fixture(scope="module")
def engine(fake_pack: Path) -> InsightFaceEngine:
    built = create_face_engine(InsightFaceConfig(model_dir=str(fake_pack)))
    assert isinstance(built, InsightFaceEngine)
    built.warmup()
    return built


def test_files_are_routed_by_their_onnx_shapes(fake_pack: Path, engine: InsightFaceEngine) -> None:
    assert onnx_role(fake_pack / "1k3d68.onnx") is None
    assert onnx_role(fake_pack / "det_fake.onnx") == "detection"
    assert onnx_role(fake_pack / "w600k_fake.onnx") == "recognition"
    models = load_models(engine.config)
    assert isinstance(models.detector, SCRFD)
    assert models.detector.use_kps
    assert models.detector.fmc == 3
    assert isinstance(models.recognizer, ArcFaceONNX)
    assert models.detector_path.name == "det_fake.onnx"
    assert models.recognizer_path.name == "w600k_fake.onnx"
    assert models.detector.session.get_providers() == ["CPUExecutionProvider"]
    assert isinstance(engine, FaceEngine)
    assert engine.match_config is ARCFACE_MATCH


@pytest.mark.filterwarnings("ignore:`estimate` is deprecated:FutureWarning")
def test_end_to_end_aligns_with_norm_crop_and_normalises(
    engine: InsightFaceEngine,
    astronaut: RGBImage,
    fake_pack: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[Any, int]] = []
    real_norm_crop = face_align.norm_crop

    def spy(img: Any, landmark: Any, image_size: int = 112, mode: str = "arcface") -> Any:
        calls.append((np.array(landmark), image_size))
        return real_norm_crop(img, landmark, image_size=image_size, mode=mode)

    monkeypatch.setattr(face_align, "norm_crop", spy)
    result = engine.single_face(astronaut)

    assert len(calls) == 1
    landmarks, side = calls[0]
    assert side == 112
    assert np.allclose(landmarks, ASTRONAUT_KPS, atol=0.01)  # 160-px detector space mapped back
    assert result.face.score == pytest.approx(ANCHOR_SCORE)
    assert result.face.quality.ok
    assert 150 < result.face.box.left < 180
    assert 100 < result.face.box.width < 140
    assert result.embedding.shape == (512,)
    assert result.embedding.dtype == np.float32
    assert np.linalg.norm(result.embedding) == pytest.approx(1.0, abs=1e-5)

    # the same numbers straight from ONNX Runtime on the aligned BGR crop
    bgr = np.ascontiguousarray(astronaut[:, :, ::-1])
    crop = real_norm_crop(bgr, ASTRONAUT_KPS, image_size=112)
    blob = (crop[:, :, ::-1].astype(np.float32) - 127.5) / 127.5
    session = onnxruntime.InferenceSession(
        str(fake_pack / "w600k_fake.onnx"), providers=["CPUExecutionProvider"]
    )
    raw = session.run(None, {"data": blob.transpose(2, 0, 1)[None]})[0][0]
    expected = raw / np.linalg.norm(raw)
    assert np.allclose(result.embedding, expected, atol=1e-4)


def test_embed_after_detect_and_compare(engine: InsightFaceEngine, astronaut: RGBImage) -> None:
    (face,) = engine.detect(astronaut)
    first = engine.embed(astronaut, face)
    (second,) = engine.analyze(astronaut)
    assert np.allclose(first.embedding, second.embedding, atol=1e-5)
    assert engine.compare(first.embedding, second.embedding).band is MatchBand.MATCH


def test_detector_threshold_above_the_score_finds_nothing(
    fake_pack: Path, astronaut: RGBImage
) -> None:
    strict = create_face_engine(InsightFaceConfig(model_dir=str(fake_pack), det_thresh=0.95))
    with pytest.raises(NoFace):
        strict.single_face(astronaut)


def test_engine_pickles_and_reloads_lazily(engine: InsightFaceEngine) -> None:
    clone = pickle.loads(pickle.dumps(engine))
    assert clone.config == engine.config
    assert load_models(clone.config) is load_models(engine.config)


def test_missing_folder_is_backend_unavailable(tmp_path: Path) -> None:
    engine = create_face_engine(InsightFaceConfig(model_dir=str(tmp_path / "nope")))
    with pytest.raises(BackendUnavailable, match="does not exist"):
        engine.warmup()


def test_folder_without_a_recogniser_is_backend_unavailable(tmp_path: Path) -> None:
    build_scrfd(tmp_path / "det.onnx")
    with pytest.raises(BackendUnavailable, match="no recognition model"):
        create_face_engine(InsightFaceConfig(model_dir=str(tmp_path))).warmup()


def test_folder_without_a_detector_is_backend_unavailable(tmp_path: Path) -> None:
    build_arcface(tmp_path / "rec.onnx")
    with pytest.raises(BackendUnavailable, match="no detection model"):
        create_face_engine(InsightFaceConfig(model_dir=str(tmp_path))).warmup()


def test_detector_without_keypoints_is_backend_unavailable(tmp_path: Path) -> None:
    build_scrfd(tmp_path / "det.onnx", with_kps=False)
    build_arcface(tmp_path / "rec.onnx")
    with pytest.raises(BackendUnavailable, match="keypoints"):
        create_face_engine(InsightFaceConfig(model_dir=str(tmp_path))).warmup()


def test_configured_file_names_win_and_must_exist(fake_pack: Path, tmp_path: Path) -> None:
    for name in ("det_fake.onnx", "w600k_fake.onnx"):
        shutil.copy(fake_pack / name, tmp_path / name)
    shutil.copy(fake_pack / "det_fake.onnx", tmp_path / "aaa_other_det.onnx")
    config = InsightFaceConfig(model_dir=str(tmp_path), detector_file="det_fake.onnx")
    assert load_models(config).detector_path.name == "det_fake.onnx"
    missing = InsightFaceConfig(model_dir=str(tmp_path), recognizer_file="glint.onnx")
    with pytest.raises(BackendUnavailable, match=r"glint\.onnx"):
        load_models(missing)


def test_unreadable_onnx_is_backend_unavailable(tmp_path: Path) -> None:
    (tmp_path / "broken.onnx").write_bytes(b"not a protobuf at all")
    with pytest.raises(BackendUnavailable):
        create_face_engine(InsightFaceConfig(model_dir=str(tmp_path))).warmup()
