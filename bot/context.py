"""The typed `CallbackContext`: services, the member, the translator; and what backs them.

Handlers are written as ``async def f(update: Update, context: BotContext) -> None``. The member
and locale are resolved once per update by `handlers.common.track_member` (group -1) and stay on
the context for every later handler group of the same update.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot, JobQueue

from bot.i18n import Catalogues, Translator
from core.roles import Actor
from core.services import ServiceFactory, actor_for

if TYPE_CHECKING:
    from core.bootstrap import Storage
    from core.models import Member
    from core.settings import Settings
    from recognition import RecognitionCore


@dataclass
class Metrics:
    """Counters for `/metrics` (Prometheus text format)."""

    started: float = field(default_factory=time.monotonic)
    updates: int = 0
    errors: int = 0
    messages_sent: int = 0
    camera_raw_events: int = 0  # pushed camera events of a type we do not act on

    @property
    def uptime(self) -> float:
        return time.monotonic() - self.started


@dataclass
class BotDeps:
    """What the bot needs besides PTB: settings, storage, catalogues, metrics, clients."""

    settings: Settings
    storage: Storage
    catalogues: Catalogues
    metrics: Metrics = field(default_factory=Metrics)
    # Started by `bot.runtime.serve` (a process pool), absent in tests that do not need it.
    recognition: RecognitionCore | None = None
    # Async callables run in `post_shutdown` (clients opened by features in post_init).
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    # One outbox drain at a time (the repeating job and kicks after enqueueing).
    outbox_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Chats Telegram asked to wait (429 retry_after): chat id → time.monotonic() it ends.
    flood_holds: dict[int, float] = field(default_factory=dict)

    def translator(self, locale: str | None = None) -> Translator:
        return self.catalogues.translator(
            locale or self.settings.default_locale, self.settings.zone
        )


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """`context` in every callback: `.services`, `.member`, `.actor`, `.t` (the translator)."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.member: Member | None = None
        self._translator: Translator | None = None

    @property
    def deps(self) -> BotDeps:
        return cast(SafeApplication, self.application).deps

    @property
    def services(self) -> ServiceFactory:
        """Open a unit of work: ``async with context.services() as svc: …``."""
        return self.deps.storage.services

    @property
    def settings(self) -> Settings:
        return self.deps.settings

    @property
    def actor(self) -> Actor | None:
        return actor_for(self.member) if self.member is not None else None

    @property
    def t(self) -> Translator:
        """The translator of this update's locale (the default locale until resolved)."""
        if self._translator is None:
            self._translator = self.deps.translator()
        return self._translator

    @property
    def locale(self) -> str:
        return self.t.locale

    def use_locale(self, locale: str) -> Translator:
        """Switch this update's language (after /language, or once resolved)."""
        self._translator = self.deps.translator(locale)
        return self._translator


class SafeApplication(
    Application[
        ExtBot[None],
        BotContext,
        dict[Any, Any],
        dict[Any, Any],
        dict[Any, Any],
        JobQueue[BotContext],
    ]
):
    """PTB's `Application` carrying the product's dependencies as `.deps`."""

    def __init__(self, *, deps: BotDeps, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deps = deps


CONTEXT_TYPES: ContextTypes[BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any]] = (
    ContextTypes(context=BotContext)
)
