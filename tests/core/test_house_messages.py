"""Tenants' messages: validation, the per-sender limit, who receives them, answers, replies."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.bootstrap import Storage
from core.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from core.models import HouseMessage, Role
from core.roles import Actor
from core.services import ServiceFactory, actor_for
from core.services.house_messages import (
    ANSWER_KIND,
    MAX_TEXT,
    MESSAGE_KIND,
    RATE_LIMIT,
    RATE_WINDOW,
)
from tests.core.notices import Told

TENANT = 777


@pytest.fixture(autouse=True)
def _front_end(told: Told) -> None:
    """Messages and answers are told through the notification path: render them."""


@dataclass
class World:
    house_id: int
    grid_id: int
    cadre_id: int


async def _world(storage: Storage, admin: Actor) -> World:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区", "0571-88000000")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        await svc.houses.ensure_grid(admin, "G2", "二网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        cadre = await svc.members.add(
            admin, telegram_id=501, role=Role.CADRE, name="王芳", grid_code="G1"
        )
        house, _ = await svc.houses.save_house(
            admin,
            building=building,
            code="G1-1-101",
            standard_address="安宁路1号1幢101室",
            cadre_id=cadre.id,
        )
    return World(house.id, grid.id, cadre.id)


async def _submit(services: ServiceFactory, world: World, text: str = "楼道被堵") -> int:
    async with services() as svc:
        view = await svc.house_messages.submit(
            house_id=world.house_id,
            sender_telegram_id=TENANT,
            sender_name="  小 李 ",
            sender_locale="en",
            text=text,
        )
    assert view is not None
    return view.id


async def test_a_message_is_stored_stripped_with_the_public_house(
    storage: Storage, admin: Actor
) -> None:
    world = await _world(storage, admin)
    message_id = await _submit(storage.services, world, "  楼道被堵  ")
    async with storage.services() as svc:
        stored = await svc.session.get(HouseMessage, message_id)
        assert stored is not None
        assert (stored.text, stored.sender_name, stored.sender_locale) == (
            "楼道被堵",
            "小 李",
            "en",
        )
        assert stored.grid_id == world.grid_id
        house = await svc.house_messages.house(world.house_id)
    assert (house.code, house.address) == ("G1-1-101", "安宁路1号1幢101室")


@pytest.mark.parametrize(
    "text", ["", "   \n ", "\u200b\u2060\ufeff", "\u202e\n\u3164", "长" * (MAX_TEXT + 1)]
)
async def test_empty_or_too_long_text_is_refused(
    storage: Storage, admin: Actor, text: str
) -> None:
    world = await _world(storage, admin)
    with pytest.raises(InvalidInput):
        await _submit(storage.services, world, text)
    await _submit(storage.services, world, "长" * MAX_TEXT)  # the limit itself is fine


async def test_a_message_is_normalised_before_it_is_checked_and_never_cut(
    storage: Storage, admin: Actor
) -> None:
    world = await _world(storage, admin)
    typed = " \u202e楼道\u200b被堵，  消防通道\u2066不通！\u2069\r\n\n\n\n请处理 \n\u00a0"
    message_id = await _submit(storage.services, world, typed)
    async with storage.services() as svc:
        stored = await svc.session.get(HouseMessage, message_id)
        assert stored is not None
        # Bidi and zero-width characters gone, the full-width punctuation kept as typed.
        assert stored.text == "楼道被堵， 消防通道不通！\n\n请处理"
    with pytest.raises(InvalidInput) as caught:
        await _submit(storage.services, world, "长" * (MAX_TEXT + 1))
    assert (caught.value.detail, caught.value.params) == (
        "too_long",
        {"field": "text", "max": MAX_TEXT, "length": MAX_TEXT + 1},
    )
    with pytest.raises(InvalidInput) as blank:
        await _submit(storage.services, world, "\u200d\n\u2800")
    assert (blank.value.detail, blank.value.params) == ("empty", {"field": "text"})


async def test_the_sender_name_loses_bidi_controls(storage: Storage, admin: Actor) -> None:
    world = await _world(storage, admin)
    async with storage.services() as svc:
        view = await svc.house_messages.submit(
            house_id=world.house_id,
            sender_telegram_id=TENANT,
            sender_name="\u202eLi\u202c  ＭＩＮＧ",
            sender_locale=None,
            text="你好",
        )
    assert view.sender_name == "Li MING"


async def test_an_unknown_house_is_not_found(storage: Storage, admin: Actor) -> None:
    await _world(storage, admin)
    async with storage.services() as svc:
        with pytest.raises(NotFound):
            await svc.house_messages.submit(
                house_id=999, sender_telegram_id=1, sender_name="x", sender_locale=None, text="x"
            )


async def test_a_sender_may_send_five_an_hour(storage: Storage, admin: Actor) -> None:
    world = await _world(storage, admin)
    now = [datetime(2026, 11, 28, 6, 0, tzinfo=UTC)]
    services = ServiceFactory(replace(storage.services.context, clock=lambda: now[0]))
    first = now[0]
    for _ in range(RATE_LIMIT):
        await _submit(services, world)
        now[0] += timedelta(minutes=5)
    with pytest.raises(RateLimited) as refused:
        await _submit(services, world)
    assert refused.value.retry_at == first + RATE_WINDOW
    async with services() as svc:
        assert await svc.house_messages.next_allowed(TENANT) == first + RATE_WINDOW
        assert await svc.house_messages.next_allowed(TENANT + 1) is None  # others are not held
    now[0] = first + RATE_WINDOW + timedelta(seconds=1)  # the first one left the window
    await _submit(services, world)
    with pytest.raises(RateLimited):
        await _submit(services, world)


async def test_a_message_is_told_to_the_houses_contacts_and_an_answer_to_the_tenant(
    storage: Storage, admin: Actor, told: Told
) -> None:
    world = await _world(storage, admin)
    message_id = await _submit(storage.services, world, "楼道被堵")
    async with storage.services() as svc:
        cadre = await svc.members.get(admin, world.cadre_id)
        await svc.house_messages.answer(actor_for(cadre), message_id, "马上处理")
    assert [(n.kind, r.chat_id, r.locale) for n, r in told] == [
        (MESSAGE_KIND, 501, None),  # no staff group serves G1: its cadre
        (ANSWER_KIND, TENANT, "en"),  # the tenant, in the language they wrote in
    ]
    assert told[1][0].params["view"].answer == "马上处理"
    async with storage.services() as svc:
        pending = await svc.outbox.due(10)
    assert [(d.chat_id, d.kind, d.house_message_id) for d in pending] == [
        (501, MESSAGE_KIND, message_id),
        (TENANT, ANSWER_KIND, message_id),
    ]


async def test_with_nobody_to_tell_nothing_is_stored(
    storage: Storage, admin: Actor, told: Told
) -> None:
    world = await _world(storage, admin)
    async with storage.services() as svc:
        await svc.members.deactivate(admin, world.cadre_id)
        view = await svc.house_messages.submit(
            house_id=world.house_id,
            sender_telegram_id=TENANT,
            sender_name="小李",
            sender_locale=None,
            text="有人吗",
        )
        assert view is None
        assert await svc.session.scalar(select(func.count(HouseMessage.id))) == 0
    assert told == []


async def test_answers_need_handle_reports_and_are_audited(storage: Storage, admin: Actor) -> None:
    world = await _world(storage, admin)
    message_id = await _submit(storage.services, world)
    async with storage.services() as svc:
        resident = await svc.members.add(admin, telegram_id=9, role=Role.RESIDENT, name="邻居")
        cadre = await svc.members.get(admin, world.cadre_id)
    with pytest.raises(PermissionDenied):
        async with storage.services() as svc:
            await svc.house_messages.answer(actor_for(resident), message_id, "好的")
    async with storage.services() as svc:
        first = await svc.house_messages.answer(actor_for(cadre), message_id, " 马上处理 ")
        second = await svc.house_messages.answer(actor_for(cadre), message_id, "已处理")
        with pytest.raises(InvalidInput):
            await svc.house_messages.answer(actor_for(cadre), message_id, "  ")
    assert first.answer == "马上处理"
    assert (second.answer, second.sender_telegram_id, second.sender_locale) == (
        "已处理",
        TENANT,
        "en",
    )
    async with storage.services() as svc:
        stored = await svc.session.get(HouseMessage, message_id)
        assert stored is not None
        assert (stored.answer, stored.answered_by_id) == ("已处理", world.cadre_id)
        assert stored.answered_at is not None
        entries = await svc.audit.entries(admin, subject_type="house_message")
    assert [(e.action, e.subject_id, e.actor_id) for e in entries] == [
        ("answer", str(message_id), world.cadre_id)
    ] * 2


async def test_a_reply_is_traced_to_its_message_through_the_outbox(
    storage: Storage, admin: Actor
) -> None:
    world = await _world(storage, admin)
    message_id = await _submit(storage.services, world, "有人在楼道吸烟")
    async with storage.services() as svc:
        delivered = await svc.outbox.enqueue(
            chat_id=-103, text="…", kind=MESSAGE_KIND, house_message_id=message_id
        )
        answer = await svc.outbox.enqueue(
            chat_id=TENANT, text="…", kind=ANSWER_KIND, house_message_id=message_id
        )
        assert delivered is not None
        assert answer is not None
        await svc.outbox.mark_sent(delivered, 41)
        await svc.outbox.mark_sent(answer, 42)
    async with storage.services() as svc:
        found = await svc.house_messages.for_delivery(-103, 41)
        assert found is not None
        assert (found.id, found.text, found.house.address) == (
            message_id,
            "有人在楼道吸烟",
            "安宁路1号1幢101室",
        )
        assert await svc.house_messages.for_delivery(-103, 40) is None
        assert await svc.house_messages.for_delivery(-999, 41) is None
        assert await svc.house_messages.for_delivery(TENANT, 42) is None  # an answer: not ours
