"""Methods that post, edit and delete messages."""

from __future__ import annotations

import copy
import time
from typing import TYPE_CHECKING, Any

from .. import validation as v
from ..errors import bad_request
from ..media import ImageError, guess_mime, voice_mime
from ..validation import Upload
from ._registry import api_method

if TYPE_CHECKING:
    from ..sandbox import Sandbox
    from ..state import ChatRecord
    from ..validation import Params

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
MEDIA_KEYS = ("photo", "document", "video", "audio", "animation", "voice")


def _reply_to(sb: Sandbox, record: ChatRecord, p: Params) -> dict[str, Any] | None:
    params = p.json("reply_parameters")
    if params is None and p.has("reply_to_message_id"):
        params = {
            "message_id": p.integer("reply_to_message_id"),
            "allow_sending_without_reply": p.flag("allow_sending_without_reply"),
        }
    if not params:
        return None
    if not isinstance(params, dict) or "message_id" not in params:
        raise bad_request("can't parse reply parameters JSON object")
    target = record
    if params.get("chat_id") not in (None, record.id):
        target = sb.state.find_chat(params["chat_id"])
    message = sb.state.find_message(target, int(params["message_id"]))
    if message is None:
        if params.get("allow_sending_without_reply"):
            return None
        raise bad_request("message to be replied not found")
    reply = copy.deepcopy(message)
    reply.pop("reply_to_message", None)
    return reply


def _target(sb: Sandbox, p: Params) -> ChatRecord:
    return sb.state.writable_chat(p.chat_id())


def _post(
    sb: Sandbox,
    record: ChatRecord,
    p: Params,
    *,
    html: str | None = None,
    **content: Any,
) -> dict[str, Any]:
    """Validate markup/reply, apply the flood limit and store one bot message."""
    markup = v.reply_markup(p.json("reply_markup"))
    reply = _reply_to(sb, record, p)
    sb.faults.check_flood(record.id)
    inline = markup if markup and "inline_keyboard" in markup else None
    message = sb.state.add_message(
        record,
        sb.bot_user,
        html=html,
        reply_to_message=reply,
        reply_markup=inline,
        **content,
    )
    if markup and "keyboard" in markup:
        record.reply_keyboard = markup
    elif markup and markup.get("remove_keyboard"):
        record.reply_keyboard = None
    sb.faults.record_sent(record.id)
    sb.state.touch(record.id)
    return copy.deepcopy(message)


def _caption(p: Params, name: str = "caption") -> tuple[str | None, list[Any] | None, str | None]:
    if not p.has(name):
        return None, None, None
    text, entities, source = v.format_text(
        p.text(name), p.text("parse_mode"), p.json(f"{name}_entities"), caption=True
    )
    return text or None, entities or None, source if text else None


@api_method("sendMessage")
async def send_message(sb: Sandbox, p: Params) -> dict[str, Any]:
    record = _target(sb, p)
    text, entities, source = v.format_text(
        p.text("text"), p.text("parse_mode"), p.json("entities")
    )
    return _post(sb, record, p, html=source, text=text, entities=entities or None)


async def _photo(sb: Sandbox, value: Upload | str | None) -> list[dict[str, Any]]:
    if value is None or value == "":
        raise bad_request("there is no photo in the request")
    if isinstance(value, Upload):
        try:
            return await sb.state.store_photo(value.data)
        except ImageError as exc:
            raise bad_request(str(exc)) from None
    stored = sb.state.files.get(value)
    if stored is None:
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != "photo" or stored.group is None:
        raise bad_request(f"can't use file of type {stored.kind.title()} as Photo")
    return sb.state.photo_sizes(stored.group)


def _document(sb: Sandbox, value: Upload | str | None) -> dict[str, Any]:
    if value is None or value == "":
        raise bad_request("there is no document in the request")
    if isinstance(value, Upload):
        mime = value.content_type or guess_mime(value.filename)
        if mime == "application/octet-stream":
            mime = guess_mime(value.filename)
        return sb.state.store_document(value.data, value.filename, mime).document()
    stored = sb.state.files.get(value)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != "document":
        raise bad_request(f"can't use file of type {stored.kind.title()} as Document")
    return stored.document()


