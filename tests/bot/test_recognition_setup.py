"""The running product's recognition core: built from settings, gallery rebuilt from the DB."""

from __future__ import annotations

import numpy as np

from bot.recognition import open_recognition, recognition_config
from core.bootstrap import open_storage
from core.models import FaceTemplate
from core.roles import Actor
from core.settings import Settings
from tests.conftest import make_settings


def test_config_follows_the_settings(settings: Settings) -> None:
    tuned = make_settings(
        settings.data_dir,
        face_match_threshold=0.3,
        plate_local_province="苏",
        recognition_workers=2,
        recognition_queue=7,
    )
    config = recognition_config(tuned)
    assert (config.face_match_threshold, config.plate_local_province) == (0.3, "苏")
    assert (config.workers, config.queue_size) == (2, 7)


async def test_gallery_is_rebuilt_from_enrolled_templates(settings: Settings) -> None:
    admin = Actor.system("test")
    storage = await open_storage(settings, migrate=False)
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(3, 128)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    async with storage.services() as svc:
        person = await svc.persons.add(admin, name="张三")
        for vector in vectors:
            svc.session.add(
                FaceTemplate(
                    person_id=person.id, backend="dlib", dimensions=128, vector=vector.tobytes()
                )
            )
        svc.session.add(
            FaceTemplate(
                person_id=person.id,
                backend="insightface",
                dimensions=512,
                vector=np.ones(512, np.float32).tobytes(),
            )
        )
    local = make_settings(settings.data_dir, recognition_workers=0)
    core = await open_recognition(local, storage)
    try:
        assert len(core.gallery) == 3
        best = core.gallery.search(vectors[1], 1)
        assert best[0][1] > 0.99
    finally:
        await core.close()
        await storage.close()
