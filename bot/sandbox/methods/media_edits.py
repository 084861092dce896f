"""editMessageMedia: a photo message gets another photo (and caption), as Telegram does it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import validation as v
from ..errors import bad_request
from ._registry import api_method
from .messages import MEDIA_KEYS, _apply, _edit_markup, _editable, _photo

if TYPE_CHECKING:
    from ..sandbox import Sandbox
    from ..validation import Params


@api_method("editMessageMedia")
async def edit_message_media(sb: Sandbox, p: Params) -> dict[str, Any]:
    record, message = _editable(sb, p)
    media = p.json("media")
    if not isinstance(media, dict) or not media.get("type") or not media.get("media"):
        raise bad_request("can't parse InputMedia JSON object")
    if not any(key in message for key in MEDIA_KEYS):
        raise bad_request("there is no media in the message to edit")
    if media["type"] != "photo":  # the product edits photos only; other kinds are refused
        raise bad_request(f"media type {media['type']!r} is not simulated")
    source = str(media["media"])
    photo = await _photo(sb, p.attachment(source) if source.startswith("attach://") else source)
    caption, entities, html = v.format_text(
        media.get("caption"),
        media.get("parse_mode"),
        media.get("caption_entities"),
        caption=True,
    )
    changes: dict[str, Any] = {key: None for key in MEDIA_KEYS if key != "photo"}
    changes |= {
        "photo": photo,
        "caption": caption or None,
        "caption_entities": entities or None,
        "reply_markup": _edit_markup(p),
    }
    return _apply(sb, record, message, changes, html or "")
