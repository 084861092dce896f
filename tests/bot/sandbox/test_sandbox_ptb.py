"""A real python-telegram-bot Application against the sandbox."""

from __future__ import annotations

import asyncio
import html
from typing import Any

import pytest
from telegram import (
    BotCommand,
    BotCommandScopeAllGroupChats,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.sandbox import Sandbox
from tests.bot.sandbox.sandbox_helpers import ALICE, BOB, GUARD, GUARD_GROUP, StartBot, jpeg, ogg


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Echo the text back in bold."""
    assert update.effective_message is not None
    text = html.escape(update.effective_message.text or "")
    await update.effective_message.reply_html(f"<b>echo:</b> {text}")


async def test_echo_round_trip(sandbox: Sandbox, start_bot: StartBot) -> None:
    await start_bot(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    sent = await sandbox.send_text(ALICE, "hello <world> & you")

    [reply] = await sandbox.wait_for_bot_messages(ALICE, 1)

    assert reply["text"] == "echo: hello <world> & you"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert reply["html"] == "<b>echo:</b> hello &lt;world&gt; &amp; you"
    assert reply["from"]["username"] == "safecommunity_bot"
    assert reply["from"]["is_bot"] is True
    assert "reply_to_message" not in reply  # PTB quotes only in groups
    assert sent["text"] == "hello <world> & you"
    assert [m["from"]["id"] for m in sandbox.history(ALICE)] == [ALICE, 123456]
    [(method, params)] = sandbox.calls[-1:]
    assert method == "sendMessage"
    assert (params["chat_id"], params["parse_mode"]) == (ALICE, "HTML")


async def test_waiting_explains_what_the_bot_did(sandbox: Sandbox, start_bot: StartBot) -> None:
    app = await start_bot()
    await sandbox.send_text(ALICE, "hi")
    await app.bot.send_message(ALICE, "first")
    with pytest.raises(BadRequest):
        await app.bot.send_message(ALICE, "<oops>", parse_mode=ParseMode.HTML)

    with pytest.raises(TimeoutError) as caught:
        await sandbox.wait_for_bot_messages(ALICE, 2, timeout=0.05)

    explanation = str(caught.value)
    assert "the bot sent 1" in explanation
    assert "'first'" in explanation
    assert 'Unsupported start tag "oops"' in explanation
    with pytest.raises(TimeoutError, match="not met"):
        await sandbox.wait_for(lambda sb: len(sb.bot_messages(ALICE)) > 1, timeout=0.05)


async def test_commands_with_and_without_bot_name(sandbox: Sandbox, start_bot: StartBot) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer /start with its arguments."""
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"start {context.args}")

    await start_bot(CommandHandler("start", start))
    await sandbox.send_command(ALICE, "start", "abc")
    await sandbox.send_text(ALICE, "/start@safecommunity_bot x")
    await sandbox.send_text(ALICE, "/start@other_bot ignored")
    await sandbox.send_text(GUARD, "/start@safecommunity_bot", chat_id=GUARD_GROUP)

    replies = await sandbox.wait_for_bot_messages(ALICE, 2)
    [group_reply] = await sandbox.wait_for_bot_messages(GUARD_GROUP, 1)

    assert [m["text"] for m in replies] == ["start ['abc']", "start ['x']"]
    assert group_reply["text"] == "start []"
    assert group_reply["reply_to_message"]["from"]["id"] == GUARD


async def test_photo_download_has_the_real_bytes(sandbox: Sandbox, start_bot: StartBot) -> None:
    downloaded: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def on_photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Download the largest size and send it back as a photo."""
        assert update.effective_message is not None
        photo = update.effective_message.photo
        data = await (await photo[-1].get_file()).download_as_bytearray()
        downloaded.set_result(bytes(data))
        await update.effective_message.reply_photo(
            bytes(data), caption="<i>got it</i>", parse_mode=ParseMode.HTML
        )

    await start_bot(MessageHandler(filters.PHOTO, on_photo))
    message = await sandbox.send_photo(ALICE, jpeg(1600, 1200), caption="gate")

    data = await asyncio.wait_for(downloaded, 10)
    [reply] = await sandbox.wait_for_bot_messages(ALICE, 1)

    sizes = message["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [
        (90, 68),
        (320, 240),
        (800, 600),
        (1280, 960),
    ]
    stored = sandbox.state.files[sizes[-1]["file_id"]].data
    assert data == stored
    assert data[:2] == b"\xff\xd8"  # a real JPEG
    assert reply["caption"] == "got it"
    assert reply["caption_entities"] == [{"type": "italic", "offset": 0, "length": 6}]
    assert reply["photo"][-1]["width"] == 1280


async def test_voice_notes_can_be_downloaded_and_sent(
    sandbox: Sandbox, start_bot: StartBot
) -> None:
    downloaded: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def on_voice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Download the voice note, play it back by file id and as an upload."""
        message = update.effective_message
        assert message is not None
        assert message.voice is not None
        data = await (await message.voice.get_file()).download_as_bytearray()
        downloaded.set_result(bytes(data))
        await message.reply_voice(message.voice.file_id, caption="<b>again</b>", parse_mode="HTML")
        await context.bot.send_voice(message.chat_id, bytes(data), duration=3)

    await start_bot(MessageHandler(filters.VOICE, on_voice))
    message = await sandbox.send_voice(ALICE, ogg(), 3)
    assert message["voice"]["duration"] == 3
    assert message["voice"]["mime_type"] == "audio/ogg"
    assert message["voice"]["file_id"].startswith("AwACAg")
    assert await asyncio.wait_for(downloaded, 10) == ogg()
    by_id, uploaded = await sandbox.wait_for_bot_messages(ALICE, 2)
    assert by_id["voice"] == message["voice"]
    assert by_id["caption"] == "again"
    assert uploaded["voice"]["duration"] == 3
    assert sandbox.state.files[uploaded["voice"]["file_id"]].data == ogg()
    with pytest.raises(ValueError, match="OGG"):
        await sandbox.send_voice(ALICE, b"RIFF....WAVEfmt ", 2)
    with pytest.raises(ValueError, match="seconds"):
        await sandbox.send_voice(ALICE, ogg(), -1)


