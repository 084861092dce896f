"""PTB persistence over SQLAlchemy: user/chat/bot data, callback data and conversations.

Everything is stored as JSON rows in the `bot_state` table (`core.models.BotState`), one row per
user, chat, conversation key, plus one for bot data and one for callback data. Values go through
the tagged JSON codec of `core.serial`, so `user_data` may hold JSON types plus tuples, sets,
datetimes, bytes and `@persistable` dataclasses (flows, button data). Anything else (an ORM
object) is refused with a `TypeError` naming the type: keep ids in flow state, not objects.

PTB calls `update_*` every `update_interval` seconds for what changed and once more on
`Application.stop()`; each call is written at once (serialised by a lock), so `flush` has
nothing left to do.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

from core.db import make_session_factory
from core.models import BotState
from core.serial import decode, encode

log = logging.getLogger(__name__)

UPDATE_INTERVAL = 5.0
USER_DATA, CHAT_DATA, BOT_DATA, CALLBACK_DATA = "user_data", "chat_data", "bot_data", "callback"
CONVERSATION_PREFIX = "conversation:"
SINGLE_KEY = "-"


def conversation_key(key: ConversationKey) -> str:
    return json.dumps(list(key), separators=(",", ":"))


# --- the persistence -----------------------------------------------------------------------


class SqlPersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """`BasePersistence` over the `bot_state` table of the product database."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        update_interval: float = UPDATE_INTERVAL,
        store_data: PersistenceInput | None = None,
    ) -> None:
        super().__init__(store_data=store_data, update_interval=update_interval)
        self._sessions: async_sessionmaker[AsyncSession] = make_session_factory(engine)
        self._lock = asyncio.Lock()
        self._written: dict[tuple[str, str], str] = {}

    # -- reading --------------------------------------------------------------------------

    async def _rows(self, namespace: str) -> list[tuple[str, Any]]:
        async with self._sessions() as session:
            result = await session.execute(
                select(BotState.key, BotState.value).where(BotState.namespace == namespace)
            )
            rows = [(key, value) for key, value in result.all()]
        for key, value in rows:
            self._written[(namespace, key)] = json.dumps(value, sort_keys=True)
        return rows

    async def _one(self, namespace: str) -> Any | None:
        rows = await self._rows(namespace)
        return decode(rows[0][1]) if rows else None

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        return {int(key): decode(value) for key, value in await self._rows(USER_DATA)}

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {int(key): decode(value) for key, value in await self._rows(CHAT_DATA)}

    async def get_bot_data(self) -> dict[Any, Any]:
        return await self._one(BOT_DATA) or {}

    async def get_callback_data(self) -> CDCData | None:
        data = await self._one(CALLBACK_DATA)
        if data is None:
            return None
        keyboards, queries = data
        return list(keyboards), dict(queries)

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self._rows(CONVERSATION_PREFIX + name)
        return {tuple(json.loads(key)): decode(value) for key, value in rows}

    # -- writing --------------------------------------------------------------------------

    async def _write(self, namespace: str, key: str, value: Any) -> None:
        encoded = encode(value)
        text = json.dumps(encoded, sort_keys=True)
        if self._written.get((namespace, key)) == text:
            return
        async with self._lock, self._sessions.begin() as session:
            await session.merge(BotState(namespace=namespace, key=key, value=encoded))
        self._written[(namespace, key)] = text

    async def _delete(self, namespace: str, keys: Iterable[str]) -> None:
        keys = list(keys)
        async with self._lock, self._sessions.begin() as session:
            await session.execute(
                delete(BotState).where(BotState.namespace == namespace, BotState.key.in_(keys))
            )
        for key in keys:
            self._written.pop((namespace, key), None)

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self._write(USER_DATA, str(user_id), data)

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        await self._write(CHAT_DATA, str(chat_id), data)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        await self._write(BOT_DATA, SINGLE_KEY, data)

    async def update_callback_data(self, data: CDCData) -> None:
        await self._write(CALLBACK_DATA, SINGLE_KEY, data)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        namespace = CONVERSATION_PREFIX + name
        if new_state is None:
            await self._delete(namespace, [conversation_key(key)])
        else:
            await self._write(namespace, conversation_key(key), new_state)

    async def drop_user_data(self, user_id: int) -> None:
        await self._delete(USER_DATA, [str(user_id)])

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._delete(CHAT_DATA, [str(chat_id)])

    # -- PTB hooks with nothing to do ------------------------------------------------------

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """The database is only written by this process: nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """The database is only written by this process: nothing to refresh."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """The database is only written by this process: nothing to refresh."""

    async def flush(self) -> None:
        """Every update is written when PTB hands it over; wait for a write in progress."""
        async with self._lock:
            log.debug("persistence flushed")
