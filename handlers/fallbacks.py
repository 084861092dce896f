"""Nothing a user sends is met with silence: the answers after every feature had its chance.

Registered last in group 0. In a private chat, a command nobody handles points to /help; a
photo outside any flow goes to the feature that serves stray photos for the sender's role
(a cadre's photo of a house card opens the visit) and otherwise gets, like any other text or
message, one short line on what the bot does for this role, with the role's menu. A stranger
learns how to get an invitation and nothing else. A button whose data is gone, or that no
feature claims any more, gets a toast. Plain messages in groups are the group's own talk.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, InvalidCallbackData, MessageHandler
from telegram.ext import filters as f

from bot.context import BotContext
from bot.i18n import N_
from core.models import Role
from handlers.common import answer, community_contact, send
from handlers.kit import flows, menu
from handlers.kit.buttons import NoopButton, on_press

AnyApp = Application[Any, Any, Any, Any, Any, Any]
# A stray-photo handler answers the photo and returns True, or returns False (not for it).
StrayPhoto = Callable[[Update, BotContext], Awaitable[bool]]
_STRAY_PHOTOS: weakref.WeakKeyDictionary[AnyApp, dict[Role, StrayPhoto]] = (
    weakref.WeakKeyDictionary()
)
_STRAY_LOCATIONS: weakref.WeakKeyDictionary[AnyApp, dict[Role, StrayPhoto]] = (
    weakref.WeakKeyDictionary()
)
ROLE_LINES = {
    Role.ADMIN: N_("fallback.admin"),
    Role.POLICE: N_("fallback.police"),
    Role.CADRE: N_("fallback.cadre"),
    Role.GUARD: N_("fallback.guard"),
    Role.RESIDENT: N_("fallback.resident"),
}
IMAGES = f.PHOTO | f.Document.IMAGE


def on_stray_photo(application: AnyApp, callback: StrayPhoto, *roles: Role) -> None:
    """`callback` gets the photos these roles send outside any flow (one feature per role)."""
    table = _STRAY_PHOTOS.setdefault(application, {})
    for role in roles:
        if role in table:
            raise ValueError(f"stray photos of {role} are already served")
        table[role] = callback


def on_stray_location(application: AnyApp, callback: StrayPhoto, *roles: Role) -> None:
    """`callback` gets the locations these roles share outside any flow (like photos)."""
    table = _STRAY_LOCATIONS.setdefault(application, {})
    for role in roles:
        if role in table:
            raise ValueError(f"stray locations of {role} are already served")
        table[role] = callback


async def outside_flow(update: Update, context: BotContext) -> None:
    """A private message no feature took: a photo's feature, else what the bot does here."""
    member, message = context.member, update.effective_message
    in_flow = flows.any_flow(context) is not None
    if member is not None and message is not None and not in_flow and IMAGES.check_update(update):
        handler = _STRAY_PHOTOS.get(context.application, {}).get(member.role)
        if handler is not None and await handler(update, context):
            return
    if member is not None and message is not None and not in_flow and message.location:
        handler = _STRAY_LOCATIONS.get(context.application, {}).get(member.role)
        if handler is not None and await handler(update, context):
            return
    flow = flows.any_flow(context)
    if flow is not None:  # a message the flow's step does not take (a sticker, a voice note)
        what = flows.flow_label(flow, context.t)
        await send(update, context, context.t("fallback.in_flow", what=what))
        return
    await explain(update, context, photo=bool(message and IMAGES.check_update(update)))


async def explain(update: Update, context: BotContext, *, photo: bool = False) -> None:
    """One line of what the bot does for this user's role, and their menu."""
    t, member = context.t, context.member
    if member is None:
        async with context.services() as svc:
            community, phone = await community_contact(svc, context)
        language = InlineKeyboardMarkup([[menu.menu_button(menu.LANGUAGE_ITEM, t)]])
        await send(
            update, context, t("fallback.stranger", community=community, phone=phone), language
        )
        return
    line = t(ROLE_LINES[member.role])
    if photo:
        line = t("fallback.photo") + "\n" + line
    await send(update, context, line, menu.menu_markup(member.role, t))


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command nobody handles: point to /help."""
    await send(update, context, context.t("help.unknown_command"))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button whose data is gone (very old message, an older release) or unclaimed."""
    await answer(update, context.t("error.stale_button"), alert=True)


async def on_noop(update: Update, context: BotContext, _data: NoopButton) -> None:
    """A label that only informs (a page counter): stop the spinner."""
    await answer(update)


def register(application: AnyApp) -> None:
    private = f.ChatType.PRIVATE
    on_press(application, "fallbacks", NoopButton, on_noop)
    application.add_handler(MessageHandler(f.COMMAND & private, unknown_command))
    application.add_handler(MessageHandler(f.UpdateType.MESSAGE & private, outside_flow))
    application.add_handler(CallbackQueryHandler(stale_button, pattern=InvalidCallbackData))
    application.add_handler(CallbackQueryHandler(stale_button))
