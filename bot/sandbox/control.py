"""The Python control API: act as users (inspecting and awaiting the bot: `inspection`)."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .faults import Faults
from .html_format import utf16_len
from .inspection import InspectionMixin
from .media import guess_mime, voice_mime
from .state import CallbackRecord, ChatRecord, State

if TYPE_CHECKING:
    pass


class ControlMixin(InspectionMixin):
    """User-side actions and assertions helpers of :class:`~bot.sandbox.Sandbox`."""

    state: State
    faults: Faults
    bot_user: dict[str, Any]
    calls: list[tuple[str, dict[str, Any]]]
    api_errors: list[tuple[str, dict[str, Any], str]]
    persona_roles: dict[int, str | None]

    # -- setting up the world ------------------------------------------------------------

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "zh-hans",
        started: bool = False,
    ) -> dict[str, Any]:
        """Add (or update) a Telegram user; ``started=True`` as if they had /start-ed the bot."""
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        for key, value in (
            ("last_name", last_name),
            ("username", username),
            ("language_code", language_code),
        ):
            if value:
                user[key] = value
        self.state.add_user(user)
        if started:
            self.state.started.add(user_id)
        self.persona_roles.setdefault(user_id, None)
        return dict(user)

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        username: str | None = None,
    ) -> dict[str, Any]:
        """Add a group (the bot is a member and admin); ids from -100… are supergroups."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        chat: dict[str, Any] = {"id": chat_id, "type": kind, "title": title}
        if username:
            chat["username"] = username
        members, admins = set(members), set(admins)
        for user_id in members | admins:
            self.state.user(user_id)
        self.state.add_group(chat, members, admins)
        return dict(chat)

    def block_bot(self, user_id: int) -> None:
        """The user blocks the bot: sends to them answer 403 until they write again."""
        self.state.blocked.add(user_id)

    # -- acting as a user ----------------------------------------------------------------

    def _record_for(self, user_id: int, chat_id: int | None) -> ChatRecord:
        self.state.user(user_id)
        record = self.state.chat(user_id if chat_id is None else chat_id)
        if record.is_private and record.id != user_id:
            raise ValueError(f"user {user_id} can't write in the private chat of {record.id}")
        if not record.is_private and user_id not in record.members:
            raise ValueError(
                f"user {user_id} is not a member of chat {record.id}; use join_group() or "
                "add_group(members=...)"
            )
        return record

    def _user_message(
        self, user_id: int, chat_id: int | None, *, kind: str = "message", **content: Any
    ) -> dict[str, Any]:
        record = self._record_for(user_id, chat_id)
        if record.is_private:
            self.state.started.add(user_id)
            self.state.blocked.discard(user_id)
        html_source = content.pop("html", None)
        message = self.state.add_message(
            record, self.state.user(user_id), html=html_source, **content
        )
        self.state.enqueue(kind, message)
        return copy.deepcopy(message)

    async def send_text(
        self,
        user_id: int,
        text: str,
        *,
        chat_id: int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a text; a leading /command gets a bot_command entity.

        ``reply_to``: the id of a message in the same chat this one replies to (swipe → reply).
        """
        if not text.strip():
            raise ValueError("Telegram clients don't send empty messages")
        entities = None
        if text.startswith("/") and len(text) > 1 and not text[1].isspace():
            command = text.split(maxsplit=1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        record = self._record_for(user_id, chat_id)
        keyboard = record.reply_keyboard
        if (
            keyboard
            and keyboard.get("one_time_keyboard")
            and any(button.get("text") == text for row in keyboard["keyboard"] for button in row)
        ):
            record.reply_keyboard = None
        replied = None
        if reply_to is not None:
            replied = self.state.find_message(record, reply_to)
            if replied is None:
                raise ValueError(f"message {reply_to} not found in chat {record.id}")
            replied = copy.deepcopy(replied)
            replied.pop("reply_to_message", None)  # Telegram nests one level only
        return self._user_message(
            user_id, chat_id, text=text, entities=entities, reply_to_message=replied
        )

    async def send_command(
        self, user_id: int, command: str, args: str = "", *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user sends ``/command args`` (``command`` may include ``@botname``)."""
        text = "/" + command.lstrip("/")
        if args:
            text += " " + args
        return await self.send_text(user_id, text, chat_id=chat_id)

    async def send_photo(
        self,
        user_id: int,
        image_bytes: bytes,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        forward_from: int | str | dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The user sends (or forwards, ``forward_from`` = user id/dict/hidden name) a photo."""
        self._record_for(user_id, chat_id)
        photo = await self.state.store_photo(image_bytes)
        origin = None
        if forward_from is not None:
            origin = {"type": "user", "date": int(time.time())}
            if isinstance(forward_from, str):
                origin = {**origin, "type": "hidden_user", "sender_user_name": forward_from}
            elif isinstance(forward_from, dict):
                origin["sender_user"] = forward_from
            else:
                origin["sender_user"] = self.state.users.get(
                    forward_from, {"id": forward_from, "is_bot": False, "first_name": "User"}
                )
        return self._user_message(
            user_id, chat_id, photo=photo, caption=caption or None, forward_origin=origin
        )

    async def send_document(
        self,
        user_id: int,
        data: bytes,
        filename: str,
        mime_type: str | None = None,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user sends a file as a document."""
        self._record_for(user_id, chat_id)
        stored = self.state.store_document(data, filename, mime_type or guess_mime(filename))
        return self._user_message(
            user_id, chat_id, document=stored.document(), caption=caption or None
        )

    async def send_voice(
        self,
        user_id: int,
        ogg_bytes: bytes,
        duration: int,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user records and sends a voice note (OGG/Opus, as Telegram's clients record).

        The message carries a ``voice`` object whose file the bot can fetch with getFile.
        """
        if voice_mime(ogg_bytes) != "audio/ogg":
            raise ValueError("Telegram clients record voice notes as OGG/Opus (starts with OggS)")
        if isinstance(duration, bool) or not isinstance(duration, int) or duration < 0:
            raise ValueError("a voice note's duration is a whole number of seconds >= 0")
        self._record_for(user_id, chat_id)
        stored = self.state.store_voice(ogg_bytes, "audio/ogg", duration)
        return self._user_message(user_id, chat_id, voice=stored.voice(), caption=caption or None)

    async def send_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> dict[str, Any]:
        """The user shares a location."""
        location = {"latitude": float(latitude), "longitude": float(longitude)}
        return self._user_message(user_id, chat_id, location=location)

    async def send_contact(
        self,
        user_id: int,
        phone_number: str,
        first_name: str,
        *,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """The user shares a contact (their own: ``contact_user_id=user_id``)."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return self._user_message(user_id, chat_id, contact=contact)

    async def press_button(
        self,
        user_id: int,
        message: dict[str, Any] | int,
        callback_data_or_button_text: str,
        *,
        chat_id: int | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 (contract API)
    ) -> dict[str, Any]:
        """Press an inline button (by callback_data, else by text) and await the bot's answer.

        Returns ``{"answered": bool, "text", "show_alert", "url"}``; ``answered`` is False if
        the bot did not call answerCallbackQuery within ``timeout`` seconds.
        """
        if isinstance(message, dict):
            message_id = int(message["message_id"])
            chat_id = chat_id if chat_id is not None else int(message["chat"]["id"])
        else:
            message_id = int(message)
        record = self._record_for(user_id, chat_id)
        current = self.state.find_message(record, message_id)
        if current is None:
            raise ValueError(f"message {message_id} not found in chat {record.id}")
        rows = (current.get("reply_markup") or {}).get("inline_keyboard") or []
        buttons = [button for row in rows for button in row]
        wanted = callback_data_or_button_text
        button = next((b for b in buttons if b.get("callback_data") == wanted), None) or next(
            (b for b in buttons if b.get("text") == wanted), None
        )
        if button is None or "callback_data" not in button:
            labels = [b.get("text") for b in buttons]
            problem = "is not a callback button" if button else "not found"
            raise ValueError(
                f"button {wanted!r} {problem} on message {message_id}; buttons: {labels}"
            )
        query_id = str(4_000_000_000_000_000 + int(self.state.next_id()))
        query = {
            "id": query_id,
            "from": copy.deepcopy(self.state.user(user_id)),
            "message": copy.deepcopy(current),
            "chat_instance": str(abs(hash((record.id, self.bot_user["id"])))),
            "data": button["callback_data"],
        }
        callback = self.state.callbacks[query_id] = CallbackRecord(query)
        self.state.enqueue("callback_query", query)
        try:
            async with asyncio.timeout(timeout):
                await callback.answered.wait()
        except TimeoutError:
            return {"answered": False, "text": None, "show_alert": False, "url": None}
        assert callback.answer is not None
        return dict(callback.answer)

    async def join_group(self, user_id: int, chat_id: int) -> dict[str, Any]:
        """The user joins the group: a ``new_chat_members`` message."""
        record = self.state.chat(chat_id)
        user = self.state.user(user_id)
        record.members.add(user_id)
        return self._user_message(user_id, chat_id, new_chat_members=[copy.deepcopy(user)])

    async def leave_group(self, user_id: int, chat_id: int) -> dict[str, Any]:
        """The user leaves the group: a ``left_chat_member`` message."""
        self._record_for(user_id, chat_id)
        message = self._user_message(
            user_id, chat_id, left_chat_member=copy.deepcopy(self.state.user(user_id))
        )
        self.state.chat(chat_id).members.discard(user_id)
        self.state.chat(chat_id).admins.discard(user_id)
        return message
