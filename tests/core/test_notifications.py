"""The notification path: who an audience is, one delivery per recipient, dedup, atomicity."""

from __future__ import annotations

import pytest

from core.bootstrap import Storage
from core.errors import ConfigurationError
from core.models import GroupRole, House, HouseKind, Role
from core.notify import Audience, Notice, Recipient
from core.roles import Actor
from tests.core.notices import Told


async def _house(storage: Storage, admin: Actor, cadre_id: int | None) -> int:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区", "0571-88000000")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        await svc.houses.ensure_grid(admin, "G2", "二网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        house, _ = await svc.houses.save_house(
            admin,
            building=building,
            code="G1-1-101",
            standard_address="安宁路1号1幢101室",
            kind=HouseKind.RENTAL,
            cadre_id=cadre_id,
        )
    return house.id


async def _recipients(storage: Storage, audience: Audience) -> list[Recipient]:
    async with storage.services() as svc:
        return await svc.notifications.recipients(audience)


async def test_house_contacts_are_the_staff_group_else_the_cadre_else_the_admins(
    storage: Storage, admin: Actor
) -> None:
    async with storage.services() as svc:
        cadre = await svc.members.add(admin, telegram_id=501, role=Role.CADRE, name="王芳")
        await svc.members.add(admin, telegram_id=601, role=Role.ADMIN, name="张明")
        gone = await svc.members.add(admin, telegram_id=602, role=Role.ADMIN, name="老张")
        await svc.members.deactivate(admin, gone.id)
        await svc.members.add(admin, telegram_id=None, role=Role.ADMIN, name="未绑定")
    house_id = await _house(storage, admin, cadre.id)
    async with storage.services() as svc:
        await svc.groups.add(admin, chat_id=-101, role=GroupRole.GUARDS, grid_codes=["G1"])
        await svc.groups.add(admin, chat_id=-102, role=GroupRole.STAFF, grid_codes=["G2"])
    contacts = Audience.house_contacts(house_id)
    assert await _recipients(storage, contacts) == [Recipient(501, None)]  # the cadre

    async with storage.services() as svc:
        house = await svc.session.get(House, house_id)
        assert house is not None
        house.cadre_id = None
    assert await _recipients(storage, contacts) == [Recipient(601, None)]  # active, bound admins

    async with storage.services() as svc:
        await svc.groups.add(admin, chat_id=-103, role=GroupRole.STAFF, grid_codes=["G1"])
        await svc.groups.add(admin, chat_id=-104, role=GroupRole.STAFF)  # the whole community
    found = await _recipients(storage, contacts)
    assert {r.chat_id for r in found} == {-103, -104}
    assert all(r.is_group for r in found)
    assert {r.chat_id for r in await _recipients(storage, Audience.grid_guards(None))} == {-101}
    assert await _recipients(storage, Audience.admins()) == [Recipient(601, None)]
    assert await _recipients(storage, Audience.chat(777, "en")) == [Recipient(777, "en")]


async def test_one_delivery_per_recipient_in_their_language_once_per_dedup_key(
    storage: Storage, admin: Actor, told: Told
) -> None:
    async with storage.services() as svc:
        one = await svc.members.add(admin, telegram_id=601, role=Role.ADMIN, name="张明")
        two = await svc.members.add(admin, telegram_id=602, role=Role.ADMIN, name="李华")
        await svc.members.set_locale(Actor(Role.ADMIN, two.id), "en")
    notice = Notice("digest", Audience.admins(), {"n": 3}, dedup="digest:2026-12-02")
    async with storage.services() as svc:
        assert await svc.notifications.notify(notice) == 2
    async with storage.services() as svc:
        assert await svc.notifications.notify(notice) == 0  # a second run tells nobody twice
        pending = await svc.outbox.due(10)
    assert [(d.chat_id, d.payload["text"]) for d in pending] == [
        (601, "digest for 601"),
        (602, "digest for 602"),
    ]
    assert [(r.chat_id, r.locale) for _n, r in told] == [(601, None), (602, "en")] * 2
    assert one.id != two.id


async def test_a_notice_is_stored_with_its_cause_or_not_at_all(
    storage: Storage, admin: Actor, told: Told
) -> None:
    async with storage.services() as svc:
        await svc.members.add(admin, telegram_id=601, role=Role.ADMIN, name="张明")

    async def notify_then_fail() -> None:
        async with storage.services() as svc:
            await svc.notifications.notify(Notice("digest", Audience.admins()))
            raise RuntimeError("the cause failed after the notice was recorded")

    with pytest.raises(RuntimeError):
        await notify_then_fail()
    async with storage.services() as svc:
        assert await svc.outbox.due(10) == []


async def test_without_a_front_end_a_notice_is_refused(storage: Storage, admin: Actor) -> None:
    with pytest.raises(ConfigurationError):
        async with storage.services() as svc:
            await svc.notifications.notify(Notice("digest", Audience.admins()))
