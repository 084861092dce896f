"""Shared recognition fixtures: the shared test data folder, the CJK font, QR card photos."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from recognition.bench.synth import cjk_font_path, deep_link, qr_image
from recognition.images import RGBImage, encode_jpeg

DATA_ENV = "SAFECOMMUNITY_TEST_DATA"


def shared_data_dir() -> Path | None:
    """`../shared/data` next to the repository, or $SAFECOMMUNITY_TEST_DATA; None if absent."""
    configured = os.environ.get(DATA_ENV)
    folder = Path(configured) if configured else (
        Path(__file__).resolve().parents[2].parent / "shared" / "data"
    )
    return folder if folder.is_dir() else None


@pytest.fixture(scope="session")
def shared_data() -> Path:
    folder = shared_data_dir()
    if folder is None:
        pytest.skip(f"shared test data absent (../shared/data or ${DATA_ENV})")
    return folder


@pytest.fixture(scope="session")
def shared_data_or_none() -> Path | None:
    """For tests that do more when the shared data is there but need not skip without it."""
    return shared_data_dir()


@pytest.fixture(scope="session")
def plates_dir(shared_data: Path) -> Path:
    folder = shared_data / "plates"
    if not (folder / "labels.csv").is_file():
        pytest.skip("no plates/labels.csv in the shared test data")
    return folder


@pytest.fixture(scope="session")
def cjk_font() -> Path:
    font = cjk_font_path()
    if font is None:
        pytest.skip("no CJK font installed (fonts-wqy-zenhei)")
    return font


@pytest.fixture(scope="session")
def qr_card() -> Callable[[str], RGBImage]:
    """A clean QR on a white card, 480 px square, as the bot would print it."""

    def make(payload: str) -> RGBImage:
        code = qr_image(payload, box_size=8)
        card = np.full((code.shape[0] + 80, code.shape[1] + 80, 3), 255, np.uint8)
        card[40 : 40 + code.shape[0], 40 : 40 + code.shape[1]] = code
        return card

    return make


@pytest.fixture(scope="session")
def qr_card_jpeg(qr_card: Callable[[str], RGBImage]) -> bytes:
    return encode_jpeg(qr_card(deep_link("fixtureToken_0123456789")))
