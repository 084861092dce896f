"""The facade: every call from bytes to a typed result, in-process and through a worker."""

from __future__ import annotations

import asyncio
import io
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data as skdata

from recognition import (
    BlankImage,
    CardScan,
    DocumentCheck,
    EmptyImage,
    ImageTooLarge,
    ImageTooSmall,
    NoFace,
    NotAnImage,
    Overloaded,
    RecognitionConfig,
    RecognitionCore,
)
from recognition.bench.synth import deep_link, plate_scene
from recognition.faces import MatchBand
from recognition.images import encode_jpeg


@pytest.fixture(scope="module")
def astronaut_jpeg() -> bytes:
    return encode_jpeg(np.ascontiguousarray(skdata.astronaut()))


@pytest.fixture
async def core() -> AsyncIterator[RecognitionCore]:
    async with RecognitionCore(RecognitionConfig(workers=0, queue_size=8)) as started:
        yield started


async def test_qr_from_bytes(core: RecognitionCore, qr_card_jpeg: bytes) -> None:
    assert await core.decode_qr(qr_card_jpeg) == [deep_link("fixtureToken_0123456789")]


async def test_bad_uploads_raise_typed_errors(core: RecognitionCore) -> None:
    with pytest.raises(EmptyImage):
        await core.decode_qr(b"")
    with pytest.raises(NotAnImage):
        await core.read_plates(b"GIF89a-but-not-really")


async def test_the_pixel_limit_comes_from_the_config(qr_card_jpeg: bytes) -> None:
    config = RecognitionConfig(workers=0, max_image_pixels=10_000)
    async with RecognitionCore(config) as small:
        with pytest.raises(ImageTooLarge):
            await small.decode_qr(qr_card_jpeg)


@pytest.mark.usefixtures("cjk_font")
async def test_plate_reading_is_cross_checked_with_the_camera(core: RecognitionCore) -> None:
    scene = plate_scene("京A12345", np.random.default_rng(11))
    assert scene is not None
    photo = encode_jpeg(scene)
    server = await core.read_plates(photo)
    assert server.resolution.source == "image"
    assert server.text is not None
    assert server.text.endswith("A12345")
    agreed = await core.read_plates(photo, camera_text="京A12345")
    assert (agreed.text, agreed.resolution.agree) == ("京A12345", True)
    clash = await core.read_plates(photo, camera_text="沪C99999")
    assert clash.text == "沪C99999"
    assert clash.resolution.disagreement


async def test_camera_text_alone_needs_no_photo(core: RecognitionCore) -> None:
    result = await core.read_plates(b"", camera_text="京 a·12345")
    assert result.readings == ()
    assert (result.text, result.resolution.source) == ("京A12345", "camera")
    match = core.match_watchlist("A12345", ["沪A12345", "京A12345", "京A12349"])
    assert match is not None
    assert match.watched == "京A12345"  # local province (京 by default) preferred


async def test_enrol_then_identify_the_astronaut(
    core: RecognitionCore, astronaut_jpeg: bytes, qr_card_jpeg: bytes
) -> None:
    enrolled = await core.enrol_face(astronaut_jpeg)
    assert enrolled.face.quality.ok
    assert enrolled.embedding.shape == (core.face_info.embedding_size,)
    with pytest.raises(NoFace):
        await core.enrol_face(qr_card_jpeg)
    others = np.random.default_rng(0).standard_normal((50, core.face_info.embedding_size))
    count = await core.load_gallery(
        [("astronaut", enrolled.embedding), *((f"x{i}", row) for i, row in enumerate(others))]
    )
    assert count == 51
    found = await core.identify(astronaut_jpeg, k=3)
    assert len(found) == 1
    best = found[0].best
    assert best is not None
    assert (best.key, best.band) == ("astronaut", MatchBand.MATCH)
    assert len(found[0].candidates) == 3
    assert found[0].candidates[1].band is MatchBand.NO_MATCH
    assert await core.identify(qr_card_jpeg) == []


