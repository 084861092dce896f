"""The outbox: stored first, sent by the bot, retried through outages, given up on dead chats."""

from __future__ import annotations

from bot import outbox
from core.models import Delivery, DeliveryStatus, GroupRole, Role
from tests.e2e import BotEnv, MakeBotEnv


async def _enqueue(env: BotEnv, chat_id: int, text: str, **options: object) -> int | None:
    async with env.services() as svc:
        return await svc.outbox.enqueue(chat_id=chat_id, text=text, **options)  # type: ignore[arg-type]


async def _delivery(env: BotEnv, delivery_id: int) -> Delivery:
    async with env.services() as svc:
        found = await svc.session.get(Delivery, delivery_id)
        assert found is not None
        return found


async def test_an_enqueued_message_is_sent_with_its_buttons_once(bot_env: BotEnv) -> None:
    group = await bot_env.group(GroupRole.STAFF)
    delivery_id = await _enqueue(
        bot_env,
        group,
        "<b>逾期</b> 3 户",
        buttons=[[("✅ 知道了", ["ack", 7])]],
        dedup_key="overdue:1:2026-11-28",
    )
    assert delivery_id is not None
    assert await _enqueue(bot_env, group, "again", dedup_key="overdue:1:2026-11-28") is None
    outbox.kick(bot_env.application)
    [sent] = await bot_env.sandbox.wait_for_bot_messages(group, 1)
    assert sent["text"] == "逾期 3 户"
    assert sent["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ 知道了"
    # A drain waits for the running one (one at a time) and finds nothing due: no second send.
    assert await outbox.drain(bot_env.application) == 0
    delivery = await _delivery(bot_env, delivery_id)
    assert delivery.status is DeliveryStatus.SENT
    assert delivery.message_id == sent["message_id"]
    assert len(bot_env.messages(group)) == 1


async def test_an_outage_is_retried_until_delivered(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env(overrides={"outbox_interval": 0.2}) as env:
        user = await env.user(Role.CADRE)
        # One try plus SafeBot's two retries fail, so the outbox must come back to it later.
        env.sandbox.faults.fail_next(3, method="sendMessage", kind="502")
        delivery_id = await _enqueue(env, user.id, "提醒")
        assert delivery_id is not None
        outbox.kick(env.application)
        await env.sandbox.wait_for(lambda sb: not sb.faults.armed)
        await outbox.drain(env.application)  # waits for the failing drain to settle
        delivery = await _delivery(env, delivery_id)
        assert delivery.status is DeliveryStatus.PENDING
        assert delivery.attempts == 1
        assert "network" in delivery.last_error
        async with env.services() as svc:
            row = await svc.session.get(Delivery, delivery_id)
            assert row is not None
            row.next_attempt_at = row.created_at  # due again now, not after the 5 s backoff
        [sent] = await env.sandbox.wait_for_bot_messages(user.id, 1)
        assert sent["text"] == "提醒"
        await outbox.drain(env.application)
        assert (await _delivery(env, delivery_id)).status is DeliveryStatus.SENT


async def test_a_chat_that_does_not_exist_fails_for_good(bot_env: BotEnv) -> None:
    delivery_id = await _enqueue(bot_env, -100999, "nobody is here")
    assert delivery_id is not None
    await outbox.drain(bot_env.application)
    delivery = await _delivery(bot_env, delivery_id)
    assert delivery.status is DeliveryStatus.FAILED
    assert "chat not found" in delivery.last_error.lower()


async def test_what_was_pending_at_shutdown_is_sent_after_a_restart(bot_env: BotEnv) -> None:
    user = await bot_env.user(Role.ADMIN)
    await bot_env.stop()
    delivery_id = await _enqueue(bot_env, user.id, "stored while the bot was down")
    await bot_env.start()
    [sent] = await bot_env.sandbox.wait_for_bot_messages(user.id, 1, timeout=10)
    assert sent["text"] == "stored while the bot was down"
    assert delivery_id is not None
    await outbox.drain(bot_env.application)
    assert (await _delivery(bot_env, delivery_id)).status is DeliveryStatus.SENT


async def test_a_broken_delivery_fails_alone_and_never_blocks_the_queue(bot_env: BotEnv) -> None:
    user = await bot_env.user(Role.ADMIN)
    broken = await _enqueue(bot_env, user.id, "broken", photo="photos/none.jpg")
    async with bot_env.services() as svc:  # a payload no sender can read
        row = await svc.session.get(
            Delivery, await svc.outbox.enqueue(chat_id=user.id, text="bad")
        )
        assert row is not None
        row.payload = {"text": "bad", "buttons": [["not", "a", "row"]]}
    good = await _enqueue(bot_env, user.id, "good")
    await outbox.drain(bot_env.application)
    assert broken is not None
    assert good is not None
    assert (await _delivery(bot_env, broken)).status is DeliveryStatus.FAILED
    assert "photo missing" in (await _delivery(bot_env, broken)).last_error
    assert (await _delivery(bot_env, good)).status is DeliveryStatus.SENT
    assert [m.text for m in bot_env.messages(user.id)] == ["good"]
