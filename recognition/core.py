"""`RecognitionCore`: the one object the bot and the HTTP app call for QR, plates and faces.

Every method takes the uploaded bytes; decoding and the models run in the pool's workers
(`recognition.pool`), so the event loop only waits and the bot process never holds the pixels
of an upload (`scan_card` and `check_document` exist so that handlers need not decode). Bad
input raises the typed errors of `recognition.errors`; a full queue raises `Overloaded`. The
face gallery lives in this process (a search over 100k templates is a few milliseconds of
numpy) and is rebuilt by the app from its database at start with `load_gallery`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterable
from dataclasses import dataclass

from numpy.typing import ArrayLike

from recognition.annotate import BoxXYXY, draw_boxes
from recognition.checks import CardScan, DocumentCheck, check_document, scan_card
from recognition.config import RecognitionConfig
from recognition.faces.base import (
    DetectedFace,
    Embedding,
    FaceEngine,
    FaceMatchConfig,
    FaceResult,
    MatchBand,
)
from recognition.faces.factory import create_face_engine, face_backend_config
from recognition.gallery import Gallery, Key
from recognition.idcard.reader import IdNumberReaderConfig, IdNumberReading, OnnxIdNumberReader
from recognition.images import load_rgb, preview_gray, require_content
from recognition.plates.reader import OnnxPlateReader, PlateReaderConfig, PlateReading
from recognition.plates.text import PlateMatch, PlateResolution, best_match, resolve_plate
from recognition.pool import WorkPool
from recognition.qr import CascadeDecoder, default_decoder


@dataclass(frozen=True, slots=True)
class PlateResult:
    readings: tuple[PlateReading, ...]  # what the server read in the photo, best first
    resolution: PlateResolution  # the plate to act on (the camera's, when it sent one)

    @property
    def text(self) -> str | None:
        return self.resolution.text


@dataclass(frozen=True, slots=True)
class Candidate:
    key: Key
    similarity: float  # cosine similarity
    score: float  # the same in the backend's threshold space (distance for dlib)
    band: MatchBand


@dataclass(frozen=True, slots=True)
class IdentifiedFace:
    face: DetectedFace
    candidates: tuple[Candidate, ...]  # at most k, most similar first, every band included
    # The face's embedding (to tell whether an unknown face was seen before: strangers).
    embedding: Embedding | None = None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True, slots=True)
class FaceInfo:
    backend: str
    embedding_size: int
    match: FaceMatchConfig


class RecognitionCore:
    def __init__(self, config: RecognitionConfig) -> None:
        self.config = config
        self._pool = WorkPool(
            workers=config.workers,
            queue_size=config.queue_size,
            initializer=_warm_worker,
            initargs=(config,),
        )
        self._gallery: Gallery | None = None
        self._face_info: FaceInfo | None = None

    # lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers (models load once each) and create the empty gallery."""
        await self._pool.start()
        try:
            self._face_info = await self._pool.run(_task_face_info, self.config)
        except BaseException:
            await self._pool.close()
            raise
        self._gallery = Gallery(self._face_info.embedding_size)

    async def close(self) -> None:
        await self._pool.close()

    async def __aenter__(self) -> RecognitionCore:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    def pool(self) -> WorkPool:
        return self._pool

    @property
    def gallery(self) -> Gallery:
        if self._gallery is None:
            raise RuntimeError("RecognitionCore.start() has not run")
        return self._gallery

    @property
    def face_info(self) -> FaceInfo:
        if self._face_info is None:
            raise RuntimeError("RecognitionCore.start() has not run")
        return self._face_info

    async def load_gallery(self, items: Iterable[tuple[Key, ArrayLike]]) -> int:
        """Replace the gallery with `items` (key, embedding); the number of entries."""
        gallery = self.gallery
        pairs = list(items)
        await asyncio.to_thread(gallery.rebuild, pairs)
        return len(gallery)

    # QR -----------------------------------------------------------------------------------

    async def decode_qr(self, data: bytes) -> list[str]:
        return await self._pool.run(_task_decode_qr, self.config, data)

    async def scan_card(self, data: bytes) -> CardScan:
        """A house card photo: its QR texts, else whether it is out of focus.

        ImageError for a bad file: image_empty, image_not_an_image, image_unsupported_format,
        image_corrupt, image_too_large, image_too_small, and image_blank when nothing was
        read because the picture shows nothing.
        """
        return await self._pool.run(_task_scan_card, self.config, data)

    # documents ----------------------------------------------------------------------------

    async def check_document(self, data: bytes, *, min_side: int = 480) -> DocumentCheck:
        """Size and content type of a document photo the photo store can keep, else the
        ImageError saying why not: image_too_small under `min_side`, image_blank,
        image_unsupported_format (not JPEG/PNG/WebP), image_not_an_image, image_corrupt,
        image_too_large, image_empty."""
        return await self._pool.run(_task_check_document, self.config, data, min_side)

    # plates -------------------------------------------------------------------------------

    async def read_plates(
        self, data: bytes, camera_text: str | None = None, *, cross_check: bool = True
    ) -> PlateResult:
        """Read the plates in a photo and settle on one text.

        With `camera_text` (the plate a camera sent with its event) that text is used; the photo
        is still read to cross-check it unless `cross_check` is False or `data` is empty.
        """
        readings: tuple[PlateReading, ...] = ()
        if not camera_text or (cross_check and data):
            readings = tuple(await self._pool.run(_task_read_plates, self.config, data))
        resolution = resolve_plate(
            camera_text,
            readings,
            max_distance=self.config.plate_max_distance,
            local_province=self.config.plate_local_province,
        )
        return PlateResult(readings, resolution)

    def match_watchlist(self, plate: str, watched: Iterable[str]) -> PlateMatch | None:
        """The best tolerant match of `plate` among `watched` under this config, or None."""
        return best_match(
            plate,
            watched,
            max_distance=self.config.plate_max_distance,
            local_province=self.config.plate_local_province,
        )

    async def annotate(self, data: bytes, boxes: list[tuple[BoxXYXY, str]]) -> bytes:
        """The picture with `boxes` drawn (JPEG, at most 1280 px): an alert's snapshot."""
        return await self._pool.run(_task_annotate, self.config, data, boxes)

    # ID cards -----------------------------------------------------------------------------

    async def read_id_number(self, data: bytes) -> IdNumberReading | None:
        """The 18-character number on a photo of an ID card's number side, or None.

        A blank picture raises BlankImage (image_blank) rather than None: None means "a
        picture, but no number read", and the visit keeps such a picture as the card's front.
        Other bad files raise their ImageError.
        """
        return await self._pool.run(_task_read_id_number, self.config, data)

    # faces --------------------------------------------------------------------------------

    async def analyze_faces(self, data: bytes) -> list[FaceResult]:
        """Usable faces in a photo (largest first) with their embeddings and quality."""
        return await self._pool.run(_task_analyze_faces, self.config, data)

    async def enrol_face(self, data: bytes) -> FaceResult:
        """The one good face of an enrolment photo: embedding + quality, else a FaceError."""
        return await self._pool.run(_task_enrol_face, self.config, data)

    async def identify(self, data: bytes, k: int = 5) -> list[IdentifiedFace]:
        """Each usable face of a snapshot with its top-k gallery entries and their bands."""
        faces = await self.analyze_faces(data)
        if not faces:
            return []
        match = self.face_info.match
        hits = self.gallery.search_batch([face.embedding for face in faces], k)
        return [
            IdentifiedFace(
                face=result.face,
                candidates=tuple(
                    Candidate(key, similarity, match.score(similarity), match.band(similarity))
                    for key, similarity in face_hits
                ),
                embedding=result.embedding,
            )
            for result, face_hits in zip(faces, hits, strict=True)
        ]