@api_method("sendPhoto")
async def send_photo(sb: Sandbox, p: Params) -> dict[str, Any]:
    record = _target(sb, p)
    caption, entities, source = _caption(p)
    v.reply_markup(p.json("reply_markup"))  # fail before storing the upload
    photo = await _photo(sb, p.file("photo"))
    return _post(
        sb,
        record,
        p,
        html=source,
        photo=photo,
        caption=caption,
        caption_entities=entities,
        has_media_spoiler=p.flag("has_spoiler") or None,
        show_caption_above_media=p.flag("show_caption_above_media") or None,
    )


@api_method("sendDocument")
async def send_document(sb: Sandbox, p: Params) -> dict[str, Any]:
    record = _target(sb, p)
    caption, entities, source = _caption(p)
    v.reply_markup(p.json("reply_markup"))
    document = _document(sb, p.file("document"))
    return _post(
        sb,
        record,
        p,
        html=source,
        document=document,
        caption=caption,
        caption_entities=entities,
    )


def _voice(sb: Sandbox, value: Upload | str | None, duration: int | None) -> dict[str, Any]:
    if value is None or value == "":
        raise bad_request("there is no voice in the request")
    if isinstance(value, Upload):
        mime = voice_mime(value.data)
        if mime is None:
            raise bad_request("wrong file type: a voice note must be OGG/Opus, MP3 or M4A")
        return sb.state.store_voice(value.data, mime, max(duration or 0, 0)).voice()
    stored = sb.state.files.get(value)
    if stored is None:
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != "voice":
        raise bad_request(f"can't use file of type {stored.kind.title()} as Voice")
    return stored.voice()


@api_method("sendVoice")
async def send_voice(sb: Sandbox, p: Params) -> dict[str, Any]:
    record = _target(sb, p)
    caption, entities, source = _caption(p)
    v.reply_markup(p.json("reply_markup"))  # fail before storing the upload
    voice = _voice(sb, p.file("voice"), p.integer("duration"))
    return _post(
        sb, record, p, html=source, voice=voice, caption=caption, caption_entities=entities
    )


