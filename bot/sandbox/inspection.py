"""The Python control API's inspection side: chats' contents, and awaiting the bot."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .state import State

if TYPE_CHECKING:
    from .sandbox import Sandbox


class InspectionMixin:
    """Read what the bot did, and await it (see :class:`~bot.sandbox.Sandbox`)."""

    state: State
    bot_user: dict[str, Any]
    calls: list[tuple[str, dict[str, Any]]]
    api_errors: list[tuple[str, dict[str, Any], str]]

    def history(self, chat_id: int) -> list[dict[str, Any]]:
        """All live messages in the chat, in order (copies; ``html`` = raw HTML source)."""
        return self.state.history(chat_id)

    def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        """The live messages the bot sent to the chat."""
        return [m for m in self.history(chat_id) if m["from"]["id"] == self.bot_user["id"]]

    def reply_keyboard(self, chat_id: int) -> dict[str, Any] | None:
        """The reply keyboard the bot currently shows in the chat (None if removed)."""
        return copy.deepcopy(self.state.chat(chat_id).reply_keyboard)

    def commands_for(
        self, user_id: int, chat_id: int | None = None, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """The "/" menu a Telegram client would show this user, resolving scopes like Telegram."""
        user = self.state.user(user_id)
        language = (language_code or user.get("language_code") or "")[:2]
        record = self.state.chat(user_id if chat_id is None else chat_id)
        admin = user_id in record.admins
        scopes: list[tuple[str, int | None, int | None]]
        if record.is_private:
            scopes = [("chat", record.id, None), ("all_private_chats", None, None)]
        else:
            scopes = [("chat_member", record.id, user_id)]
            scopes += [("chat_administrators", record.id, None)] if admin else []
            scopes += [("chat", record.id, None)]
            scopes += [("all_chat_administrators", None, None)] if admin else []
            scopes += [("all_group_chats", None, None)]
        for scope in [*scopes, ("default", None, None)]:
            for lang in (language, ""):
                if (scope, lang) in self.state.commands:
                    return copy.deepcopy(self.state.commands[(scope, lang)])
        return []

    def _sent_by_bot(self, chat_id: int) -> list[dict[str, Any]]:
        record = self.state.chat(chat_id)
        return [m for m in record.messages if m["from"]["id"] == self.bot_user["id"]]

    async def wait_for_bot_messages(
        self,
        chat_id: int,
        count: int,
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 (contract API)
    ) -> list[dict[str, Any]]:
        """Await until the bot has sent >= ``count`` messages to the chat in total.

        Returns all of them in their current state (a deleted one carries ``"deleted": True``).
        """
        self.state.chat(chat_id)
        try:
            await self.state.wait_until(lambda: len(self._sent_by_bot(chat_id)) >= count, timeout)
        except TimeoutError:
            raise TimeoutError(self._explain(chat_id, count, timeout)) from None
        if len(self._sent_by_bot(chat_id)) < count:
            raise TimeoutError("the sandbox was stopped; " + self._explain(chat_id, count, 0))
        record = self.state.chat(chat_id)
        result = []
        for message in self._sent_by_bot(chat_id):
            item = copy.deepcopy(message)
            if message["message_id"] in record.html:
                item["html"] = record.html[message["message_id"]]
            if message["message_id"] in record.deleted:
                item["deleted"] = True
            result.append(item)
        return result

    def _explain(self, chat_id: int, count: int, timeout: float) -> str:
        sent = self._sent_by_bot(chat_id)
        lines = [
            f"waited {timeout} s for {count} bot message(s) in chat {chat_id}; "
            f"the bot sent {len(sent)}:"
        ]
        for message in sent:
            body = (
                message.get("text")
                or message.get("caption")
                or ("[photo]" if "photo" in message else sorted(set(message) - {"from", "chat"}))
            )
            lines.append(f"  #{message['message_id']}: {str(body)[:120]!r}")
        if self.api_errors:
            lines.append("failed Bot API calls (last 5):")
            lines += [f"  {m} {p!r:.160} -> {d}" for m, p, d in self.api_errors[-5:]]
        recent = [name for name, _ in self.calls[-10:]]
        lines.append(f"last Bot API calls: {recent}")
        return "\n".join(lines)

    async def wait_for(
        self,
        predicate: Callable[[Sandbox], Any],
        *,
        timeout: float = 10.0,  # noqa: ASYNC109 (contract API)
    ) -> Any:
        """Await until ``predicate(sandbox)`` is truthy (re-checked on every state change)."""
        sandbox: Any = self
        try:
            result = await self.state.wait_until(lambda: predicate(sandbox), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"condition {predicate!r} not met within {timeout} s; "
                f"last Bot API calls: {[n for n, _ in self.calls[-10:]]}; "
                f"errors: {self.api_errors[-3:]}"
            ) from None
        if not result:
            raise TimeoutError("the sandbox was stopped before the condition was met")
        return result
