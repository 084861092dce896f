"""Unknown faces that look alike share a short-lived key; a different face gets its own."""

from __future__ import annotations

import numpy as np

from bot.cameras.strangers import StrangerKeys
from recognition.faces.base import FaceMatchConfig, Metric


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_look_alikes_share_a_key_until_it_is_forgotten() -> None:
    now = [0.0]
    match = FaceMatchConfig(0.9, 0.8, Metric.COSINE)
    keys = StrangerKeys(3, match, keep=60, clock=lambda: now[0])
    first = keys.key(unit(1, 0, 0))
    assert keys.key(unit(1, 0.05, 0)) == first
    other = keys.key(unit(0, 1, 0))
    assert other != first
    now[0] = 61
    assert keys.key(unit(1, 0, 0)) != first  # forgotten: a new key
