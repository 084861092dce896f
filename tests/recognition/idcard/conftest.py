"""Fixtures for the ID-number reader: one warmed reader per session, drawn cards."""

from __future__ import annotations

import pytest

from recognition.idcard import OnnxIdNumberReader
from tests.recognition.idcard.synth_idcard import cjk_available


@pytest.fixture(scope="session")
def id_reader() -> OnnxIdNumberReader:
    reader = OnnxIdNumberReader()
    reader.warmup()
    return reader


@pytest.fixture(scope="session")
def card_font() -> None:
    """Skip when the CJK font the synthetic cards are drawn with is not installed."""
    if not cjk_available():
        pytest.skip("no WenQuanYi Zen Hei font (fonts-wqy-zenhei) to draw ID cards with")
