"""Typed button data: one frozen dataclass per feature's buttons, matched by its type.

PTB's arbitrary callback data keeps the object behind each button, and
``CallbackQueryHandler(callback, pattern=SomeButton)`` matches a press by the data's type, so
no feature splits strings or compares tuples. `on_press` registers such a handler: it claims
the type for one feature (a second feature claiming it is a `ButtonClash` at start), checks
the member's role before the callback can touch any state, and hands the callback the typed
data. A button type must be `@persistable` so the callback-data cache survives a restart.
"""

from __future__ import annotations

import dataclasses
import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from core.models import Member, Role
from core.serial import persistable, registered_name
from handlers.common import answer

log = logging.getLogger(__name__)

B = TypeVar("B")
AnyApp = Application[Any, Any, Any, Any, Any, Any]
Press = Callable[[Update, BotContext, B], Awaitable[None]]
Allow = Callable[[Member | None], bool]
Rows = Sequence[Sequence[InlineKeyboardButton]]

_CLAIMS: weakref.WeakKeyDictionary[AnyApp, dict[type[Any], str]] = weakref.WeakKeyDictionary()


class ButtonClash(ValueError):
    """Two features registered handlers for the same button type."""


@persistable("button.menu")
@dataclasses.dataclass(frozen=True)
class MenuButton:
    """An item of a role's main menu (``item`` is the menu key: "visit", "members" …)."""

    item: str


@persistable("button.cancel")
@dataclasses.dataclass(frozen=True)
class CancelButton:
    """✖️ Cancel: ends whatever flow the user is in."""


@persistable("button.noop")
@dataclasses.dataclass(frozen=True)
class NoopButton:
    """A label that only informs (a page counter): pressing it just stops the spinner."""


def button(label: str, data: object) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=data)


def keyboard(rows: Rows) -> InlineKeyboardMarkup | None:
    kept = [list(row) for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None


def roles(*allowed: Role) -> Allow:
    """Who may press: active members of these roles."""
    return lambda member: member is not None and member.active and member.role in allowed


def claim(application: AnyApp, data_type: type[Any], feature: str) -> None:
    """Record that `feature` owns `data_type`'s presses (one feature per type)."""
    if not (dataclasses.is_dataclass(data_type) and data_type.__dataclass_params__.frozen):  # type: ignore[attr-defined]
        raise TypeError(f"{data_type.__qualname__} must be a frozen dataclass")
    if registered_name(data_type) is None:
        raise TypeError(f"{data_type.__qualname__} must be @persistable")
    claims = _CLAIMS.setdefault(application, {})
    owner = claims.get(data_type)
    if owner is not None and owner != feature:
        raise ButtonClash(f"{data_type.__qualname__} is claimed by {owner!r} and {feature!r}")
    claims[data_type] = feature


def on_press(
    application: AnyApp,
    feature: str,
    data_type: type[B],
    callback: Press[B],
    *,
    allow: Allow | None = None,
    group: int = 0,
) -> None:
    """Run `callback(update, context, data)` for presses of `data_type` buttons.

    With `allow`, a member it refuses (or a stranger) gets a "not for you" toast and the
    callback never runs: a replayed or forwarded button cannot open someone else's form.
    """
    claim(application, data_type, feature)

    async def pressed(update: Update, context: BotContext) -> None:
        query = update.callback_query
        assert query is not None
        if allow is not None and not allow(context.member):
            log.info("%s button refused for user %s", feature, query.from_user.id)
            await answer(update, context.t("error.not_for_you"), alert=True)
            return
        await callback(update, context, query.data)  # type: ignore[arg-type]

    pressed.__qualname__ = f"{feature}:{data_type.__qualname__}"
    application.add_handler(CallbackQueryHandler(pressed, pattern=data_type), group=group)


def claims(application: AnyApp) -> dict[type[Any], str]:
    """Which feature owns which button type (for tests and diagnostics)."""
    return dict(_CLAIMS.get(application, {}))