async def test_inline_buttons_with_arbitrary_callback_data(
    sandbox: Sandbox, start_bot: StartBot
) -> None:
    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Offer two buttons carrying Python objects."""
        assert update.effective_message is not None
        keyboard = [
            [
                InlineKeyboardButton("Approve", callback_data=("approve", {"case": 7})),
                InlineKeyboardButton("Reject", callback_data=("reject", {"case": 7})),
            ]
        ]
        await update.effective_message.reply_text(
            "Case 7", reply_markup=InlineKeyboardMarkup(keyboard)
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Answer with a toast and edit the message in place."""
        query = update.callback_query
        assert query is not None
        action, payload = query.data  # type: ignore[misc]
        await query.answer(f"{action} #{payload['case']}")
        await query.edit_message_text(f"<b>Case 7</b>: {action}d", parse_mode=ParseMode.HTML)

    await start_bot(CommandHandler("menu", menu), CallbackQueryHandler(pressed))
    await sandbox.send_command(ALICE, "menu")
    [message] = await sandbox.wait_for_bot_messages(ALICE, 1)
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert len(data.encode()) <= 64  # PTB replaced the object with a key

    answer = await sandbox.press_button(ALICE, message, "Approve")

    assert answer == {"answered": True, "text": "approve #7", "show_alert": False, "url": None}
    await sandbox.wait_for(lambda sb: "edit_date" in sb.bot_messages(ALICE)[0])
    [edited] = sandbox.bot_messages(ALICE)
    assert edited["text"] == "Case 7: approved"
    assert "reply_markup" not in edited  # an edit without reply_markup drops the keyboard
    with pytest.raises(ValueError, match="buttons"):
        await sandbox.press_button(ALICE, message, "Approve")


async def test_unanswered_button_reports_not_answered(
    sandbox: Sandbox, start_bot: StartBot
) -> None:
    app = await start_bot()
    await sandbox.send_text(ALICE, "hi")
    message = await app.bot.send_message(
        ALICE,
        "x",
        reply_markup=InlineKeyboardMarkup.from_button(
            InlineKeyboardButton("Go", callback_data="go")
        ),
    )
    answer = await sandbox.press_button(ALICE, message.message_id, "Go", timeout=0.2)
    assert answer["answered"] is False


async def test_bot_errors_surface_as_ptb_exceptions(sandbox: Sandbox, start_bot: StartBot) -> None:
    app = await start_bot()
    with pytest.raises(Forbidden, match="can't initiate conversation"):
        await app.bot.send_message(BOB, "hello")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await app.bot.send_message(424242, "hello")
    with pytest.raises(BadRequest, match=r"(?i)can.t parse entities"):
        await app.bot.send_message(GUARD_GROUP, "<b>bold", parse_mode=ParseMode.HTML)
    await app.bot.send_message(GUARD_GROUP, "ok")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await app.bot.edit_message_text("x", chat_id=GUARD_GROUP, message_id=999)


