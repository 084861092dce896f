"""Bot-level methods: getMe, updates, webhooks, commands, chats, files, callback answers."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from .. import validation as v
from ..errors import bad_request, conflict
from ._registry import api_method

if TYPE_CHECKING:
    from ..sandbox import Sandbox
    from ..validation import Params

MAX_POLL_TIMEOUT = 50


@api_method("getMe")
async def get_me(sb: Sandbox, p: Params) -> dict[str, Any]:
    return {
        **sb.bot_user,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@api_method("logOut", "close")
async def log_out(sb: Sandbox, p: Params) -> bool:
    return True


@api_method("getUpdates")
async def get_updates(sb: Sandbox, p: Params) -> list[dict[str, Any]]:
    state = sb.state
    if state.webhook.get("url"):
        raise conflict(
            "can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first"
        )
    offset = p.integer("offset")
    limit = min(max(p.integer("limit") or 100, 1), 100)
    timeout = min(max(p.number("timeout") or 0, 0), MAX_POLL_TIMEOUT)
    state.set_allowed_updates(p.json("allowed_updates"))
    state.confirm(offset)
    token = object()
    sb.poller = token  # a newer getUpdates terminates this one, like Telegram
    state.touch()
    try:
        if timeout and not state.updates:
            with contextlib.suppress(TimeoutError):
                await state.wait_until(lambda: state.updates or sb.poller is not token, timeout)
        if sb.poller is not token:
            raise conflict(
                "terminated by other getUpdates request; "
                "make sure that only one bot instance is running"
            )
    finally:
        if sb.poller is token:
            sb.poller = None
    return [dict(update) for update in state.updates[:limit]]


@api_method("setWebhook")
async def set_webhook(sb: Sandbox, p: Params) -> bool:
    url = p.text("url") or ""
    if p.flag("drop_pending_updates"):
        sb.state.updates.clear()
    sb.state.set_allowed_updates(p.json("allowed_updates"))
    sb.state.webhook = {"url": url, "secret_token": p.text("secret_token")} if url else {}
    if url and (limit := p.integer("max_connections")):
        sb.state.webhook["max_connections"] = limit
    sb.state.touch()
    return True


@api_method("deleteWebhook")
async def delete_webhook(sb: Sandbox, p: Params) -> bool:
    if p.flag("drop_pending_updates"):
        sb.state.updates.clear()
    sb.state.webhook = {}
    sb.state.touch()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(sb: Sandbox, p: Params) -> dict[str, Any]:
    hook = sb.state.webhook
    info: dict[str, Any] = {
        "url": hook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(sb.state.updates),
    }
    if hook.get("url"):
        info["max_connections"] = hook.get("max_connections", 40)
        info["allowed_updates"] = sorted(sb.state.allowed_updates)
    return info


# -- commands and bot texts -----------------------------------------------------------------


def _command_key(p: Params) -> tuple[tuple[str, int | None, int | None], str]:
    return v.command_scope(p.json("scope")), v.language_code(p.text("language_code"))


@api_method("setMyCommands")
async def set_my_commands(sb: Sandbox, p: Params) -> bool:
    commands = v.bot_commands(p.json("commands"))
    key = _command_key(p)
    if commands:
        sb.state.commands[key] = commands
    else:
        sb.state.commands.pop(key, None)
    sb.state.touch()
    return True


@api_method("getMyCommands")
async def get_my_commands(sb: Sandbox, p: Params) -> list[dict[str, str]]:
    return list(sb.state.commands.get(_command_key(p), []))


@api_method("deleteMyCommands")
async def delete_my_commands(sb: Sandbox, p: Params) -> bool:
    sb.state.commands.pop(_command_key(p), None)
    sb.state.touch()
    return True


_BOT_TEXTS = {
    "name": ("name", 64),
    "description": ("description", 512),
    "shortdescription": ("short_description", 120),
}


def _bot_text_method(kind: str) -> None:
    field, limit = _BOT_TEXTS[kind]
    title = {"name": "Name", "description": "Description", "shortdescription": "ShortDescription"}

    async def setter(sb: Sandbox, p: Params) -> bool:
        text = p.text(field) or ""
        if len(text) > limit:
            raise bad_request(f"{field} is too long")
        sb.state.bot_texts[(kind, v.language_code(p.text("language_code")))] = text
        return True

    async def getter(sb: Sandbox, p: Params) -> dict[str, str]:
        lang = v.language_code(p.text("language_code"))
        texts = sb.state.bot_texts
        default = sb.bot_user["first_name"] if kind == "name" else ""
        return {field: texts.get((kind, lang)) or texts.get((kind, "")) or default}

    api_method(f"setMy{title[kind]}")(setter)
    api_method(f"getMy{title[kind]}")(getter)


for _kind in _BOT_TEXTS:
    _bot_text_method(_kind)


# -- chats ----------------------------------------------------------------------------------


@api_method("getChat")
async def get_chat(sb: Sandbox, p: Params) -> dict[str, Any]:
    record = sb.state.find_chat(p.chat_id())
    return {
        **record.chat,
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    }


def _member(sb: Sandbox, record: Any, user_id: int) -> dict[str, Any]:
    bot_id = sb.bot_user["id"]
    user = sb.bot_user if user_id == bot_id else sb.state.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if user_id in record.admins and not record.is_private:
        rights = [
            "can_manage_chat",
            "can_delete_messages",
            "can_manage_video_chats",
            "can_restrict_members",
            "can_change_info",
            "can_invite_users",
            "can_pin_messages",
            "can_post_stories",
            "can_edit_stories",
            "can_delete_stories",
        ]
        return {
            "status": "administrator",
            "user": dict(user),
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            **dict.fromkeys(rights, True),
        }
    status = "member" if user_id in record.members else "left"
    return {"status": status, "user": dict(user)}


@api_method("getChatMember")
async def get_chat_member(sb: Sandbox, p: Params) -> dict[str, Any]:
    record = sb.state.find_chat(p.chat_id())
    user_id = p.integer("user_id", required=True)
    assert user_id is not None
    return _member(sb, record, user_id)


@api_method("getChatAdministrators")
async def get_chat_administrators(sb: Sandbox, p: Params) -> list[dict[str, Any]]:
    record = sb.state.find_chat(p.chat_id())
    if record.is_private:
        raise bad_request("there are no administrators in the private chat")
    return [_member(sb, record, user_id) for user_id in sorted(record.admins)]


@api_method("getChatMemberCount")
async def get_chat_member_count(sb: Sandbox, p: Params) -> int:
    return len(sb.state.find_chat(p.chat_id()).members)


@api_method("sendChatAction")
async def send_chat_action(sb: Sandbox, p: Params) -> bool:
    record = sb.state.writable_chat(p.chat_id())
    action = p.text("action")
    if action not in v.CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    sb.chat_actions.append((record.id, action))
    sb.state.touch(record.id)
    return True


# -- files and callback queries -------------------------------------------------------------


@api_method("getFile")
async def get_file(sb: Sandbox, p: Params) -> dict[str, Any]:
    stored = sb.state.files.get(p.text("file_id") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.file_object()


@api_method("answerCallbackQuery")
async def answer_callback_query(sb: Sandbox, p: Params) -> bool:
    record = sb.state.callbacks.get(p.text("callback_query_id") or "")
    if record is None or record.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    record.answer = {
        "answered": True,
        "text": v.callback_answer_text(p.text("text")),
        "show_alert": p.flag("show_alert"),
        "url": p.text("url"),
    }
    record.answered.set()
    sb.state.touch()
    return True
