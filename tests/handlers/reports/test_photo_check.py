"""With the recognition core running, a photo that shows nothing is refused at the photo step."""

from __future__ import annotations

from core.models import Role
from tests.bot.sandbox.sandbox_helpers import jpeg
from tests.e2e import MakeBotEnv, Reply


async def test_a_blank_or_tiny_photo_is_refused_with_the_reason(
    make_bot_env: MakeBotEnv,
) -> None:
    async with make_bot_env(recognition=True) as env:
        resident = await env.user(Role.RESIDENT, name="李四")
        menu = await env.say(resident, "/start")
        form = (await env.press(resident, menu, "📣 事件上报")).message
        form = (await env.press(resident, form, "🤝 矛盾纠纷")).message
        form = await env.say(resident, "楼上每晚很吵")
        assert "第 3/6 步" in form.text

        for photo, words in (
            (jpeg(800, 600, "white"), "照片是空白的"),  # recognition.image_blank
            (jpeg(120, 90), "照片太小"),  # recognition.image_too_small (under 200 px)
        ):
            before = len(env.messages(resident.id))
            await env.sandbox.send_photo(resident.id, photo)
            said = (await env.sandbox.wait_for_bot_messages(resident.id, before + 1))[-1]
            assert words in Reply(said).text
        form_now = next(m for m in env.messages(resident.id) if m.message_id == form.message_id)
        assert "已收到 0 张" in form_now.text  # nothing was kept
        assert "➡️ 不发照片" in form_now.button_labels
