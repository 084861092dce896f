"""Key rotation end to end: everything re-sealed under the new key, resumable, reads all along,
house cards still verify, and the old key opens nothing any more."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from core.bootstrap import Storage
from core.crypto import Vault
from core.models import FaceTemplate, House, Person, PhotoKind, StoredPhoto
from core.roles import Actor
from core.services import ServiceFactory
from core.services.photos import FILE_CONTEXT
from core.services.privacy import fields_pending, pending, rotate
from core.services.privacy.keys import open_vault
from tests.conftest import TEST_SECRET, make_settings
from tests.core.pictures import picture

NEW_SECRET = "the-new-secret-key-after-rotation-0001"
PEOPLE = [("张三", "11010519491231002X", "13812345678"), ("李四", "440524198001010013", None)]


class Stop(Exception):
    pass


async def _seed(services: ServiceFactory, admin: Actor) -> tuple[list[int], list[int], str]:
    async with services() as svc:
        ids = [
            (await svc.persons.add(admin, name=n, id_number=i, phone=p)).id for n, i, p in PEOPLE
        ]
        photos = [
            (await svc.photos.store(admin, PhotoKind.FACE, picture(f"r{n}"), person_id=ids[0])).id
            for n in range(3)
        ]
        sealed, key_id = svc.persons.seal_template(np.ones(128, np.float32).tobytes())
        svc.session.add(
            FaceTemplate(
                person_id=ids[0], backend="dlib", dimensions=128, vector=sealed, key_id=key_id
            )
        )
        await svc.houses.ensure_community(admin, "安宁社区")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        house, _ = await svc.houses.save_house(
            admin, building=building, code="A-1", standard_address="安宁路1号"
        )
        token = svc.houses.card_token(await svc.session.get(House, house.id))
    return ids, photos, token


def _with(storage: Storage, vault: Vault) -> ServiceFactory:
    return ServiceFactory(dataclasses.replace(storage.services.context, vault=vault))


async def _reads(services: ServiceFactory, admin: Actor, ids: list[int], photos: list[int]):
    async with services() as svc:
        assert await svc.persons.reveal_id_number(admin, ids[0]) == PEOPLE[0][1]
        found = await svc.persons.find_by_id_number(admin, PEOPLE[1][1])
        assert found is not None
        assert found.id == ids[1]
        for photo_id in photos:
            _row, data = await svc.photos.read(admin, photo_id)
            assert data[:2] == b"\xff\xd8"
        (template,) = await svc.persons.face_templates("dlib")
        assert np.allclose(np.frombuffer(template[2], np.float32), 1)


async def test_rotation_resumes_and_keeps_reads_and_cards(storage: Storage, admin: Actor) -> None:
    ids, photos, token = await _seed(storage.services, admin)
    old, new = TEST_SECRET.encode(), NEW_SECRET.encode()
    rotating = _with(storage, Vault(new, previous=[old]))
    assert await fields_pending(rotating) == 1 + 1  # both persons
    assert await pending(rotating) == (3, 1)

    ticks = 0

    def die_midway(_what: str) -> None:
        nonlocal ticks
        ticks += 1
        if ticks == 3:
            raise Stop

    data_dir = storage.services.context.data_dir
    with pytest.raises(Stop):
        await rotate(rotating, data_dir, batch=1, tick=die_midway)
    await _reads(rotating, admin, ids, photos)  # half way: everything still reads

    report = await rotate(rotating, data_dir)
    assert report.finished
    assert report.fields + ticks - 1 >= 2  # what the first run did is not done twice
    assert await fields_pending(rotating) == 0
    assert await pending(rotating) == (0, 0)

    settings = make_settings(data_dir, secret_key=NEW_SECRET)
    only_new = _with(storage, open_vault(settings))
    assert not only_new.context.vault.rotating
    await _reads(only_new, admin, ids, photos)
    async with only_new() as svc:
        house = await svc.houses.resolve_card(token)  # the printed card still verifies
        assert house.code == "A-1"
        person = await svc.session.get(Person, ids[0])
        assert person is not None
        assert person.id_number_encrypted is not None
        with pytest.raises(InvalidTag):
            Vault(old).decrypt_bytes(
                b"\x01" + person.id_number_encrypted[5:], context="person.id_number"
            )
        row = await svc.session.scalar(select(StoredPhoto).where(StoredPhoto.id == photos[0]))
        assert row is not None
        sealed = (data_dir / row.path).read_bytes()
    with pytest.raises(ValueError, match="unknown key"):
        Vault(old).decrypt_bytes(sealed, context=FILE_CONTEXT)
    assert only_new.context.vault.decrypt_bytes(sealed, context=FILE_CONTEXT)[:2] == b"\xff\xd8"
    assert Vault(new).key_id in sealed.hex()[:10]
