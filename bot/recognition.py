"""The recognition core as the running product uses it: config from settings, gallery from DB."""

from __future__ import annotations

import logging

import numpy as np

from core.bootstrap import Storage
from core.settings import Settings
from recognition import RecognitionConfig, RecognitionCore

log = logging.getLogger(__name__)


def recognition_config(settings: Settings) -> RecognitionConfig:
    return RecognitionConfig(
        face_backend=settings.face_backend,
        insightface_model_dir=settings.insightface_model_dir,
        face_match_threshold=settings.face_match_threshold,
        face_possible_threshold=settings.face_possible_threshold,
        plate_local_province=settings.plate_local_province,
        plate_max_distance=settings.plate_max_distance,
        workers=settings.recognition_workers,
        queue_size=settings.recognition_queue,
        max_image_pixels=settings.max_image_pixels,
    )


async def open_recognition(settings: Settings, storage: Storage) -> RecognitionCore:
    """Start the worker pool and rebuild the face gallery from the enrolled templates."""
    core = RecognitionCore(recognition_config(settings))
    await core.start()
    try:
        async with storage.services() as svc:
            templates = await svc.persons.face_templates(settings.face_backend)
        count = await core.load_gallery(
            (template_id, np.frombuffer(vector, dtype=np.float32))
            for template_id, _person_id, vector in templates
        )
    except BaseException:
        await core.close()
        raise
    log.info("recognition ready: %s faces in the gallery", count)
    return core


async def sync_gallery(core: RecognitionCore, storage: Storage, backend: str) -> tuple[int, int]:
    """Bring the running gallery in step with the database (templates added or dropped over
    the per-person limit by the CLI or another process, faces purged with an expired
    watchlist entry); (added, removed)."""
    async with storage.services() as svc:
        wanted = await svc.persons.face_template_ids(backend)
    gallery = core.gallery
    have = {key for key in gallery.keys() if isinstance(key, int)}  # noqa: SIM118 (no __iter__)
    removed = 0
    for key in have - wanted:
        removed += int(gallery.remove(key))
    missing = sorted(wanted - have)
    if missing:
        async with storage.services() as svc:
            rows = await svc.persons.face_templates(backend, missing)
        for template_id, _person_id, vector in rows:
            gallery.upsert(template_id, np.frombuffer(vector, dtype=np.float32))
    return len(missing), removed
