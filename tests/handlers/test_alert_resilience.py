"""Alerts through Telegram's bad days (issue #10): a 429 storm on the guard group and a Bot API
outage — end to end through the sandbox with real photos: nothing lost, nothing sent twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot import outbox
from bot.http import HttpServer, create_http_app
from core.models import Delivery, DeliveryStatus
from core.models.base import utcnow
from tests.e2e import MakeBotEnv, Reply
from tests.handlers.test_alerts import Gate, astronaut, seed, watch_plate

pytestmark = pytest.mark.slow

PLATES = ("浙A10001", "浙A10002", "浙A10003", "浙A10004")


@dataclass
class Call:
    at: float  # time.monotonic()
    method: str
    chat_id: str
    fault: str | None
    retry_after: int


def record_calls(g: Gate) -> list[Call]:
    """Every Bot API call the sandbox answers (but polls), with its time and injected fault."""
    faults = g.env.sandbox.faults
    take = faults.take
    calls: list[Call] = []

    def recording(method: str, chat_id: Any) -> Any:
        fault = take(method, chat_id)
        calls.append(
            Call(
                time.monotonic(),
                method.lower(),
                str(chat_id),
                fault.kind if fault else None,
                fault.retry_after if fault else 0,
            )
        )
        return fault

    faults.take = recording  # type: ignore[method-assign]
    return calls


@asynccontextmanager
async def gate(make_bot_env: MakeBotEnv, **options: Any) -> AsyncIterator[Gate]:
    async with make_bot_env(recognition=True, **options) as env:
        token, guard, group = await seed(env)
        server = HttpServer(create_http_app(env.application, env.application.deps))
        await server.start("127.0.0.1", 0)
        try:
            yield Gate(env, server.url, token, guard, group)
        finally:
            await server.stop()


async def all_sent(g: Gate, count: int, timeout: float = 10) -> None:  # noqa: ASYNC109
    """Wait until the outbox has recorded `count` deliveries, all sent (the photo reaches the
    sandbox a moment before the row is marked)."""
    deadline = time.monotonic() + timeout
    while True:
        async with g.env.services() as svc:
            rows = (await svc.session.scalars(select(Delivery))).all()
            states = [(d.id, d.status, d.attempts, d.last_error) for d in rows]
        if len(rows) == count and all(d.status == DeliveryStatus.SENT for d in rows):
            return
        assert time.monotonic() < deadline, states
        await asyncio.sleep(0.05)


def plates_in(messages: list[Reply]) -> list[str]:
    return sorted(plate for m in messages for plate in PLATES if plate in m.text)


async def test_a_429_storm_on_the_guard_group_delivers_every_alert_once_after_it(
    make_bot_env: MakeBotEnv,
) -> None:
    async with gate(make_bot_env) as g:
        for plate in PLATES:
            await watch_plate(g.env, plate, "布控")
        calls = record_calls(g)
        # The storm: the guard group's next ten photos are refused with "retry after 1 s".
        g.env.sandbox.faults.fail_next(10, chat_id=g.group, kind="429", retry_after=1)
        for plate in PLATES:  # several alerts raised while it lasts
            await g.post(astronaut(), plate=plate)
        await g.env.sandbox.wait_for_bot_messages(g.group, len(PLATES), timeout=60)
        assert not g.env.sandbox.faults.armed  # the whole storm was met
        await all_sent(g, len(PLATES))
        await outbox.drain(g.env.application)  # a late retry would show itself here

        assert plates_in(g.env.messages(g.group)) == sorted(PLATES)  # each exactly once
        assert len(g.env.messages(g.group)) == len(PLATES)
        to_group = [c for c in calls if c.chat_id == str(g.group)]
        assert sum(c.fault == "429" for c in to_group) == 10
        # Telegram's retry_after was honoured: after each refusal, nothing more went to the
        # group before it had passed.
        for index, call in enumerate(to_group):
            if call.fault == "429":
                later = [c for c in to_group[index + 1 :]]
                assert all(c.at >= call.at + call.retry_after - 0.05 for c in later), (
                    f"a call {later[0].at - call.at:.2f} s after a 429 with retry_after "
                    f"{call.retry_after}"
                )


async def test_a_bot_api_outage_of_minutes_loses_nothing_and_sends_each_alert_once(
    make_bot_env: MakeBotEnv,
) -> None:
    # Minutes pass on the storage's clock (the outbox's schedule), not on the wall.
    now = [utcnow()]
    async with gate(make_bot_env, clock=lambda: now[0]) as g:
        for plate in PLATES[:3]:
            await watch_plate(g.env, plate, "布控")
        faults = g.env.sandbox.faults
        faults.fail_next(100_000, method="sendPhoto", kind="502")  # Telegram is down
        for plate in PLATES[:3]:
            await g.post(astronaut(), plate=plate)  # accepted (202) during the outage

        async def deliveries() -> list[Delivery]:
            async with g.env.services() as svc:
                return list((await svc.session.scalars(select(Delivery))).all())

        deadline = time.monotonic() + 30
        while not (
            (rows := await deliveries()) and len(rows) == 3 and all(d.attempts for d in rows)
        ):
            assert time.monotonic() < deadline, rows
            await asyncio.sleep(0.05)

        # Six minutes of outage, drained every 15 s of the clock: the backoff spaces tries out.
        for _ in range(24):
            now[0] += timedelta(seconds=15)
            await outbox.drain(g.env.application)
        rows = await deliveries()
        assert [d.status for d in rows] == [DeliveryStatus.PENDING] * 3  # nothing given up
        assert all((d.last_error or "").startswith("network") for d in rows)
        for d in rows:  # 5, 10, 20, 40, 80, 160 s apart: about 7 tries in 6 minutes, not 24
            assert 4 <= d.attempts <= 8, d.attempts
            assert d.next_attempt_at - now[0] > timedelta(seconds=30)
        assert g.env.messages(g.group) == []

        faults.clear()  # Telegram is back
        now[0] += timedelta(minutes=10)  # the longest backoff has passed
        await outbox.drain(g.env.application)
        await g.env.sandbox.wait_for_bot_messages(g.group, 3, timeout=10)
        await all_sent(g, 3)
        for _ in range(3):  # later drains send nothing again
            now[0] += timedelta(minutes=10)
            await outbox.drain(g.env.application)
        assert plates_in(g.env.messages(g.group)) == sorted(PLATES[:3])
        assert len(g.env.messages(g.group)) == 3