@api_method("sendMediaGroup")
async def send_media_group(sb: Sandbox, p: Params) -> list[dict[str, Any]]:
    record = _target(sb, p)
    media = p.json("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("media must contain 2-10 items (wrong number of media)")
    kinds = {item.get("type") for item in media if isinstance(item, dict)}
    if len(kinds) != 1 or not kinds <= {"photo", "document"}:
        raise bad_request("sendMediaGroup supports photo or document items of one type only")
    sb.faults.check_flood(record.id, len(media))
    prepared = []
    for item in media:
        caption_params = v.Params(
            {
                "caption": item.get("caption"),
                "parse_mode": item.get("parse_mode"),
                "caption_entities": item.get("caption_entities"),
            }
            if item.get("caption") is not None
            else {}
        )
        caption, entities, source = _caption(caption_params)
        ref = item.get("media")
        value = p.attachment(ref) if str(ref).startswith("attach://") else ref
        content = (
            {"photo": await _photo(sb, value)}
            if item["type"] == "photo"
            else {"document": _document(sb, value)}
        )
        prepared.append((source, {**content, "caption": caption, "caption_entities": entities}))
    group_id = str(int(time.time() * 1000)) + sb.state.next_id()
    no_markup = v.Params({k: val for k, val in p.data.items() if k != "reply_markup"}, p.files)
    return [
        _post(sb, record, no_markup, html=source, media_group_id=group_id, **content)
        for source, content in prepared
    ]


@api_method("sendLocation")
async def send_location(sb: Sandbox, p: Params) -> dict[str, Any]:
    record = _target(sb, p)
    latitude = p.number("latitude", required=True)
    longitude = p.number("longitude", required=True)
    assert latitude is not None
    assert longitude is not None
    if not -90 <= latitude <= 90 or not -180 <= longitude <= 180:
        raise bad_request("wrong latitude or longitude")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if p.has("horizontal_accuracy"):
        location["horizontal_accuracy"] = p.number("horizontal_accuracy")
    return _post(sb, record, p, location=location)


@api_method("sendContact")
async def send_contact(sb: Sandbox, p: Params) -> dict[str, Any]:
    record = _target(sb, p)
    contact = {
        "phone_number": p.text("phone_number", required=True),
        "first_name": p.text("first_name", required=True),
    }
    if p.has("last_name"):
        contact["last_name"] = p.text("last_name")
    return _post(sb, record, p, contact=contact)


# -- editing --------------------------------------------------------------------------------


def _editable(sb: Sandbox, p: Params) -> tuple[ChatRecord, dict[str, Any]]:
    if p.has("inline_message_id"):
        raise bad_request("message to edit not found (inline messages are not simulated)")
    record = sb.state.find_chat(p.chat_id())
    message_id = p.integer("message_id", required=True)
    assert message_id is not None
    message = sb.state.find_message(record, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if message["from"]["id"] != sb.bot_user["id"]:
        raise bad_request("message can't be edited")
    return record, message


def _edit_markup(p: Params) -> dict[str, Any] | None:
    markup = v.reply_markup(p.json("reply_markup"))
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


def _apply(
    sb: Sandbox,
    record: ChatRecord,
    message: dict[str, Any],
    changes: dict[str, Any],
    html: str | None,
) -> dict[str, Any]:
    """Apply an edit (None removes a field) unless nothing changes."""
    if all(message.get(key) == value for key, value in changes.items()):
        raise bad_request(NOT_MODIFIED)
    for key, value in changes.items():
        if value is None:
            message.pop(key, None)
        else:
            message[key] = value
    message["edit_date"] = int(time.time())
    if html is not None:
        record.html[message["message_id"]] = html
    sb.state.touch(record.id)
    return copy.deepcopy(message)


@api_method("editMessageText")
async def edit_message_text(sb: Sandbox, p: Params) -> dict[str, Any]:
    record, message = _editable(sb, p)
    if "text" not in message:
        raise bad_request("there is no text in the message to edit")
    text, entities, source = v.format_text(
        p.text("text"), p.text("parse_mode"), p.json("entities")
    )
    changes = {"text": text, "entities": entities or None, "reply_markup": _edit_markup(p)}
    return _apply(sb, record, message, changes, source)


@api_method("editMessageCaption")
async def edit_message_caption(sb: Sandbox, p: Params) -> dict[str, Any]:
    record, message = _editable(sb, p)
    if not any(key in message for key in MEDIA_KEYS):
        raise bad_request("there is no caption in the message to edit")
    caption, entities, source = _caption(p)
    changes = {
        "caption": caption,
        "caption_entities": entities,
        "reply_markup": _edit_markup(p),
    }
    return _apply(sb, record, message, changes, source or "")


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(sb: Sandbox, p: Params) -> dict[str, Any]:
    record, message = _editable(sb, p)
    return _apply(sb, record, message, {"reply_markup": _edit_markup(p)}, None)


@api_method("deleteMessage")
async def delete_message(sb: Sandbox, p: Params) -> bool:
    record = sb.state.find_chat(p.chat_id())
    message_id = p.integer("message_id", required=True)
    assert message_id is not None
    _delete(sb, record, message_id)
    return True


@api_method("deleteMessages")
async def delete_messages(sb: Sandbox, p: Params) -> bool:
    record = sb.state.find_chat(p.chat_id())
    ids = p.json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must contain 1-100 ids")
    for message_id in ids:
        if sb.state.find_message(record, int(message_id)) is not None:
            _delete(sb, record, int(message_id))
    return True


def _delete(sb: Sandbox, record: ChatRecord, message_id: int) -> None:
    message = sb.state.find_message(record, message_id)
    if message is None:
        raise bad_request("message to delete not found")
    own = message.get("from", {}).get("id") == sb.bot_user["id"]
    if not (own or record.is_private or sb.bot_user["id"] in record.admins):
        raise bad_request("message can't be deleted")
    record.deleted.add(message_id)
    sb.state.touch(record.id)
