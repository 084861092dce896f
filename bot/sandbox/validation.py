"""Request parameters and Telegram's limits: text, captions, keyboards, commands."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from .errors import bad_request
from .html_format import HtmlParseError, parse_html, trim, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_BUTTONS = 100
MAX_ROW_BUTTONS = 8
MAX_CALLBACK_ANSWER = 200
INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
SCOPE_TYPES = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")
_URL_RE = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)


@dataclass
class Upload:
    """A file part of a multipart request."""

    filename: str | None
    data: bytes
    content_type: str | None


class Params:
    """Typed access to Bot API parameters (form fields arrive as strings, JSON-encoded)."""

    def __init__(self, data: dict[str, Any], files: dict[str, Upload] | None = None) -> None:
        self.data = data
        self.files = files or {}

    def has(self, name: str) -> bool:
        return name in self.data or name in self.files

    def text(self, name: str, *, required: bool = False) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def json(self, name: str) -> Any:
        value = self.data.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.json(name)
        if value is None or value == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except ValueError:
            raise bad_request(f"invalid {name} specified") from None

    def number(self, name: str, *, required: bool = False) -> float | None:
        value = self.json(name)
        if value is None:
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.json(name)
        if value is None:
            return default
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def chat_id(self, name: str = "chat_id") -> int | str:
        raw = self.data.get(name)
        if raw is None or raw == "":
            raise bad_request(f"{name} is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            return raw
        try:
            return int(raw.strip('"') if isinstance(raw, str) else raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None

    def file(self, name: str) -> Upload | str | None:
        """An uploaded file (direct part or attach://) or a file_id / URL string."""
        if name in self.files:
            return self.files[name]
        value = self.data.get(name)
        if isinstance(value, str) and value.startswith("attach://"):
            return self.attachment(value)
        return value if isinstance(value, str) else None

    def attachment(self, ref: str) -> Upload:
        upload = self.files.get(ref.removeprefix("attach://"))
        if upload is None:
            raise bad_request(f"can't find attached file {ref!r}")
        return upload


def format_text(
    text: str | None,
    parse_mode: str | None,
    entities: Any,
    *,
    caption: bool = False,
) -> tuple[str, list[dict[str, Any]], str]:
    """Parse text like Telegram: returns (plain text, entities, raw HTML for display)."""
    text = text or ""
    if parse_mode:
        if parse_mode.lower() != "html":
            if parse_mode.lower() in ("markdown", "markdownv2"):
                raise bad_request(
                    f"can't parse entities: the sandbox supports only parse_mode HTML, "
                    f"not {parse_mode}"
                )
            raise bad_request("unsupported parse_mode")
        try:
            plain, found = parse_html(text)
        except HtmlParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        source = text
    else:
        plain, found = text, _explicit_entities(entities)
        source = ""
    plain, found = trim(plain, found)
    if not parse_mode:
        source = html.escape(plain, quote=False)
    length = utf16_len(plain)
    if caption:
        if length > MAX_CAPTION:
            raise bad_request("message caption is too long")
    elif not plain:
        raise bad_request("message text is empty")
    elif length > MAX_TEXT:
        raise bad_request("message is too long")
    return plain, found, source


def _explicit_entities(entities: Any) -> list[dict[str, Any]]:
    if entities is None:
        return []
    if not isinstance(entities, list) or not all(
        isinstance(e, dict) and {"type", "offset", "length"} <= e.keys() for e in entities
    ):
        raise bad_request("can't parse entities JSON object")
    return [dict(e) for e in entities]


def reply_markup(value: Any) -> dict[str, Any] | None:
    """Validate ``reply_markup``; returns the normalised markup (None if absent)."""
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in value:
        return {"inline_keyboard": _inline_keyboard(value["inline_keyboard"])}
    if "keyboard" in value:
        rows = value["keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse reply keyboard markup JSON object")
        keyboard = [[_reply_button(button) for button in row] for row in rows]
        return {**value, "keyboard": keyboard}
    if value.get("remove_keyboard") is True or value.get("force_reply") is True:
        return dict(value)
    raise bad_request("can't parse reply keyboard markup JSON object")


def _inline_keyboard(rows: Any) -> list[list[dict[str, Any]]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('can\'t parse inline keyboard button: field "inline_keyboard"')
    if sum(len(row) for row in rows) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    for row in rows:
        if len(row) > MAX_ROW_BUTTONS:
            raise bad_request("too many buttons in a row")
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise bad_request("can't parse inline keyboard button: Text must be a string")
            if not button["text"].strip():
                raise bad_request("BUTTON_TEXT_INVALID")
            actions = [key for key in INLINE_ACTIONS if key in button]
            if len(actions) != 1:
                raise bad_request(
                    "can't parse inline keyboard button: text buttons are "
                    "unallowed in the inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                size = len(data.encode("utf-8")) if isinstance(data, str) else 0
                if not 1 <= size <= MAX_CALLBACK_DATA:
                    raise bad_request("BUTTON_DATA_INVALID")
            if "url" in button and not _URL_RE.fullmatch(str(button["url"])):
                raise bad_request("BUTTON_URL_INVALID")
    return [[dict(button) for button in row] for row in rows]


def _reply_button(button: Any) -> dict[str, Any]:
    if isinstance(button, str):
        button = {"text": button}
    if not isinstance(button, dict) or not str(button.get("text", "")).strip():
        raise bad_request("can't parse keyboard button: Text must be a non-empty string")
    return dict(button)


def callback_answer_text(text: str | None) -> str | None:
    if text is not None and len(text) > MAX_CALLBACK_ANSWER:
        raise bad_request("MESSAGE_TOO_LONG")
    return text


def bot_commands(value: Any) -> list[dict[str, str]]:
    """Validate setMyCommands' ``commands``."""
    if not isinstance(value, list):
        raise bad_request("can't parse commands JSON object")
    if len(value) > 100:
        raise bad_request("too many commands")
    commands = []
    for item in value:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(item.get("command", ""))
        description = str(item.get("description", ""))
        if not _COMMAND_RE.fullmatch(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description.strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append({"command": command, "description": description})
    return commands


def command_scope(value: Any) -> tuple[str, int | None, int | None]:
    """Validate a BotCommandScope; returns a hashable (type, chat_id, user_id) key."""
    if value is None:
        return ("default", None, None)
    if not isinstance(value, dict) or value.get("type") not in SCOPE_TYPES:
        raise bad_request("can't parse BotCommandScope JSON object")
    needed = SCOPE_TYPES[value["type"]]
    for key in needed:
        if key not in value:
            raise bad_request(f"{key} is empty")
    chat_id = int(value["chat_id"]) if "chat_id" in needed else None
    user_id = int(value["user_id"]) if "user_id" in needed else None
    return (value["type"], chat_id, user_id)


def language_code(value: str | None) -> str:
    """A two-letter ISO 639-1 code or "" (all languages), as setMyCommands requires."""
    value = value or ""
    if value and not _LANGUAGE_RE.fullmatch(value):
        raise bad_request('LANG_CODE_INVALID: expected a two-letter ISO 639-1 code like "zh"')
    return value
