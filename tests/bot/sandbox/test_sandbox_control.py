"""The HTTP control API under /_sandbox/api/ and the web chat page."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import aiohttp
import pytest

from bot.sandbox import Sandbox
from tests.bot.sandbox.sandbox_helpers import ALICE, BOB, GUARD, GUARD_GROUP, BotApi, jpeg


async def post(http: aiohttp.ClientSession, action: str, **body: Any) -> Any:
    async with http.post(f"/_sandbox/api/{action}", json=body) as response:
        data = await response.json()
        assert response.status == 200, data
        return data["result"]


async def test_page_renders_personas_groups_and_panels() -> None:
    panels = [{"title": "Camera", "html": "<video id='cam'></video>"}]
    async with (
        Sandbox(
            personas=[
                {"user_id": 7, "name": "Wang <Li>", "role": "guard", "language_code": "zh-hans"}
            ],
            groups=[{"chat_id": -100123, "title": "Gate 1 guards", "members": [7]}],
            panels=panels,
        ) as sb,
        aiohttp.ClientSession() as session,
    ):
        async with session.get(sb.url) as response:
            assert response.status == 200
            assert response.content_type == "text/html"
            page = await response.text()
        async with session.get(f"{sb.url}_sandbox/static/app.js") as response:
            assert response.status == 200
            assert "press_button" in await response.text()
        async with session.get(f"{sb.url}_sandbox/static/app.css") as response:
            assert response.status == 200
    assert "Wang &lt;Li&gt; · guard" in page  # escaped
    assert "Gate 1 guards" in page
    assert "<h2>Camera</h2>" in page
    assert "<video id='cam'></video>" in page
    assert 'id="sandbox-config"' in page


async def test_camera_block_can_be_filled_by_a_child_template(tmp_path: Any) -> None:
    (tmp_path / "camera.html.j2").write_text(
        '{% extends "chat.html.j2" %}{% block camera %}<div id="camera-panel">📷</div>'
        "{% endblock %}"
    )
    async with (
        Sandbox(template_dirs=[tmp_path], page_template="camera.html.j2") as sb,
        aiohttp.ClientSession() as session,
        session.get(sb.url) as response,
    ):
        page = await response.text()
    assert '<div id="camera-panel">📷</div>' in page


async def test_control_api_drives_users_and_sees_the_bot(
    sandbox: Sandbox, http: aiohttp.ClientSession, api: BotApi
) -> None:
    async with http.get("/_sandbox/api/state") as response:
        state = await response.json()
    assert [p["name"] for p in state["personas"]] == ["Alice", "Bob", "Gao"]
    assert state["personas"][2]["role"] == "guard"
    assert {c["id"] for c in state["chats"]} == {ALICE, BOB, GUARD, GUARD_GROUP}

    sent = await post(http, "send_text", user_id=ALICE, text="/start")
    assert sent["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    await post(http, "send_location", user_id=ALICE, latitude=31.2, longitude=121.5)
    await post(http, "send_command", user_id=GUARD, command="alerts", chat_id=GUARD_GROUP)
    photo = base64.b64encode(jpeg(400, 300)).decode()
    await post(http, "send_photo", user_id=ALICE, photo_base64=photo, caption="door")
    form = aiohttp.FormData()
    form.add_field("user_id", str(ALICE))
    form.add_field("photo", jpeg(50, 50), filename="p.jpg", content_type="image/jpeg")
    async with http.post("/_sandbox/api/send_photo", data=form) as response:
        assert response.status == 200

    updates = await api.ok("getUpdates")
    kinds = [next(k for k in ("text", "location", "photo") if k in u["message"]) for u in updates]
    assert kinds == ["text", "location", "text", "photo", "photo"]

    # The page's long poll wakes when the bot posts.
    async with http.get(f"/_sandbox/api/chats/{ALICE}/messages") as response:
        version = (await response.json())["result"]["version"]
    url = f"/_sandbox/api/chats/{ALICE}/messages?after={version}&wait=10"
    waiting = asyncio.create_task(http.get(url))
    markup = {"inline_keyboard": [[{"text": "Open", "url": "https://example.org"}]]}
    await api.ok(
        "sendMessage",
        chat_id=ALICE,
        text="<b>Hi</b> <tg-spoiler>s</tg-spoiler>",
        parse_mode="HTML",
        reply_markup=markup,
    )
    async with await asyncio.wait_for(waiting, 5) as response:
        payload = (await response.json())["result"]
    assert payload["version"] > version
    last = payload["messages"][-1]
    assert last["from_bot"] is True
    assert last["html"] == '<b>Hi</b> <span class="tg-spoiler">s</span>'
    assert last["inline_keyboard"] == [[{"text": "Open", "url": "https://example.org"}]]
    assert payload["messages"][3]["photo"].startswith("/_sandbox/api/files/")
    async with http.get(payload["messages"][3]["photo"]) as response:
        assert response.content_type == "image/jpeg"

    waited = await post(http, "wait_for_bot_messages", chat_id=ALICE, count=1, timeout=1)
    assert waited[0]["text"] == "Hi s"
    async with http.post(
        "/_sandbox/api/wait_for_bot_messages", json={"chat_id": ALICE, "count": 2, "timeout": 0.1}
    ) as response:
        assert response.status == 408
        assert "the bot sent 1" in (await response.json())["error"]


async def test_control_api_presses_buttons_and_reports_answers(
    sandbox: Sandbox, http: aiohttp.ClientSession, api: BotApi
) -> None:
    await sandbox.send_text(ALICE, "hi")
    markup = {"inline_keyboard": [[{"text": "Take it", "callback_data": "take:1"}]]}
    message = await api.ok("sendMessage", chat_id=ALICE, text="Alert", reply_markup=markup)

    async def bot_answers() -> None:
        offset = 0
        while True:
            for update in await api.ok("getUpdates", offset=offset, timeout=5):
                offset = update["update_id"] + 1
                if "callback_query" in update:
                    query = update["callback_query"]
                    assert query["data"] == "take:1"
                    assert query["message"]["message_id"] == message["message_id"]
                    await api.ok(
                        "answerCallbackQuery",
                        callback_query_id=query["id"],
                        text="Taken",
                        show_alert=True,
                    )
                    return

    bot = asyncio.create_task(bot_answers())
    answer = await post(
        http,
        "press_button",
        user_id=ALICE,
        message_id=message["message_id"],
        button="Take it",
        timeout=5,
    )
    await bot
    assert answer == {"answered": True, "text": "Taken", "show_alert": True, "url": None}
    async with http.post(
        "/_sandbox/api/press_button",
        json={"user_id": ALICE, "message_id": message["message_id"], "button": "Nope"},
    ) as response:
        assert response.status == 400
        assert "not found" in (await response.json())["error"]


async def test_control_api_faults_calls_commands_and_users(
    sandbox: Sandbox, http: aiohttp.ClientSession, api: BotApi
) -> None:
    await post(http, "faults", kind="500", method="getMe")
    assert (await api.raw("getMe"))[0] == 500
    await post(http, "faults", group_flood_limit=None)
    assert sandbox.faults.group_flood_limit is None
    async with http.get("/_sandbox/api/calls") as response:
        calls = (await response.json())["result"]
    assert calls == [{"method": "getMe", "params": {}}]

    await api.ok("setMyCommands", commands=[{"command": "report", "description": "Report"}])
    async with http.get(f"/_sandbox/api/commands?user_id={ALICE}") as response:
        assert (await response.json())["result"] == [
            {"command": "report", "description": "Report"}
        ]

    user = await post(http, "users", user_id=2001, name="Zhao", role="resident")
    assert user["first_name"] == "Zhao"
    await post(http, "groups", chat_id=-500, title="Residents", members=[2001])
    await post(http, "join_group", user_id=ALICE, chat_id=-500)
    assert [m.get("new_chat_members", [{}])[0].get("id") for m in sandbox.history(-500)] == [ALICE]
    async with http.get("/_sandbox/api/chats/-500/history") as response:
        assert len((await response.json())["result"]) == 1
    async with http.post("/_sandbox/api/send_text", json={"user_id": 1, "text": "x"}) as response:
        assert response.status == 400


async def test_page_html_is_sanitised(
    sandbox: Sandbox, api: BotApi, http: aiohttp.ClientSession
) -> None:
    await sandbox.send_text(ALICE, "hi")
    text = '<a href="javascript:alert(1)">x</a> <a href="https://e.org/?q=&quot;">y</a> &lt;i&gt;'
    await api.ok("sendMessage", chat_id=ALICE, text=text, parse_mode="HTML")
    async with http.get(f"/_sandbox/api/chats/{ALICE}/messages") as response:
        payload = (await response.json())["result"]
    assert payload["messages"][-1]["html"] == (
        'x <a href="https://e.org/?q=&quot;" target="_blank" rel="noopener noreferrer">y</a>'
        " &lt;i&gt;"
    )


async def test_a_user_can_reply_to_a_message(sandbox: Sandbox, api: BotApi) -> None:
    await sandbox.send_text(BOB, "hi", chat_id=GUARD_GROUP)
    quoted = await api.ok("sendMessage", chat_id=GUARD_GROUP, text="Who takes it?")
    later = await api.ok("sendMessage", chat_id=GUARD_GROUP, text="Later", reply_to_message_id=1)
    reply = await sandbox.send_text(
        GUARD, "I do", chat_id=GUARD_GROUP, reply_to=quoted["message_id"]
    )
    assert reply["reply_to_message"]["message_id"] == quoted["message_id"]
    assert reply["reply_to_message"]["from"]["is_bot"] is True
    [update] = [u for u in await api.ok("getUpdates") if u["message"]["text"] == "I do"]
    assert update["message"]["reply_to_message"]["text"] == "Who takes it?"
    # One level only, like Telegram: replying to a reply does not nest its target.
    again = await sandbox.send_text(BOB, "ok", chat_id=GUARD_GROUP, reply_to=later["message_id"])
    assert "reply_to_message" not in again["reply_to_message"]
    with pytest.raises(ValueError, match="not found"):
        await sandbox.send_text(BOB, "?", chat_id=GUARD_GROUP, reply_to=999)
