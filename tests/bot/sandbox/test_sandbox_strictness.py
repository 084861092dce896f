"""Telegram's limits and error answers, pinned over HTTP the way PTB talks to the server."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot.sandbox import Sandbox
from tests.bot.sandbox.sandbox_helpers import ALICE, BOB, GUARD, GUARD_GROUP, BotApi, jpeg, ogg


@pytest.fixture
async def started(sandbox: Sandbox) -> Sandbox:
    """Alice has talked to the bot, so it may write to her."""
    await sandbox.send_text(ALICE, "/start")
    return sandbox


async def test_get_me_is_the_bot_user(api: BotApi) -> None:
    me = await api.ok("getMe")
    assert me["id"] == 123456
    assert me["is_bot"] is True
    assert me["username"] == "safecommunity_bot"
    assert me["first_name"] == "SafeCommunity"


async def test_wrong_token_is_401_and_unknown_method_404(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{sandbox.base_url}999:WRONG/getMe") as response:
            assert response.status == 401
            assert await response.json() == {
                "ok": False,
                "error_code": 401,
                "description": "Unauthorized",
            }
        async with session.post(f"{sandbox.base_url}{sandbox.token}/fooBar") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found",
            }


async def test_method_names_are_case_insensitive_and_json_bodies_work(
    started: Sandbox,
) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{started.base_url}{started.token}/sendmessage"
        async with session.post(url, json={"chat_id": ALICE, "text": "json"}) as response:
            body = await response.json()
    assert body["ok"] is True
    assert body["result"]["text"] == "json"


@pytest.mark.parametrize(
    ("text", "description"),
    [
        (None, "Bad Request: message text is empty"),
        ("", "Bad Request: message text is empty"),
        ("  \n ", "Bad Request: message text is empty"),
        ("<b> </b>", "Bad Request: message text is empty"),
        ("x" * 4097, "Bad Request: message is too long"),
        ("<b>" + "x" * 4097 + "</b>", "Bad Request: message is too long"),
        ("😀" * 2049, "Bad Request: message is too long"),  # 4098 UTF-16 code units
    ],
)
async def test_text_length_limits(
    api: BotApi, started: Sandbox, text: str | None, description: str
) -> None:
    params = {"chat_id": ALICE, "parse_mode": "HTML"}
    if text is not None:
        params["text"] = text
    assert await api.error("sendMessage", **params) == (400, description)


async def test_text_at_the_limit_passes_after_entity_parsing(
    api: BotApi, started: Sandbox
) -> None:
    message = await api.ok(
        "sendMessage", chat_id=ALICE, text="<b>" + "x" * 4096 + "</b>", parse_mode="HTML"
    )
    assert len(message["text"]) == 4096
    trimmed = await api.ok("sendMessage", chat_id=ALICE, text="  hi  ")
    assert trimmed["text"] == "hi"


async def test_caption_limit(api: BotApi, started: Sandbox) -> None:
    photo = {"photo": ("application.octet-stream", jpeg(64, 48))}
    status, body = await api.raw("sendPhoto", files=photo, chat_id=ALICE, caption="x" * 1025)
    assert (status, body["description"]) == (400, "Bad Request: message caption is too long")
    status, body = await api.raw("sendPhoto", files=photo, chat_id=ALICE, caption="x" * 1024)
    assert status == 200
    assert len(body["result"]["caption"]) == 1024


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        ("x" * 64, True),
        ("x" * 65, False),
        ("", False),
        ("安" * 21, True),  # 63 bytes
        ("安" * 22, False),  # 66 bytes, 22 characters
    ],
)
async def test_callback_data_is_1_to_64_bytes(
    api: BotApi, started: Sandbox, data: str, ok: bool
) -> None:
    markup = {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}
    status, body = await api.raw("sendMessage", chat_id=ALICE, text="t", reply_markup=markup)
    if ok:
        assert status == 200
    else:
        assert (status, body["description"]) == (400, "Bad Request: BUTTON_DATA_INVALID")


async def test_inline_buttons_need_exactly_one_action(api: BotApi, started: Sandbox) -> None:
    markup = {"inline_keyboard": [[{"text": "no action"}]]}
    code, description = await api.error(
        "sendMessage", chat_id=ALICE, text="t", reply_markup=markup
    )
    assert code == 400
    assert "text buttons are unallowed in the inline keyboard" in description
    code, description = await api.error(
        "sendMessage", chat_id=ALICE, text="t", reply_markup="{not json"
    )
    assert description == "Bad Request: can't parse reply_markup JSON object"


@pytest.mark.parametrize(
    ("html", "detail"),
    [
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("<b><i>x</b></i>", 'expected "</i>", found "</b>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("1 < 2", "Unexpected '<' at byte offset 2"),
        ("Tom &foo; Jerry", "Unsupported HTML entity '&foo;'"),
        ("Tom & Jerry", "Unsupported HTML entity"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ('<a href="x>y</a>', "Unclosed start tag"),
    ],
)
async def test_html_parse_errors(api: BotApi, started: Sandbox, html: str, detail: str) -> None:
    code, description = await api.error("sendMessage", chat_id=ALICE, text=html, parse_mode="HTML")
    assert code == 400
    assert description.startswith("Bad Request: can't parse entities: ")
    assert detail in description


async def test_every_telegram_tag_is_parsed_into_entities(api: BotApi, started: Sandbox) -> None:
    text = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s>"
        '<strike>k</strike><del>d</del><span class="tg-spoiler">p</span>'
        '<tg-spoiler>q</tg-spoiler><a href="https://example.org/?a=1&amp;b=2">l</a>'
        '<code>c</code><pre><code class="language-python">x</code></pre>'
        "<blockquote>z</blockquote><blockquote expandable>y</blockquote>"
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#39;&#x41;'
    )
    message = await api.ok("sendMessage", chat_id=ALICE, text=text, parse_mode="HTML")
    kinds = [(e["type"], e["offset"], e["length"]) for e in message["entities"]]
    assert message["text"] == "bsieunskdpqlcxzy👍 <>&\"'A"
    assert kinds == [
        ("bold", 0, 1),
        ("bold", 1, 1),
        ("italic", 2, 1),
        ("italic", 3, 1),
        ("underline", 4, 1),
        ("underline", 5, 1),
        ("strikethrough", 6, 1),
        ("strikethrough", 7, 1),
        ("strikethrough", 8, 1),
        ("spoiler", 9, 1),
        ("spoiler", 10, 1),
        ("text_link", 11, 1),
        ("code", 12, 1),
        ("pre", 13, 1),
        ("blockquote", 14, 1),
        ("expandable_blockquote", 15, 1),
        ("custom_emoji", 16, 2),
    ]
    assert message["entities"][11]["url"] == "https://example.org/?a=1&b=2"
    assert message["entities"][13]["language"] == "python"
    assert started.history(ALICE)[-1]["html"] == text


async def test_markdown_is_rejected_so_html_is_used(api: BotApi, started: Sandbox) -> None:
    code, description = await api.error(
        "sendMessage", chat_id=ALICE, text="*x*", parse_mode="MarkdownV2"
    )
    assert code == 400
    assert "only parse_mode HTML" in description


async def test_chat_not_found_and_not_started(api: BotApi, sandbox: Sandbox) -> None:
    assert await api.error("sendMessage", chat_id=777, text="x") == (
        400,
        "Bad Request: chat not found",
    )
    assert await api.error("sendMessage", chat_id=BOB, text="x") == (
        403,
        "Forbidden: bot can't initiate conversation with a user",
    )
    await sandbox.send_text(BOB, "hi")  # now Bob has written to the bot
    await api.ok("sendMessage", chat_id=BOB, text="x")
    sandbox.block_bot(BOB)
    assert await api.error("sendMessage", chat_id=BOB, text="x") == (
        403,
        "Forbidden: bot was blocked by the user",
    )
    await api.ok("sendMessage", chat_id=GUARD_GROUP, text="groups need no /start")


async def test_edits_not_found_not_modified_and_markup(api: BotApi, started: Sandbox) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    sent = await api.ok(
        "sendMessage", chat_id=ALICE, text="<b>v1</b>", parse_mode="HTML", reply_markup=markup
    )
    mid = sent["message_id"]
    assert await api.error("editMessageText", chat_id=ALICE, message_id=999, text="x") == (
        400,
        "Bad Request: message to edit not found",
    )
    _code, description = await api.error(
        "editMessageText",
        chat_id=ALICE,
        message_id=mid,
        text="<b>v1</b>",
        parse_mode="HTML",
        reply_markup=markup,
    )
    assert description.startswith("Bad Request: message is not modified: ")
    # Same text but bold dropped: that is a change.
    edited = await api.ok(
        "editMessageText", chat_id=ALICE, message_id=mid, text="v1", reply_markup=markup
    )
    assert "entities" not in edited
    assert edited["edit_date"] >= edited["date"]
    await api.error("editMessageReplyMarkup", chat_id=ALICE, message_id=mid, reply_markup=markup)
    cleared = await api.ok("editMessageReplyMarkup", chat_id=ALICE, message_id=mid)
    assert "reply_markup" not in cleared
    user_message = started.history(ALICE)[0]
    assert await api.error(
        "editMessageText", chat_id=ALICE, message_id=user_message["message_id"], text="x"
    ) == (400, "Bad Request: message can't be edited")
    _, description = await api.error(
        "editMessageCaption", chat_id=ALICE, message_id=mid, caption="x"
    )
    assert description == "Bad Request: there is no caption in the message to edit"


async def test_delete_message(api: BotApi, started: Sandbox) -> None:
    sent = await api.ok("sendMessage", chat_id=ALICE, text="bye")
    assert await api.ok("deleteMessage", chat_id=ALICE, message_id=sent["message_id"]) is True
    assert await api.error("deleteMessage", chat_id=ALICE, message_id=sent["message_id"]) == (
        400,
        "Bad Request: message to delete not found",
    )
    assert [m["text"] for m in started.history(ALICE)] == ["/start"]


async def test_reply_parameters(api: BotApi, started: Sandbox) -> None:
    first = started.history(ALICE)[0]
    reply = await api.ok(
        "sendMessage", chat_id=ALICE, text="re", reply_parameters={"message_id": 1}
    )
    assert reply["reply_to_message"]["text"] == first["text"]
    assert await api.error(
        "sendMessage", chat_id=ALICE, text="re", reply_parameters={"message_id": 99}
    ) == (400, "Bad Request: message to be replied not found")
    lenient = await api.ok(
        "sendMessage",
        chat_id=ALICE,
        text="re",
        reply_parameters={"message_id": 99, "allow_sending_without_reply": True},
    )
    assert "reply_to_message" not in lenient


async def test_photos_files_and_downloads(api: BotApi, started: Sandbox) -> None:
    status, body = await api.raw(
        "sendPhoto", files={"photo": ("application.octet-stream", jpeg(2000, 500))}, chat_id=ALICE
    )
    assert status == 200, body
    sizes = body["result"]["photo"]
    assert [(s["width"], s["height"]) for s in sizes] == [
        (90, 22),
        (320, 80),
        (800, 200),
        (1280, 320),
    ]
    assert len({s["file_unique_id"] for s in sizes}) == 4
    small = await api.ok("sendPhoto", chat_id=ALICE, photo=sizes[0]["file_id"])  # by file_id
    assert small["photo"] == sizes
    tiny = await api.raw("sendPhoto", files={"photo": ("p.jpg", jpeg(60, 40))}, chat_id=ALICE)
    assert [(s["width"], s["height"]) for s in tiny[1]["result"]["photo"]] == [(60, 40)]

    file = await api.ok("getFile", file_id=sizes[-1]["file_id"])
    assert file["file_size"] == sizes[-1]["file_size"]
    async with api.session.get(f"{started.base_file_url}{started.token}/{file['file_path']}") as r:
        assert r.status == 200
        data = await r.read()
    assert data == started.state.files[sizes[-1]["file_id"]].data
    assert len(data) == sizes[-1]["file_size"]
    assert await api.error("getFile", file_id="nope") == (400, "Bad Request: invalid file_id")
    assert (await api.error("sendPhoto", chat_id=ALICE, photo="nope"))[0] == 400
    bad = await api.raw("sendPhoto", files={"photo": ("x.jpg", b"not an image")}, chat_id=ALICE)
    assert bad[1]["description"] == "Bad Request: IMAGE_PROCESS_FAILED"


async def test_voice_formats_and_file_kinds(api: BotApi, started: Sandbox) -> None:
    status, body = await api.raw(
        "sendVoice", files={"voice": ("application.octet-stream", ogg())}, chat_id=ALICE
    )
    assert status == 200, body
    voice = body["result"]["voice"]
    assert voice["mime_type"] == "audio/ogg"
    again = await api.ok("sendVoice", chat_id=ALICE, voice=voice["file_id"], duration=4)
    assert again["voice"] == voice  # by file id: the same file
    file = await api.ok("getFile", file_id=voice["file_id"])
    assert file["file_path"].startswith("voice/")
    async with api.session.get(f"{started.base_file_url}{started.token}/{file['file_path']}") as r:
        assert await r.read() == ogg()
    wav = await api.raw(
        "sendVoice", files={"voice": ("v.wav", b"RIFF\0\0\0\0WAVE")}, chat_id=ALICE
    )
    assert wav[1]["description"].startswith("Bad Request: wrong file type")
    photo = await api.ok("sendPhoto", files={"photo": ("p.jpg", jpeg(60, 40))}, chat_id=ALICE)
    assert await api.error("sendVoice", chat_id=ALICE, voice=photo["photo"][0]["file_id"]) == (
        400,
        "Bad Request: can't use file of type Photo as Voice",
    )
    assert (await api.error("sendVoice", chat_id=ALICE))[1] == (
        "Bad Request: there is no voice in the request"
    )


async def test_media_group_and_document(api: BotApi, started: Sandbox) -> None:
    media = [
        {"type": "photo", "media": "attach://one", "caption": "<b>1</b>", "parse_mode": "HTML"},
        {"type": "photo", "media": "attach://two"},
    ]
    status, body = await api.raw(
        "sendMediaGroup",
        files={"one": ("a", jpeg(100, 100)), "two": ("b", jpeg(100, 100, "red"))},
        chat_id=ALICE,
        media=media,
    )
    assert status == 200, body
    first, second = body["result"]
    assert first["media_group_id"] == second["media_group_id"]
    assert first["caption_entities"] == [{"type": "bold", "offset": 0, "length": 1}]
    status, body = await api.raw(
        "sendDocument", files={"document": ("report.pdf", b"%PDF-1.4")}, chat_id=ALICE
    )
    assert body["result"]["document"]["file_name"] == "report.pdf"


async def test_location_chat_action_and_chat_queries(api: BotApi, started: Sandbox) -> None:
    location = await api.ok("sendLocation", chat_id=ALICE, latitude=31.23, longitude=121.47)
    assert location["location"] == {"latitude": 31.23, "longitude": 121.47}
    assert await api.ok("sendChatAction", chat_id=ALICE, action="typing") is True
    assert (await api.error("sendChatAction", chat_id=ALICE, action="dancing"))[0] == 400
    chat = await api.ok("getChat", chat_id=GUARD_GROUP)
    assert chat["title"] == "Guards"
    member = await api.ok("getChatMember", chat_id=GUARD_GROUP, user_id=GUARD)
    assert member["status"] == "member"
    assert started.chat_actions == [(ALICE, "typing")]


async def test_get_updates_offsets_and_long_poll(api: BotApi, sandbox: Sandbox) -> None:
    await sandbox.send_text(ALICE, "one")
    await sandbox.send_text(ALICE, "two")
    updates = await api.ok("getUpdates")
    ids = [u["update_id"] for u in updates]
    assert ids == sorted(ids)
    assert len(set(ids)) == 2
    assert [u["message"]["text"] for u in updates] == ["one", "two"]
    again = await api.ok("getUpdates", offset=ids[1])  # confirms the first
    assert [u["update_id"] for u in again] == [ids[1]]
    assert await api.ok("getUpdates", offset=ids[0]) == again  # older ids stay dropped

    poll = asyncio.create_task(api.ok("getUpdates", offset=ids[1] + 1, timeout=10))
    await sandbox.wait_for(lambda sb: sb.poller is not None)
    await sandbox.send_text(ALICE, "three")
    woke = await asyncio.wait_for(poll, 2)  # wakes at once, not after 10 s
    assert [u["message"]["text"] for u in woke] == ["three"]
    assert woke[0]["update_id"] > ids[1]
    assert await api.ok("getUpdates", offset=woke[0]["update_id"] + 1, timeout=0) == []


async def test_allowed_updates_filter(api: BotApi, sandbox: Sandbox) -> None:
    await api.ok("getUpdates", allowed_updates=["callback_query"])
    await sandbox.send_text(ALICE, "ignored")
    assert await api.ok("getUpdates") == []
    await api.ok("getUpdates", allowed_updates=[])
    await sandbox.send_text(ALICE, "seen")
    assert [u["message"]["text"] for u in await api.ok("getUpdates")] == ["seen"]


async def test_webhook_info_and_conflict(api: BotApi, sandbox: Sandbox) -> None:
    await sandbox.send_text(ALICE, "pending")
    assert await api.ok("setWebhook", url="https://example.org/hook", secret_token="s") is True
    info = await api.ok("getWebhookInfo")
    assert info["url"] == "https://example.org/hook"
    assert info["pending_update_count"] == 1
    code, description = await api.error("getUpdates")
    assert code == 409
    assert "webhook is active" in description
    assert await api.ok("deleteWebhook", drop_pending_updates=True) is True
    info = await api.ok("getWebhookInfo")
    assert (info["url"], info["pending_update_count"]) == ("", 0)


async def test_answer_callback_query_errors(api: BotApi) -> None:
    code, description = await api.error("answerCallbackQuery", callback_query_id="42")
    assert code == 400
    assert "query ID is invalid" in description


async def test_commands_are_validated(api: BotApi) -> None:
    bad = [{"command": "Start", "description": "x"}]
    assert await api.error("setMyCommands", commands=bad) == (
        400,
        "Bad Request: BOT_COMMAND_INVALID",
    )
    scope = {"type": "chat_member", "chat_id": GUARD_GROUP}
    code, _ = await api.error(
        "setMyCommands", commands=[{"command": "a", "description": "b"}], scope=scope
    )
    assert code == 400
    scope["user_id"] = GUARD
    await api.ok("setMyCommands", commands=[{"command": "a", "description": "b"}], scope=scope)
    assert await api.ok("getMyCommands", scope=scope) == [{"command": "a", "description": "b"}]
    assert await api.ok("getMyCommands") == []
    assert (await api.ok("getMyName"))["name"] == "SafeCommunity"
