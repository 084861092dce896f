"""✉️ Invite through the sandbox: role → grid → link and QR photo; the link makes a member."""

from __future__ import annotations

from core.models import Role
from recognition.qr import decode_qr_bytes
from tests.e2e import BOT_USERNAME, BotEnv

LINK = f"https://t.me/{BOT_USERNAME}?start=inv_"


async def test_an_invitation_link_and_its_qr_code_make_a_member(bot_env: BotEnv) -> None:
    env = bot_env
    await env.house()  # the community and grid G1
    admin = await env.user(Role.ADMIN)
    menu = await env.say(admin, "/start")
    form = (await env.press(admin, menu, "✉️ 邀请")).message
    assert form.message_id == menu.message_id
    assert "第 1/2 步" in form.text
    assert "✖️ 取消" in form.button_labels
    grid_step = (await env.press(admin, form, "保安")).message
    assert "第 2/2 步" in grid_step.text
    assert "角色：保安" in grid_step.text
    back = (await env.press(admin, grid_step, "⬅️ 返回")).message
    assert "第 1/2 步" in back.text
    grid_step = (await env.press(admin, back, "网格员")).message
    before = len(env.messages(admin.id))
    done = await env.press(admin, grid_step, "G1")
    assert done.toast == "✅ 邀请链接已生成"
    assert "角色：网格员 · 网格：G1" in done.message.text
    assert "只能使用一次" in done.message.text
    (link,) = [line for line in done.message.text.splitlines() if line.startswith(LINK)]
    sent = await env.sandbox.wait_for_bot_messages(admin.id, before + 1)
    photo = sent[-1]
    assert "扫码加入" in photo["caption"]
    image = env.sandbox.state.files[photo["photo"][-1]["file_id"]].data
    assert decode_qr_bytes(image) == [link]
    assert (admin.id, "upload_photo") in env.sandbox.chat_actions

    newcomer = await env.user(None, name="新同事")
    welcome = await env.say(newcomer, "/start " + link.split("start=")[1])
    assert "网格员" in welcome.text
    assert "📝 登记走访" in welcome.button_labels
    async with env.services() as svc:
        member = await svc.members.by_telegram_id(newcomer.id)
        assert member is not None
        assert member.role is Role.CADRE
        assert member.grid_id == await svc.members.grid_id("G1")
    again = await env.say(await env.user(None), "/start " + link.split("start=")[1])
    assert "该邀请链接已被使用" in again.text


async def test_cancel_and_english(bot_env: BotEnv) -> None:
    env = bot_env
    admin = await env.user(Role.ADMIN, locale="en", language_code="en")
    form = await env.say(admin, "/invite")
    assert "step 1 of 2" in form.text
    cancelled = await env.press(admin, form, "✖️ Cancel")
    assert "the invitation (no link was made)" in cancelled.message.text
    form = await env.say(admin, "/invite")
    grid_step = (await env.press(admin, form, "guard")).message
    done = await env.press(admin, grid_step, "no grid")
    assert "Role: guard · Grid: no grid" in done.message.text
    assert "Usable once" in done.message.text
    cadre = await env.user(Role.CADRE, locale="en")
    assert "Only the community's administrators" in (await env.say(cadre, "/invite")).text
