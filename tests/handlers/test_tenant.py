"""The tenant's side of the house card, end to end through the sandbox and the outbox."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import func, select

from bot import outbox
from core.models import AuditEntry, Delivery, DeliveryStatus, GroupRole, House, HouseMessage, Role
from core.services.house_messages import MESSAGE_KIND, RATE_LIMIT
from tests.bot.sandbox.sandbox_helpers import jpeg
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv, Reply, TgUser

ADDRESS = "安宁路1号1幢101室"
VALID_ID = "11010519491231002X"


def env_with_tenant(
    make_bot_env: MakeBotEnv, **options: Any
) -> AbstractAsyncContextManager[BotEnv]:
    """The bot (tenant handlers included) with these options."""
    return make_bot_env(**options)


async def _rows(env: BotEnv) -> list[HouseMessage]:
    async with env.services() as svc:
        return list(await svc.session.scalars(select(HouseMessage).order_by(HouseMessage.id)))


async def _compose(env: BotEnv, user: TgUser, card: str, text: str) -> Reply:
    """Open the card, press ✉️, type `text`: the summary with ✅ Send."""
    entry = await env.say(user, f"/start h_{card}")
    await env.press(user, entry, entry.buttons[0][0]["callback_data"])  # ✉️, in any language
    return await env.say(user, text)


async def _submit_directly(env: BotEnv, house_id: int, user: TgUser, count: int) -> None:
    async with env.services() as svc:
        for n in range(count):
            await svc.house_messages.submit(
                house_id=house_id,
                sender_telegram_id=user.id,
                sender_name=user.name,
                sender_locale=None,
                text=f"earlier {n}",
            )


async def test_a_stranger_messages_the_staff_and_gets_their_answer(
    make_bot_env: MakeBotEnv,
) -> None:
    async with env_with_tenant(make_bot_env) as env:
        house_id, card = await env.house(address=ADDRESS)
        async with env.services() as svc:
            person = await svc.persons.add(SYSTEM, name="张三", id_number=VALID_ID)
            await svc.persons.add_residency(SYSTEM, person_id=person.id, house_id=house_id)
        masked = person.id_number_masked
        assert masked
        cadre = await env.user(Role.CADRE, name="王芳")
        staff = await env.group(GroupRole.STAFF, members=[cadre])
        visitor = await env.user(None, name="小李")

        entry = await env.say(visitor, f"/start h_{card}")
        assert ADDRESS in entry.text
        assert env.settings.community_phone in entry.text
        for private in ("张三", masked, VALID_ID, "王芳"):
            assert private not in entry.text
        assert entry.button_labels == ["✉️ 给社区留言", "📣 上报问题", "☎️ 社区电话"]

        call = await env.press(visitor, entry, "☎️ 社区电话")
        assert env.settings.community_phone in call.message.text
        entry = (await env.press(visitor, call.message, "⬅️ 返回")).message
        assert entry.button_labels == ["✉️ 给社区留言", "📣 上报问题", "☎️ 社区电话"]

        prompt = await env.press(visitor, entry, "✉️ 给社区留言")
        assert "请输入留言内容" in prompt.message.text
        assert prompt.message.button_labels == ["✖️ 取消"]
        summary = await env.say(visitor, "3楼楼道堆满<纸箱>")
        assert "3楼楼道堆满<纸箱>" in summary.text
        assert summary.button_labels == ["✅ 发送", "✏️ 重写", "✖️ 取消"]
        assert await _rows(env) == []  # nothing is stored before ✅

        sent = await env.press(visitor, summary, "✅ 发送")
        assert "已发送给社区工作人员" in sent.message.text
        assert sent.toast == "✅ 已发送"
        [delivered] = await env.sandbox.wait_for_bot_messages(staff, 1)
        for shown in ("A-1-101", ADDRESS, "小李", "3楼楼道堆满<纸箱>", "回复本条消息"):
            assert shown in delivered["text"]
        assert "张三" not in delivered["text"]
        await outbox.drain(env.application)  # the kicked drain has settled
        async with env.services() as svc:
            [row] = await svc.session.scalars(select(Delivery))
        assert (row.status, row.kind) == (DeliveryStatus.SENT, MESSAGE_KIND)
        assert row.message_id == delivered["message_id"]

        await env.sandbox.send_text(
            cadre.id, "已通知物业清理", chat_id=staff, reply_to=delivered["message_id"]
        )
        answer = (await env.sandbox.wait_for_bot_messages(visitor.id, 3))[-1]
        assert "社区答复了你关于安宁路1号1幢101室的留言" in answer["text"]
        assert "已通知物业清理" in answer["text"]
        ack = (await env.sandbox.wait_for_bot_messages(staff, 2))[-1]
        assert "已发送给承租人" in ack["text"]
        [message] = await _rows(env)
        assert (message.answer, message.answered_by_id) == ("已通知物业清理", cadre.member_id)
        async with env.services() as svc:
            audited = await svc.session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.action == "answer",
                    AuditEntry.subject_type == "house_message",
                    AuditEntry.subject_id == str(message.id),
                )
            )
        assert audited == 1

        # ✉️ again under the answer (asked in a new message: the answer stays readable), and
        # from /start (the house is remembered).
        again = await env.press(visitor, Reply(answer), "✉️ 再次留言")
        assert "已通知物业清理" in again.message.text
        prompt = env.messages(visitor.id)[-1]
        assert "请输入留言内容" in prompt.text
        await env.say(visitor, "/cancel")
        menu = await env.say(visitor, "/start")
        assert menu.button_labels[0] == f"✉️ 就{ADDRESS}给社区留言"
        pressed = await env.press(visitor, menu, menu.button_labels[0])
        assert "请输入留言内容" in pressed.message.text


async def test_only_staff_may_answer_and_other_replies_are_left_alone(
    make_bot_env: MakeBotEnv,
) -> None:
    async with env_with_tenant(make_bot_env) as env:
        _house_id, card = await env.house(address=ADDRESS)
        guard = await env.user(Role.GUARD)
        stranger = await env.user(None)
        staff = await env.group(GroupRole.STAFF, members=[guard, stranger])
        visitor = await env.user(None)
        await env.press(visitor, await _compose(env, visitor, card, "门禁坏了"), "✅ 发送")
        [delivered] = await env.sandbox.wait_for_bot_messages(staff, 1)
        await outbox.drain(env.application)
        group_start = await env.say(guard, "/start", chat_id=staff)  # a bot message, not ours

        reply_to = delivered["message_id"]
        await env.sandbox.send_text(stranger.id, "我来", chat_id=staff, reply_to=reply_to)
        await env.sandbox.send_text(guard.id, "好", chat_id=staff, reply_to=group_start.message_id)
        await env.sandbox.send_text(guard.id, "收到", chat_id=staff, reply_to=reply_to)
        refusal = (await env.sandbox.wait_for_bot_messages(staff, 3))[-1]
        assert "只有网格员、社区民警和管理员可以答复" in refusal["text"]
        assert len(env.messages(staff)) == 3  # the stranger and the other reply got nothing
        [message] = await _rows(env)
        assert message.answer == ""


async def test_without_a_staff_group_the_cadre_gets_it_in_their_language(
    make_bot_env: MakeBotEnv,
) -> None:
    async with env_with_tenant(make_bot_env) as env:
        house_id, card = await env.house(address=ADDRESS)
        cadre = await env.user(Role.CADRE, locale="en")
        async with env.services() as svc:
            house = await svc.session.get(House, house_id)
            assert house is not None
            house.cadre_id = cadre.member_id
        visitor = await env.user(None, language_code="en-US")
        summary = await _compose(env, visitor, card, "The stairwell light is out")
        assert summary.button_labels == ["✅ Send", "✏️ Rewrite", "✖️ Cancel"]
        await env.press(visitor, summary, "✅ Send")
        [delivered] = await env.sandbox.wait_for_bot_messages(cadre.id, 1)
        assert "Message from a tenant" in delivered["text"]
        assert "The stairwell light is out" in delivered["text"]
        await outbox.drain(env.application)  # the delivery knows its message id: replies route

        await env.sandbox.send_text(cadre.id, "Fixed today", reply_to=delivered["message_id"])
        answer = (await env.sandbox.wait_for_bot_messages(visitor.id, 3))[-1]
        assert "The community answered your message about" in answer["text"]
        assert "Fixed today" in answer["text"]
        assert (
            "Sent to the tenant"
            in (await env.sandbox.wait_for_bot_messages(cadre.id, 2))[-1]["text"]
        )


async def test_the_sixth_message_within_an_hour_is_refused(make_bot_env: MakeBotEnv) -> None:
    async with env_with_tenant(make_bot_env) as env:
        house_id, card = await env.house(address=ADDRESS)
        await env.group(GroupRole.STAFF)
        visitor = await env.user(None)
        await _submit_directly(env, house_id, visitor, RATE_LIMIT - 1)
        summary = await _compose(env, visitor, card, "第五条")
        await _submit_directly(env, house_id, visitor, 1)  # from another device meanwhile
        refused = await env.press(visitor, summary, "✅ 发送")
        assert "一小时内最多留言5条" in refused.message.text
        assert env.settings.community_phone in refused.message.text
        assert len(await _rows(env)) == RATE_LIMIT

        entry = await env.say(visitor, f"/start h_{card}")
        early = await env.press(visitor, entry, "✉️ 给社区留言")  # refused before typing
        assert "一小时内最多留言5条" in early.message.text
        assert early.message.button_labels == []


async def test_bad_input_rewrite_and_cancel(make_bot_env: MakeBotEnv) -> None:
    async with env_with_tenant(make_bot_env) as env:
        _house_id, card = await env.house(address=ADDRESS)
        await env.group(GroupRole.STAFF)
        visitor = await env.user(None)
        entry = await env.say(visitor, f"/start h_{card}")
        await env.press(visitor, entry, "✉️ 给社区留言")
        too_long = await env.say(visitor, "长" * 1001)
        assert "1到1000个字" in too_long.text
        await env.sandbox.send_photo(visitor.id, jpeg(64, 64), caption="看图")
        photo = (await env.sandbox.wait_for_bot_messages(visitor.id, 3))[-1]
        assert "暂时无法随留言发送图片" in photo["text"]

        summary = await env.say(visitor, "第一稿")
        rewrite = await env.press(visitor, summary, "✏️ 重写")
        assert "请输入留言内容" in rewrite.message.text
        summary = await env.say(visitor, "第二稿")
        assert "第二稿" in summary.text

        cancelled = await env.say(visitor, "/cancel")
        assert "已取消：给社区的留言（未发送）" in cancelled.text
        closed = [m for m in env.messages(visitor.id) if m.message_id == summary.message_id]
        assert closed[0].buttons == []  # the summary cannot be sent any more
        assert await _rows(env) == []


async def test_a_replaced_card_says_so(bot_env: BotEnv) -> None:
    house_id, card = await bot_env.house(address=ADDRESS)
    async with bot_env.services() as svc:
        new_card = await svc.houses.reissue_card(SYSTEM, house_id)
    visitor = await bot_env.user(None)
    reply = await bot_env.say(visitor, f"/start h_{card}")
    assert "已换发新卡" in reply.text
    assert "房东" in reply.text
    assert bot_env.settings.community_phone in reply.text
    reply = await bot_env.say(visitor, f"/start h_{new_card}")
    assert ADDRESS in reply.text


async def test_a_staff_group_outage_is_retried_until_delivered(
    make_bot_env: MakeBotEnv,
) -> None:
    async with env_with_tenant(make_bot_env, overrides={"outbox_interval": 0.2}) as env:
        _house_id, card = await env.house(address=ADDRESS)
        staff = await env.group(GroupRole.STAFF)
        visitor = await env.user(None)
        summary = await _compose(env, visitor, card, "电梯困人")
        # One try plus SafeBot's two retries fail, so the outbox must come back to it later.
        env.sandbox.faults.fail_next(3, method="sendMessage", chat_id=staff, kind="502")
        sent = await env.press(visitor, summary, "✅ 发送")
        assert "已发送给社区工作人员" in sent.message.text
        await env.sandbox.wait_for(lambda sb: not sb.faults.armed)
        await outbox.drain(env.application)  # waits for the failing drain to settle
        async with env.services() as svc:
            [row] = await svc.session.scalars(select(Delivery))
            assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
            row.next_attempt_at = row.created_at  # due again now, not after the 5 s backoff
        [delivered] = await env.sandbox.wait_for_bot_messages(staff, 1)
        assert "电梯困人" in delivered["text"]