# Worker side: module-level functions (they pickle by name) over a per-process cache. -----


class _Engines:
    """The models of one worker process for one config; each loads on first use."""

    def __init__(self, config: RecognitionConfig) -> None:
        self.config = config
        cores = os.cpu_count() or 1
        threads = max(1, cores // max(1, config.workers))
        self.qr: CascadeDecoder = default_decoder()
        self.plates = OnnxPlateReader(PlateReaderConfig(threads=threads))
        self.id_numbers = OnnxIdNumberReader(IdNumberReaderConfig(threads=threads))
        self._faces: FaceEngine | None = None

    @property
    def faces(self) -> FaceEngine:
        if self._faces is None:
            config = self.config
            self._faces = create_face_engine(
                face_backend_config(
                    config.face_backend,
                    model_dir=config.insightface_model_dir,
                    match_threshold=config.face_match_threshold,
                    possible_threshold=config.face_possible_threshold,
                )
            )
        return self._faces


_engines: dict[RecognitionConfig, _Engines] = {}


def engines_for(config: RecognitionConfig) -> _Engines:
    found = _engines.get(config)
    if found is None:
        found = _engines[config] = _Engines(config)
    return found


def _warm_worker(config: RecognitionConfig) -> None:
    engines = engines_for(config)
    engines.plates.warmup()
    if config.preload_faces:
        engines.faces.warmup()


def _task_face_info(config: RecognitionConfig) -> FaceInfo:
    engine = engines_for(config).faces
    return FaceInfo(engine.name, engine.embedding_size, engine.match_config)


def _task_decode_qr(config: RecognitionConfig, data: bytes) -> list[str]:
    image = load_rgb(data, max_pixels=config.max_image_pixels)
    return engines_for(config).qr.decode(image)


def _task_scan_card(config: RecognitionConfig, data: bytes) -> CardScan:
    return scan_card(data, engines_for(config).qr, max_pixels=config.max_image_pixels)


def _task_check_document(config: RecognitionConfig, data: bytes, min_side: int) -> DocumentCheck:
    return check_document(data, min_side=min_side, max_pixels=config.max_image_pixels)


def _task_read_plates(config: RecognitionConfig, data: bytes) -> list[PlateReading]:
    image = load_rgb(data, max_pixels=config.max_image_pixels)
    return engines_for(config).plates.read(image)


def _task_annotate(
    config: RecognitionConfig, data: bytes, boxes: list[tuple[BoxXYXY, str]]
) -> bytes:
    return draw_boxes(data, boxes, max_pixels=config.max_image_pixels)


def _task_read_id_number(config: RecognitionConfig, data: bytes) -> IdNumberReading | None:
    image = load_rgb(data, max_pixels=config.max_image_pixels)
    require_content(preview_gray(image))  # before the models: a blank picture has no number
    return engines_for(config).id_numbers.read(image)


def _task_analyze_faces(config: RecognitionConfig, data: bytes) -> list[FaceResult]:
    image = load_rgb(data, max_pixels=config.max_image_pixels)
    return engines_for(config).faces.analyze(image)


def _task_enrol_face(config: RecognitionConfig, data: bytes) -> FaceResult:
    image = load_rgb(data, max_pixels=config.max_image_pixels)
    return engines_for(config).faces.single_face(image)
