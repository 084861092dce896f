"""The chat front end's half of the notification path: each notice kind's words.

A feature says how its notices read with ``renders(application, "house_message", render)``;
`install` makes this application the renderer of the storage's notices (each recipient in
their own language) and starts the outbox as soon as a unit of work stored deliveries. No
handler loops over recipients: services record notices, `core.services.notifications` fans
them out.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from telegram.ext import Application

from bot import channel_outbox, outbox
from bot.context import BotDeps
from bot.i18n import Translator, resolve_locale
from core.notify import Notice, Recipient, Rendered

AnyApp = Application[Any, Any, Any, Any, Any, Any]
Render = Callable[[Translator, Notice], Rendered]
_RENDERERS: weakref.WeakKeyDictionary[AnyApp, dict[str, Render]] = weakref.WeakKeyDictionary()


def renders(application: AnyApp, kind: str, render: Render) -> None:
    """`render(t, notice)` writes notices of `kind` (one feature per kind)."""
    table = _RENDERERS.setdefault(application, {})
    if kind in table:
        raise ValueError(f"notice kind {kind!r} already has a renderer")
    table[kind] = render


def translator_for(deps: BotDeps, locale: str | None) -> Translator:
    """The translator of a recipient (their saved language, else the community's default)."""
    return deps.translator(resolve_locale(locale, None, deps.settings.default_locale))


def install(application: AnyApp) -> None:
    """Render this storage's notices with this application's features, and send on commit."""
    deps: BotDeps = application.deps  # type: ignore[attr-defined]
    table = _RENDERERS.setdefault(application, {})

    def render(notice: Notice, recipient: Recipient) -> Rendered:
        try:
            write = table[notice.kind]
        except KeyError:
            raise LookupError(f"no renderer for notices of kind {notice.kind!r}") from None
        return write(translator_for(deps, recipient.locale), notice)

    notifier = deps.storage.services.context.notifier
    notifier.renderer = render

    def kick() -> None:
        outbox.kick(application)
        channel_outbox.kick(application)

    notifier.on_enqueued = kick
