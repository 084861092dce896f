"""A voice note as the description, kept sealed and played to staff; every photo on demand."""

from __future__ import annotations

from sqlalchemy import select

from core.models import AuditEntry, PhotoKind, Report, StoredPhoto
from tests.bot.sandbox.sandbox_helpers import jpeg, ogg
from tests.e2e import MakeBotEnv, Reply
from tests.handlers.reports.test_filing_and_handling import staff_world


async def test_a_voice_report_with_photos_is_played_and_shown_to_staff(
    make_bot_env: MakeBotEnv,
) -> None:
    async with make_bot_env() as env:
        resident, cadre, staff = await staff_world(env)
        menu = await env.say(resident, "/start")
        form = (await env.press(resident, menu, "📣 事件上报")).message
        form = (await env.press(resident, form, "🤝 矛盾纠纷")).message
        before = len(env.messages(resident.id))
        await env.sandbox.send_voice(resident.id, ogg(7), 12)
        form = Reply((await env.sandbox.wait_for_bot_messages(resident.id, before + 1))[-1])
        assert "第 3/6 步" in form.text
        for color in ("teal", "navy"):
            before = len(env.messages(resident.id))
            await env.sandbox.send_photo(resident.id, jpeg(800, 600, color))
            form = Reply((await env.sandbox.wait_for_bot_messages(resident.id, before + 1))[-1])
        form = (await env.press(resident, form, "➡️ 照片发完了")).message
        form = (await env.press(resident, form, "⌨️ 输入地点")).message
        form = await env.say(resident, "2幢楼下")
        summary = (await env.press(resident, form, "👤 显示我的名字")).message
        assert "描述：🔊 语音" in summary.text
        assert "照片：2 张" in summary.text
        await env.press(resident, summary, "✅ 提交")

        [card] = await env.sandbox.wait_for_bot_messages(staff, 1)
        assert "🔊 附语音" in card["caption"]
        card_reply = Reply(card)
        assert card_reply.button_labels[-2:] == ["🔊 听语音", "🖼 全部照片（2）"]
        async with env.services() as svc:
            [report] = await svc.session.scalars(select(Report))
            kinds = [p.kind for p in await svc.session.scalars(select(StoredPhoto))]
        assert report.audio_file_id is None  # no pointer into Telegram: the audio itself
        assert sorted(kinds) == [PhotoKind.REPORT, PhotoKind.REPORT, PhotoKind.REPORT_VOICE]
        async with env.services() as svc:
            stored = await svc.session.scalar(
                select(StoredPhoto).where(StoredPhoto.kind == PhotoKind.REPORT_VOICE)
            )
            assert stored is not None
            on_disk = (env.settings.data_dir / stored.path).read_bytes()
        assert ogg(7) not in on_disk
        assert on_disk[:4] != b"OggS"

        await env.press(cadre, card_reply, "🔊 听语音")
        voice = (await env.sandbox.wait_for_bot_messages(staff, 2))[-1]
        assert voice["reply_to_message"]["message_id"] == card["message_id"]
        assert "事件 #1 上报人的语音" in voice["caption"]
        assert env.sandbox.state.files[voice["voice"]["file_id"]].data == ogg(7)

        await env.press(cadre, card_reply, "🖼 全部照片（2）")
        album = (await env.sandbox.wait_for_bot_messages(staff, 4))[-2:]
        assert all("photo" in m for m in album)
        assert album[0]["media_group_id"] == album[1]["media_group_id"]
        assert "事件 #1 的全部照片（2 张）" in album[0]["caption"]
        async with env.services() as svc:
            reads = list(
                await svc.session.scalars(
                    select(AuditEntry).where(AuditEntry.action == "read_photo")
                )
            )
        assert len(reads) == 3  # the voice and each photo, each read audited
