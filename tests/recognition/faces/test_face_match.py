"""Match bands, threshold spaces, engine configs and the factory (no models loaded)."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recognition.errors import BackendUnavailable
from recognition.faces import (
    ARCFACE_MATCH,
    DLIB_MATCH,
    DlibConfig,
    DlibFaceEngine,
    FaceEngine,
    FaceMatchConfig,
    InsightFaceConfig,
    InsightFaceEngine,
    MatchBand,
    Metric,
    create_face_engine,
    distance_to_similarity,
    face_backend_config,
    similarity_to_distance,
)


def unit(vector: list[float]) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float32)
    return array / np.linalg.norm(array)


def test_euclidean_bands_use_distance_between_unit_vectors() -> None:
    config = FaceMatchConfig(match_threshold=0.3, possible_threshold=0.4)
    assert config.band(distance_to_similarity(0.29)) is MatchBand.MATCH
    assert config.band(distance_to_similarity(0.2999)) is MatchBand.MATCH
    assert config.band(distance_to_similarity(0.35)) is MatchBand.POSSIBLE
    assert config.band(distance_to_similarity(0.41)) is MatchBand.NO_MATCH
    assert config.score(1.0) == 0.0
    assert config.match_similarity == pytest.approx(1 - 0.3**2 / 2)


def test_cosine_bands_use_similarity() -> None:
    config = FaceMatchConfig(match_threshold=0.45, possible_threshold=0.3, metric=Metric.COSINE)
    assert config.band(0.5) is MatchBand.MATCH
    assert config.band(0.35) is MatchBand.POSSIBLE
    assert config.band(0.1) is MatchBand.NO_MATCH
    assert config.possible_similarity == 0.3


@pytest.mark.parametrize(
    ("match", "possible", "metric"),
    [(0.5, 0.4, Metric.EUCLIDEAN), (-0.1, 0.4, Metric.EUCLIDEAN), (0.3, 0.45, Metric.COSINE)],
)
def test_inconsistent_thresholds_are_refused(
    match: float, possible: float, metric: Metric
) -> None:
    with pytest.raises(ValueError, match="threshold"):
        FaceMatchConfig(match_threshold=match, possible_threshold=possible, metric=metric)


@given(st.floats(min_value=0.0, max_value=2.0))
def test_distance_similarity_round_trip(distance: float) -> None:
    assert similarity_to_distance(distance_to_similarity(distance)) == pytest.approx(
        distance, abs=1e-6
    )


@given(
    st.lists(st.floats(-1, 1, allow_subnormal=False), min_size=4, max_size=4),
    st.lists(st.floats(-1, 1, allow_subnormal=False), min_size=4, max_size=4),
)
def test_compare_agrees_with_euclidean_distance(a: list[float], b: list[float]) -> None:
    if np.linalg.norm(a) < 1e-3 or np.linalg.norm(b) < 1e-3:
        return
    x, y = unit(a), unit(b)
    result = DlibFaceEngine().compare(x, y)
    assert result.score == pytest.approx(float(np.linalg.norm(x - y)), abs=1e-3)
    assert result.band is DLIB_MATCH.band(result.similarity)


def test_defaults_are_documented_spaces() -> None:
    assert DLIB_MATCH.metric is Metric.EUCLIDEAN
    assert DLIB_MATCH.match_threshold < DLIB_MATCH.possible_threshold
    assert ARCFACE_MATCH.metric is Metric.COSINE
    assert ARCFACE_MATCH.match_threshold > ARCFACE_MATCH.possible_threshold


def test_engines_pickle_as_config_only() -> None:
    engine = create_face_engine(DlibConfig(detect_max_side=900))
    clone = pickle.loads(pickle.dumps(engine))
    assert isinstance(clone, DlibFaceEngine)
    assert clone.config == engine.config
    assert len(pickle.dumps(engine)) < 2000
    assert isinstance(clone, FaceEngine)


def test_factory_builds_configs_from_settings(tmp_path: object) -> None:
    assert face_backend_config() == DlibConfig()
    tuned = face_backend_config("dlib", match_threshold=0.27)
    assert tuned.match == FaceMatchConfig(0.27, DLIB_MATCH.possible_threshold)
    insight = face_backend_config("insightface", model_dir="/models/buffalo_s")
    assert isinstance(insight, InsightFaceConfig)
    assert insight.match is ARCFACE_MATCH
    assert isinstance(create_face_engine(insight), InsightFaceEngine)
    assert math.isclose(
        face_backend_config(
            "insightface", model_dir="/m", possible_threshold=0.2
        ).match.possible_threshold,
        0.2,
    )


def test_factory_refuses_unknown_or_incomplete_backends() -> None:
    with pytest.raises(BackendUnavailable, match="unknown"):
        face_backend_config("opencv")
    with pytest.raises(BackendUnavailable, match="model folder"):
        face_backend_config("insightface")
