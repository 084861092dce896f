"""The HTTP control API under ``/_sandbox/api/`` and the web chat page at ``/``."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .server import SANDBOX_KEY, json_response
from .views import API, STATIC, WEB_DIR, chat_view, messages_payload, page

if TYPE_CHECKING:
    from .sandbox import Sandbox

MAX_WAIT = 60.0

Handler = Callable[["Sandbox", dict[str, Any]], Awaitable[Any]]


# -- helpers --------------------------------------------------------------------------------


async def _body(request: web.Request) -> dict[str, Any]:
    """JSON, form or multipart body (files as bytes) merged with the query string."""
    data: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json" and request.can_read_body:
        data.update(await request.json())
    elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        for key, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                data[key] = value.file.read()
                data[f"{key}_filename"] = value.filename
                data[f"{key}_content_type"] = value.content_type
            else:
                data[key] = value
    return data


def _int(data: dict[str, Any], key: str, default: Any = ...) -> Any:
    value = data.get(key)
    if value in (None, ""):
        if default is ...:
            raise ValueError(f"{key} is required")
        return default
    return int(value)


def _bytes(data: dict[str, Any], key: str) -> bytes:
    value = data.get(key)
    if isinstance(value, bytes):
        return value
    encoded = data.get(f"{key}_base64")
    if not encoded:
        raise ValueError(f"{key} (multipart file) or {key}_base64 is required")
    try:
        return base64.b64decode(encoded, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{key}_base64 is not valid base64") from exc


# -- actions (POST /_sandbox/api/<name>) -----------------------------------------------------


async def _send_text(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.send_text(_int(d, "user_id"), str(d["text"]), chat_id=_int(d, "chat_id", None))


async def _send_command(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.send_command(
        _int(d, "user_id"),
        str(d["command"]),
        str(d.get("args") or ""),
        chat_id=_int(d, "chat_id", None),
    )


async def _send_photo(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.send_photo(
        _int(d, "user_id"),
        _bytes(d, "photo"),
        caption=d.get("caption") or None,
        chat_id=_int(d, "chat_id", None),
    )


async def _send_voice(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.send_voice(
        _int(d, "user_id"),
        _bytes(d, "voice"),
        _int(d, "duration", 1),
        caption=d.get("caption") or None,
        chat_id=_int(d, "chat_id", None),
    )


async def _send_document(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.send_document(
        _int(d, "user_id"),
        _bytes(d, "document"),
        str(d.get("filename") or d.get("document_filename") or "file"),
        d.get("mime_type") or d.get("document_content_type"),
        caption=d.get("caption") or None,
        chat_id=_int(d, "chat_id", None),
    )


async def _send_location(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.send_location(
        _int(d, "user_id"),
        float(d["latitude"]),
        float(d["longitude"]),
        chat_id=_int(d, "chat_id", None),
    )


async def _send_contact(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.send_contact(
        _int(d, "user_id"),
        str(d["phone_number"]),
        str(d["first_name"]),
        last_name=d.get("last_name"),
        contact_user_id=_int(d, "contact_user_id", None),
        chat_id=_int(d, "chat_id", None),
    )


async def _press_button(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.press_button(
        _int(d, "user_id"),
        _int(d, "message_id"),
        str(d["button"]),
        chat_id=_int(d, "chat_id", None),
        timeout=min(float(d.get("timeout", 10)), MAX_WAIT),
    )


async def _join_group(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.join_group(_int(d, "user_id"), _int(d, "chat_id"))


async def _leave_group(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.leave_group(_int(d, "user_id"), _int(d, "chat_id"))


async def _add_user(sb: Sandbox, d: dict[str, Any]) -> Any:
    return sb.add_persona(
        _int(d, "user_id"),
        str(d["name"]),
        d.get("role"),
        d.get("language_code") or "zh-hans",
        **{k: d[k] for k in ("last_name", "username", "started") if d.get(k) is not None},
    )


async def _add_group(sb: Sandbox, d: dict[str, Any]) -> Any:
    return sb.add_group(
        _int(d, "chat_id"),
        str(d["title"]),
        members=[int(m) for m in d.get("members", [])],
        admins=[int(m) for m in d.get("admins", [])],
    )


async def _wait_bot_messages(sb: Sandbox, d: dict[str, Any]) -> Any:
    return await sb.wait_for_bot_messages(
        _int(d, "chat_id"), _int(d, "count"), timeout=min(float(d.get("timeout", 10)), MAX_WAIT)
    )


async def _faults(sb: Sandbox, d: dict[str, Any]) -> Any:
    if "group_flood_limit" in d:
        limit = d["group_flood_limit"]
        sb.faults.group_flood_limit = None if limit in (None, "") else int(limit)
    if d.get("clear"):
        sb.faults.clear()
    if "kind" in d or "count" in d:
        sb.faults.fail_next(
            _int(d, "count", 1),
            method=d.get("method"),
            chat_id=d.get("chat_id"),
            kind=str(d.get("kind", "429")),
            retry_after=_int(d, "retry_after", 1),
        )
    return {"armed": len(sb.faults.armed), "group_flood_limit": sb.faults.group_flood_limit}


async def _camera_event(sb: Sandbox, d: dict[str, Any]) -> Any:
    """The camera panel: relay a snapshot (uploaded, or a sample by name) to the product."""
    panel = sb.camera_panel
    if panel is None:
        raise ValueError("no camera panel: the sandbox was started without cameras")
    sample = str(d.get("sample") or "")
    has_upload = isinstance(d.get("image"), bytes) or d.get("image_base64")
    if sample and not has_upload:
        if sample not in panel.samples:
            raise ValueError(f"unknown sample photo {sample!r}")
        image = panel.samples[sample]
    else:
        image = _bytes(d, "image")
    return await panel.post(str(d["camera"]), image, str(d.get("plate") or ""))


ACTIONS: dict[str, Handler] = {
    "send_text": _send_text,
    "send_command": _send_command,
    "send_photo": _send_photo,
    "send_voice": _send_voice,
    "send_document": _send_document,
    "send_location": _send_location,
    "send_contact": _send_contact,
    "press_button": _press_button,
    "join_group": _join_group,
    "leave_group": _leave_group,
    "users": _add_user,
    "groups": _add_group,
    "wait_for_bot_messages": _wait_bot_messages,
    "faults": _faults,
    "camera_event": _camera_event,
}


async def action(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    handler = ACTIONS.get(request.match_info["action"])
    if handler is None:
        return json_response({"ok": False, "error": "unknown action"}, status=404)
    try:
        result = await handler(sb, await _body(request))
    except (KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
        return json_response({"ok": False, "error": str(exc).strip("'\"")}, status=400)
    except TimeoutError as exc:
        return json_response({"ok": False, "error": str(exc)}, status=408)
    return json_response({"ok": True, "result": result})


# -- queries (GET) --------------------------------------------------------------------------


async def get_state(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    return json_response(
        {
            "bot": sb.bot_user,
            "personas": sb.personas,
            "chats": [chat_view(record) for record in sb.state.chats.values()],
            "webhook": sb.state.webhook,
            "pending_updates": len(sb.state.updates),
            "version": sb.state.version,
        }
    )


async def get_personas(request: web.Request) -> web.StreamResponse:
    return json_response({"ok": True, "result": request.app[SANDBOX_KEY].personas})


async def get_messages(request: web.Request) -> web.StreamResponse:
    """Long poll: answers when the chat changed after version ``after`` (or ``wait`` ran out)."""
    sb = request.app[SANDBOX_KEY]
    try:
        chat_id = int(request.match_info["chat_id"])
        record = sb.state.chat(chat_id)
        after = int(request.query.get("after", -1))
        wait = min(float(request.query.get("wait", 0)), MAX_WAIT)
    except (KeyError, ValueError) as exc:
        return json_response({"ok": False, "error": str(exc).strip("'\"")}, status=404)
    if wait > 0:
        with contextlib.suppress(TimeoutError):
            await sb.state.wait_until(lambda: record.version > after, wait)
    return json_response({"ok": True, "result": messages_payload(sb, chat_id)})


async def get_history(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    try:
        history = sb.history(int(request.match_info["chat_id"]))
    except (KeyError, ValueError) as exc:
        return json_response({"ok": False, "error": str(exc).strip("'\"")}, status=404)
    return json_response({"ok": True, "result": history})


async def get_calls(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    calls = [{"method": name, "params": params} for name, params in sb.calls]
    return json_response({"ok": True, "result": calls})


async def get_commands(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    try:
        user_id = int(request.query["user_id"])
        chat_id = int(request.query["chat_id"]) if request.query.get("chat_id") else None
        commands = sb.commands_for(user_id, chat_id)
    except (KeyError, ValueError) as exc:
        return json_response({"ok": False, "error": str(exc).strip("'\"")}, status=400)
    return json_response({"ok": True, "result": commands})


async def get_file(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    stored = sb.state.files.get(request.match_info["file_id"])
    if stored is None:
        raise web.HTTPNotFound
    return web.Response(body=stored.data, content_type=stored.mime_type)


def setup_control_routes(app: web.Application) -> None:
    """Register the page, static files and the control API."""
    app.router.add_get("/", page)
    app.router.add_static(STATIC, WEB_DIR / "static")
    app.router.add_get(f"{API}/state", get_state)
    app.router.add_get(f"{API}/personas", get_personas)
    app.router.add_get(f"{API}/chats/{{chat_id}}/messages", get_messages)
    app.router.add_get(f"{API}/chats/{{chat_id}}/history", get_history)
    app.router.add_get(f"{API}/calls", get_calls)
    app.router.add_get(f"{API}/commands", get_commands)
    app.router.add_get(f"{API}/files/{{file_id}}", get_file)
    app.router.add_post(f"{API}/{{action}}", action)
