"""The sandbox's world: users, chats, messages, files and the update queue.

Every mutation calls :meth:`State.touch`, which wakes whoever awaits a state change (long polls,
``wait_for``, the web page's long poll). Nothing here sleeps or polls.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from .errors import bad_request, forbidden
from .media import VOICE_FORMATS, StoredFile, extension, new_ids, photo_variants

T = TypeVar("T")

DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "callback_query",
        "inline_query",
        "chosen_inline_result",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
    }
)


@dataclass
class ChatRecord:
    """A chat the sandbox knows, with its members and messages."""

    chat: dict[str, Any]
    members: set[int] = field(default_factory=set)
    admins: set[int] = field(default_factory=set)
    messages: list[dict[str, Any]] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)
    html: dict[int, str] = field(default_factory=dict)
    next_message_id: int = 1
    version: int = 0
    reply_keyboard: dict[str, Any] | None = None

    @property
    def id(self) -> int:
        return int(self.chat["id"])

    @property
    def is_private(self) -> bool:
        return bool(self.chat["type"] == "private")


@dataclass
class CallbackRecord:
    """A callback query delivered to the bot and its answer (None until answered)."""

    query: dict[str, Any]
    answer: dict[str, Any] | None = None
    answered: asyncio.Event = field(default_factory=asyncio.Event)


class State:
    """All mutable sandbox state plus change notification."""

    def __init__(self, bot_user: dict[str, Any]) -> None:
        self.bot_user = bot_user
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, ChatRecord] = {}
        self.started: set[int] = set()
        self.blocked: set[int] = set()
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.photos: dict[str, list[str]] = {}  # photo group -> file ids, smallest first
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 10_001
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        self.callbacks: dict[str, CallbackRecord] = {}
        self.webhook: dict[str, Any] = {}
        self.commands: dict[tuple[tuple[str, int | None, int | None], str], list[Any]] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}  # (kind, language) -> name/description
        self.closed = False
        self.version = 0
        self._changed = asyncio.Event()
        self._counter = 0

    # -- change notification -------------------------------------------------------------

    def touch(self, chat_id: int | None = None) -> None:
        """Record a state change and wake every waiter."""
        self.version += 1
        if chat_id is not None and chat_id in self.chats:
            self.chats[chat_id].version = self.version
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    async def wait_until(self, predicate: Callable[[], T], timeout: float | None) -> T:  # noqa: ASYNC109
        """Re-check ``predicate`` on every state change until truthy; TimeoutError otherwise."""
        async with asyncio.timeout(timeout):
            while True:
                result = predicate()
                if result or self.closed:
                    return result
                await self._changed.wait()

    def next_id(self, prefix: str = "") -> str:
        """A unique id within this sandbox."""
        self._counter += 1
        return f"{prefix}{self._counter}"

    # -- users and chats -----------------------------------------------------------------

    def add_user(self, user: dict[str, Any]) -> None:
        self.users[user["id"]] = user
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        for key in ("last_name", "username"):
            if user.get(key):
                chat[key] = user[key]
        record = self.chats.get(user["id"])
        if record is None:
            self.chats[user["id"]] = ChatRecord(chat, members={user["id"], self.bot_user["id"]})
        else:
            record.chat = chat
        self.touch(user["id"])

    def add_group(self, chat: dict[str, Any], members: set[int], admins: set[int]) -> None:
        record = self.chats.get(chat["id"])
        if record is None:
            record = self.chats[chat["id"]] = ChatRecord(chat)
        record.chat = chat
        record.members |= members | admins | {self.bot_user["id"]}
        record.admins |= admins | {self.bot_user["id"]}
        self.touch(chat["id"])

    def user(self, user_id: int) -> dict[str, Any]:
        try:
            return self.users[user_id]
        except KeyError:
            raise KeyError(f"unknown user {user_id}; add it with add_user() first") from None

    def chat(self, chat_id: int) -> ChatRecord:
        try:
            return self.chats[chat_id]
        except KeyError:
            raise KeyError(f"unknown chat {chat_id}; add it with add_group() first") from None

    def find_chat(self, chat_id: int | str) -> ChatRecord:
        """Resolve a Bot API chat_id (int or "@username") or raise 400 chat not found."""
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            for record in self.chats.values():
                if str(record.chat.get("username", "")).lower() == wanted:
                    return record
            raise bad_request("chat not found")
        try:
            return self.chats[int(chat_id)]
        except (KeyError, ValueError):
            raise bad_request("chat not found") from None

    def writable_chat(self, chat_id: int | str) -> ChatRecord:
        """The chat the bot wants to post in, with Telegram's 400/403 answers."""
        record = self.find_chat(chat_id)
        if record.is_private:
            if record.id in self.blocked:
                raise forbidden("bot was blocked by the user")
            if record.id not in self.started:
                raise forbidden("bot can't initiate conversation with a user")
        elif self.bot_user["id"] not in record.members:
            raise forbidden("bot is not a member of the group chat")
        return record

    # -- messages ------------------------------------------------------------------------

    def add_message(
        self, record: ChatRecord, sender: dict[str, Any], html: str | None = None, **content: Any
    ) -> dict[str, Any]:
        """Store a new message in the chat and return it (the stored dict, not a copy)."""
        message: dict[str, Any] = {
            "message_id": record.next_message_id,
            "from": copy.deepcopy(sender),
            "chat": copy.deepcopy(record.chat),
            "date": int(time.time()),
        }
        message.update({key: value for key, value in content.items() if value is not None})
        record.next_message_id += 1
        record.messages.append(message)
        if html is not None:
            record.html[message["message_id"]] = html
        self.touch(record.id)
        return message

    def find_message(self, record: ChatRecord, message_id: int) -> dict[str, Any] | None:
        if message_id in record.deleted:
            return None
        found: dict[str, Any] | None = next(
            (m for m in reversed(record.messages) if m["message_id"] == message_id), None
        )
        return found

    def history(self, chat_id: int) -> list[dict[str, Any]]:
        """Deep copies of the chat's live messages; each carries the raw HTML under "html"."""
        record = self.chat(chat_id)
        result = []
        for message in record.messages:
            if message["message_id"] in record.deleted:
                continue
            item = copy.deepcopy(message)
            if message["message_id"] in record.html:
                item["html"] = record.html[message["message_id"]]
            result.append(item)
        return result

    # -- updates -------------------------------------------------------------------------

    def enqueue(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update for the bot (a snapshot); None if allowed_updates filters it out."""
        if kind not in self.allowed_updates:
            return None
        update = {"update_id": self.next_update_id, kind: copy.deepcopy(payload)}
        self.next_update_id += 1
        self.updates.append(update)
        self.touch()
        return update

    def confirm(self, offset: int | None) -> None:
        """Drop updates below ``offset`` (negative: keep the last ``-offset`` only)."""
        if offset is None or offset == 0:
            return
        if offset < 0:
            del self.updates[: max(len(self.updates) + offset, 0)]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def set_allowed_updates(self, allowed: list[str] | None) -> None:
        if allowed is None:
            return
        self.allowed_updates = frozenset(allowed) if allowed else DEFAULT_UPDATE_TYPES

    # -- files ---------------------------------------------------------------------------

    def store_file(self, stored: StoredFile) -> StoredFile:
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def photo_sizes(self, group: str) -> list[dict[str, Any]]:
        return [self.files[file_id].photo_size() for file_id in self.photos[group]]

    async def store_photo(self, data: bytes) -> list[dict[str, Any]]:
        """Store an uploaded photo as several sizes; returns the PhotoSize list.

        Raises :class:`~bot.sandbox.media.ImageError` for bytes that are not an image.
        """
        variants = await asyncio.to_thread(photo_variants, data)
        group = self.next_id("photo")
        ids = []
        for width, height, jpeg in variants:
            file_id, unique_id = new_ids("photo")
            path = f"photos/file_{self.next_id()}.jpg"
            self.store_file(
                StoredFile(
                    file_id,
                    unique_id,
                    jpeg,
                    path,
                    "photo",
                    "image/jpeg",
                    width,
                    height,
                    group=group,
                )
            )
            ids.append(file_id)
        self.photos[group] = ids
        return self.photo_sizes(group)

    def store_document(self, data: bytes, file_name: str | None, mime_type: str) -> StoredFile:
        """Store an uploaded document."""
        file_id, unique_id = new_ids("document")
        path = f"documents/file_{self.next_id()}.{extension(file_name, mime_type)}"
        return self.store_file(
            StoredFile(file_id, unique_id, data, path, "document", mime_type, file_name=file_name)
        )

    def store_voice(self, data: bytes, mime_type: str, duration: int) -> StoredFile:
        """Store a voice note (the caller has checked its format: see ``voice_mime``)."""
        file_id, unique_id = new_ids("voice")
        path = f"voice/file_{self.next_id()}.{VOICE_FORMATS[mime_type]}"
        return self.store_file(
            StoredFile(file_id, unique_id, data, path, "voice", mime_type, duration=duration)
        )