async def test_a_full_queue_refuses_new_work(qr_card_jpeg: bytes) -> None:
    async with RecognitionCore(RecognitionConfig(workers=0, queue_size=0)) as busy:
        results = await asyncio.gather(
            busy.decode_qr(qr_card_jpeg), busy.decode_qr(qr_card_jpeg), return_exceptions=True
        )
    assert isinstance(results[1], Overloaded)
    assert results[0] == [deep_link("fixtureToken_0123456789")]


async def test_every_call_through_a_worker_process(
    astronaut_jpeg: bytes, qr_card_jpeg: bytes, shared_data_or_none: Path | None
) -> None:
    config = RecognitionConfig(workers=1, queue_size=4)
    async with RecognitionCore(config) as core:
        qr, enrolled = await asyncio.gather(
            core.decode_qr(qr_card_jpeg), core.enrol_face(astronaut_jpeg)
        )
        assert qr == [deep_link("fixtureToken_0123456789")]
        await core.load_gallery([(7, enrolled.embedding)])
        (person,) = await core.identify(astronaut_jpeg)
        assert person.best is not None
        assert person.best.key == 7
        if shared_data_or_none is not None:
            photo = (shared_data_or_none / "plates" / "hyperlpr_dataset_0.jpg").read_bytes()
            assert (await core.read_plates(photo)).text == "川AF058Y"
        with pytest.raises(EmptyImage):  # typed errors cross the process boundary
            await core.enrol_face(b"")


def blank_gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (640, 480), 0).save(buffer, format="GIF")
    return buffer.getvalue()


async def test_card_scans_and_document_checks(core: RecognitionCore, qr_card_jpeg: bytes) -> None:
    link = deep_link("fixtureToken_0123456789")
    assert await core.scan_card(qr_card_jpeg) == CardScan((link,), blurred=False)
    assert await core.decode_qr(qr_card_jpeg) == [link]  # still there for other callers
    side = Image.open(io.BytesIO(qr_card_jpeg)).size[0]
    assert await core.check_document(qr_card_jpeg, min_side=side) == DocumentCheck(
        side, side, "image/jpeg"
    )
    with pytest.raises(ImageTooSmall):
        await core.check_document(qr_card_jpeg, min_side=side + 1)
    with pytest.raises(ImageTooSmall):
        await core.check_document(qr_card_jpeg)  # 408 px, under the default 480
    with pytest.raises(BlankImage):
        await core.scan_card(blank_gif())
    with pytest.raises(BlankImage):
        await core.read_id_number(encode_jpeg(np.full((480, 640, 3), 30, np.uint8)))


async def test_uploads_are_decoded_in_the_worker_which_a_kill_does_not_stop(
    qr_card_jpeg: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = RecognitionConfig(workers=1, queue_size=4, preload_faces=False)
    async with RecognitionCore(config) as core:

        def no_decoding_here(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("an upload was decoded in the bot process")

        monkeypatch.setattr(Image, "open", no_decoding_here)
        link = deep_link("fixtureToken_0123456789")
        assert (await core.scan_card(qr_card_jpeg)).texts == (link,)
        check = await core.check_document(qr_card_jpeg, min_side=100)
        assert check.content_type == "image/jpeg"
        os.kill(await core.pool.run(os.getpid), signal.SIGKILL)
        assert (await core.scan_card(qr_card_jpeg)).texts == (link,)  # the next good photo
        assert core.pool.stats().restarts == 1
        with pytest.raises(BlankImage):  # typed errors cross the process boundary
            await core.scan_card(blank_gif())


def test_config_is_validated() -> None:
    with pytest.raises(ValueError, match="province"):
        RecognitionConfig(plate_local_province="X")
    with pytest.raises(ValueError, match="insightface_model_dir"):
        RecognitionConfig(face_backend="insightface")
    with pytest.raises(ValueError, match="workers"):
        RecognitionConfig(workers=-1)
    assert hash(RecognitionConfig()) == hash(RecognitionConfig())