async def test_edits_deletes_and_reply_keyboards(sandbox: Sandbox, start_bot: StartBot) -> None:
    app = await start_bot()
    await sandbox.send_text(ALICE, "hi")
    keyboard = ReplyKeyboardMarkup(
        [[KeyboardButton("📍 Share location", request_location=True)], ["Cancel"]],
        one_time_keyboard=True,
    )
    first = await app.bot.send_message(ALICE, "Where are you?", reply_markup=keyboard)
    second = await app.bot.send_message(ALICE, "draft")
    assert sandbox.reply_keyboard(ALICE)["keyboard"][1] == [{"text": "Cancel"}]

    await app.bot.edit_message_text("final", chat_id=ALICE, message_id=second.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await app.bot.edit_message_text("final", chat_id=ALICE, message_id=second.message_id)
    await app.bot.delete_message(ALICE, first.message_id)
    await sandbox.send_text(ALICE, "Cancel")

    assert [m.get("text") for m in sandbox.bot_messages(ALICE)] == ["final"]
    assert sandbox.reply_keyboard(ALICE) is None  # one-time keyboard used
    all_sent = await sandbox.wait_for_bot_messages(ALICE, 2)
    assert [m.get("deleted", False) for m in all_sent] == [True, False]


async def test_set_my_commands_per_scope_and_language(
    sandbox: Sandbox, start_bot: StartBot
) -> None:
    app = await start_bot()
    bot = app.bot
    await bot.set_my_commands([BotCommand("start", "Start"), BotCommand("help", "Help")])
    await bot.set_my_commands([BotCommand("start", "开始")], language_code="zh")
    await bot.set_my_commands(
        [BotCommand("alerts", "Alerts")], scope=BotCommandScopeAllGroupChats()
    )
    await bot.set_my_commands([BotCommand("cadre", "Cadre menu")], scope=BotCommandScopeChat(BOB))

    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert [c.description for c in await bot.get_my_commands(language_code="zh")] == ["开始"]
    group_commands = await bot.get_my_commands(scope=BotCommandScopeAllGroupChats())
    assert [c.command for c in group_commands] == ["alerts"]
    assert [c["command"] for c in sandbox.commands_for(ALICE)] == ["start", "help"]  # en
    assert [c["description"] for c in sandbox.commands_for(GUARD)] == ["开始"]  # zh-hans
    assert [c["command"] for c in sandbox.commands_for(BOB)] == ["cadre"]
    assert [c["command"] for c in sandbox.commands_for(GUARD, GUARD_GROUP)] == ["alerts"]

    await bot.delete_my_commands(scope=BotCommandScopeChat(BOB))
    assert [c["description"] for c in sandbox.commands_for(BOB)] == ["开始"]
    with pytest.raises(BadRequest, match=r"(?i)lang_code_invalid"):
        await bot.set_my_commands([BotCommand("start", "x")], language_code="zh_CN")


async def test_groups_members_and_chat_info(sandbox: Sandbox, start_bot: StartBot) -> None:
    seen: list[Any] = []
    both = asyncio.Event()

    async def on_members(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Record joins and leaves."""
        assert update.effective_message is not None
        seen.append(
            update.effective_message.new_chat_members or update.effective_message.left_chat_member
        )
        if len(seen) == 2:
            both.set()

    app = await start_bot(
        MessageHandler(
            filters.StatusUpdate.NEW_CHAT_MEMBERS | filters.StatusUpdate.LEFT_CHAT_MEMBER,
            on_members,
        )
    )
    await sandbox.join_group(ALICE, GUARD_GROUP)
    await sandbox.leave_group(ALICE, GUARD_GROUP)
    await asyncio.wait_for(both.wait(), 10)

    assert seen[0][0].id == ALICE
    assert seen[1].id == ALICE
    chat = await app.bot.get_chat(GUARD_GROUP)
    assert (chat.type, chat.title) == ("supergroup", "Guards")
    assert (await app.bot.get_chat_member(GUARD_GROUP, GUARD)).status == "member"
    assert (await app.bot.get_chat_member(GUARD_GROUP, ALICE)).status == "left"
    assert (await app.bot.get_chat_member(GUARD_GROUP, app.bot.id)).status == "administrator"
    with pytest.raises(ValueError, match="not a member"):
        await sandbox.send_text(ALICE, "hi", chat_id=GUARD_GROUP)


async def test_a_photo_message_gets_another_photo_with_edit_message_media(
    sandbox: Sandbox, start_bot: StartBot
) -> None:
    app = await start_bot()
    await sandbox.send_text(ALICE, "/start")
    keys = InlineKeyboardMarkup([[InlineKeyboardButton("✅", callback_data="ok")]])
    sent = await app.bot.send_photo(ALICE, jpeg(640, 480, "teal"), caption="first")
    edited = await app.bot.edit_message_media(
        InputMediaPhoto(
            jpeg(800, 600, "orange"), caption="<b>better</b> view", parse_mode=ParseMode.HTML
        ),
        ALICE,
        sent.message_id,
        reply_markup=keys,
    )
    assert isinstance(edited, Message)
    assert edited.caption == "better view"
    assert [e.type for e in edited.caption_entities] == ["bold"]
    assert edited.photo[-1].width == 800
    assert edited.photo[-1].file_id != sent.photo[-1].file_id
    assert edited.reply_markup == keys
    [stored] = sandbox.history(ALICE)[-1:]
    assert stored["edit_date"]
    assert stored["photo"][-1]["width"] == 800
    text = await app.bot.send_message(ALICE, "words")
    with pytest.raises(BadRequest, match="no media in the message"):
        await app.bot.edit_message_media(InputMediaPhoto(jpeg()), ALICE, text.message_id)
