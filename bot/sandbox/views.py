"""What the web page shows: message and chat views (sanitised HTML) and the page itself."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from aiohttp import web

from .html_format import render_html
from .server import SANDBOX_KEY
from .state import ChatRecord

if TYPE_CHECKING:
    from .sandbox import Sandbox

WEB_DIR = Path(__file__).parent / "web"
API = "/_sandbox/api"
STATIC = "/_sandbox/static"


def _name(user: dict[str, Any]) -> str:
    return " ".join(filter(None, [user.get("first_name"), user.get("last_name")])) or "?"


def chat_view(record: ChatRecord) -> dict[str, Any]:
    chat = record.chat
    return {
        "id": record.id,
        "type": chat["type"],
        "title": chat.get("title") or _name(chat),
        "members": sorted(record.members),
        "version": record.version,
    }


def message_view(sb: Sandbox, record: ChatRecord, message: dict[str, Any]) -> dict[str, Any]:
    """What the web page needs to draw one message (HTML already sanitised)."""
    sender = message["from"]
    body = message.get("text") or message.get("caption") or ""
    entities = message.get("entities") or message.get("caption_entities") or []
    view: dict[str, Any] = {
        "message_id": message["message_id"],
        "from_bot": sender["id"] == sb.bot_user["id"],
        "sender": _name(sender),
        "sender_id": sender["id"],
        "date": message["date"],
        "edited": "edit_date" in message,
        "html": render_html(body, entities),
    }
    if "photo" in message:
        view["photo"] = f"{API}/files/{message['photo'][-1]['file_id']}"
    if "document" in message:
        doc = message["document"]
        view["document"] = {
            "name": doc.get("file_name") or "file",
            "url": f"{API}/files/{doc['file_id']}",
        }
    if "voice" in message:
        voice = message["voice"]
        view["voice"] = {
            "duration": voice.get("duration", 0),
            "url": f"{API}/files/{voice['file_id']}",
        }
    for key in ("location", "contact", "media_group_id"):
        if key in message:
            view[key] = message[key]
    if "new_chat_members" in message:
        view["service"] = ", ".join(map(_name, message["new_chat_members"])) + " joined"
    if "left_chat_member" in message:
        view["service"] = _name(message["left_chat_member"]) + " left"
    if "reply_to_message" in message:
        replied = message["reply_to_message"]
        view["reply_to"] = {
            "message_id": replied["message_id"],
            "text": (replied.get("text") or replied.get("caption") or "…")[:80],
        }
    if "forward_origin" in message:
        origin = message["forward_origin"]
        view["forwarded_from"] = origin.get("sender_user_name") or _name(
            origin.get("sender_user", {})
        )
    markup = message.get("reply_markup") or {}
    if "inline_keyboard" in markup:
        view["inline_keyboard"] = [
            [{key: b[key] for key in ("text", "callback_data", "url") if key in b} for b in row]
            for row in markup["inline_keyboard"]
        ]
    return view


def messages_payload(sb: Sandbox, chat_id: int) -> dict[str, Any]:
    record = sb.state.chat(chat_id)
    live = [m for m in record.messages if m["message_id"] not in record.deleted]
    actions = [action for cid, action in sb.chat_actions[-1:] if cid == chat_id]
    return {
        "chat": chat_view(record),
        "version": record.version,
        "messages": [message_view(sb, record, m) for m in live],
        "reply_keyboard": record.reply_keyboard,
        "last_action": actions[0] if actions else None,
    }


# -- the page -------------------------------------------------------------------------------


def _environment(sb: Sandbox) -> jinja2.Environment:
    search = [*map(str, sb.template_dirs), str(WEB_DIR / "templates")]
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(search), autoescape=True, enable_async=True
    )


async def page(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    template = _environment(sb).get_template(sb.page_template)
    config = {"api": API, "bot": sb.bot_user, "personas": sb.personas}
    html = await template.render_async(
        bot=sb.bot_user,
        personas=sb.personas,
        groups=[chat_view(r) for r in sb.state.chats.values() if not r.is_private],
        panels=sb.panels,
        cameras=sb.camera_panel.view() if sb.camera_panel is not None else None,
        config=config,
        static=STATIC,
    )
    return web.Response(text=html, content_type="text/html")
