"""`RecognitionCore.read_id_number`: bytes in, a reading (or None, or a typed error) out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import numpy as np
import pytest

from recognition import (
    BlankImage,
    CorruptImage,
    EmptyImage,
    RecognitionConfig,
    RecognitionCore,
)
from recognition.idcard import IdNumberReading
from recognition.images import encode_jpeg
from tests.recognition.idcard.synth_idcard import id_card_photo, random_id_number

pytestmark = pytest.mark.usefixtures("card_font")


@pytest.fixture
async def core() -> AsyncIterator[RecognitionCore]:
    config = RecognitionConfig(workers=0, queue_size=8, preload_faces=False)
    async with RecognitionCore(config) as started:
        yield started


async def test_the_number_is_read_in_the_pool(core: RecognitionCore) -> None:
    number = random_id_number(np.random.default_rng(12), ends_in_x=True)
    reading = await core.read_id_number(id_card_photo(number, "王芳", seed=12))
    assert isinstance(reading, IdNumberReading)
    assert (reading.text, reading.valid_checksum) == (number, True)


async def test_no_card_and_bad_uploads(core: RecognitionCore) -> None:
    rng = np.random.default_rng(5)
    picture = rng.integers(0, 256, (48, 64, 3), dtype=np.uint8).repeat(10, 0).repeat(10, 1)
    assert await core.read_id_number(encode_jpeg(picture)) is None  # a picture, no card
    with pytest.raises(BlankImage):  # not None: a blank picture is not kept as the card
        await core.read_id_number(encode_jpeg(np.full((480, 640, 3), 200, np.uint8)))
    photo = id_card_photo("11010519491231002X", seed=3)
    with pytest.raises(CorruptImage):
        await core.read_id_number(photo[:2000])
    with pytest.raises(EmptyImage):
        await core.read_id_number(b"")
