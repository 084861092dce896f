"""The admin's houses: a paged list, a house screen, the house card as PNG and PDF, reissue.

Menu item 🏠 (admins; other roles' handlers can be plugged in with `serve_menu_for`), `/house
[code]` and `/card <code>`. Every button carries ``("houses", action, …)``; the risk-colour
flow (pick → reason → confirm) lives in `handlers.house_colour`. Cards are rendered in a
worker thread: a sheet takes about a second of CPU.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from core.cards import CardInfo, find_cjk_font, render_pdf, render_png
from core.errors import ConfigurationError, InvalidInput, NotFound
from core.models import House, HouseKind, RiskColour, Role
from handlers.common import (
    COLOUR_ICONS,
    answer,
    edit_or_send,
    esc,
    menu_data,
    menu_not_ready,
    menu_pattern,
    send,
)

log = logging.getLogger(__name__)

HOUSES = "houses"
PAGE_SIZE = 8
COLOUR_LABELS = {
    RiskColour.RED: N_("houses.colour.red"),
    RiskColour.YELLOW: N_("houses.colour.yellow"),
    RiskColour.GREEN: N_("houses.colour.green"),
}
KIND_LABELS = {
    HouseKind.RENTAL: N_("houses.kind.rental"),
    HouseKind.OWNER: N_("houses.kind.owner"),
    HouseKind.VACANT: N_("houses.kind.vacant"),
}

Callback = Callable[[Update, BotContext], Awaitable[None]]
# The 🏠 item is on the admin's and the cadre's menu; the cadre's houses belong to another
# feature, which plugs its screen in here instead of racing this handler for the button.
MENU_BY_ROLE: dict[Role, Callback] = {}


def serve_menu_for(role: Role, callback: Callback) -> None:
    """Let another feature answer the 🏠 menu item for `role` (admins get this module's)."""
    MENU_BY_ROLE[role] = callback


def data(action: str, *args: object) -> tuple[object, ...]:
    return (HOUSES, action, *args)


def is_houses_data(value: object) -> bool:
    return isinstance(value, tuple) and len(value) >= 2 and value[0] == HOUSES


def is_admin(context: BotContext) -> bool:
    return context.member is not None and context.member.role is Role.ADMIN


def colour_label(colour: RiskColour, t: Translator) -> str:
    return t(COLOUR_LABELS[colour])


# --- the list ---------------------------------------------------------------------------------


def list_view(
    houses: Sequence[House], page: int, t: Translator
) -> tuple[str, InlineKeyboardMarkup]:
    """Page `page` (from 0) of the houses, labelled by grid, with a button per house."""
    pages = max(1, -(-len(houses) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = houses[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines: list[str] = []
    grid = None
    for house in shown:
        if house.grid_id != grid:
            grid = house.grid_id
            lines.append(("\n" if lines else "") + f"<b>{esc(house.grid.name)}</b>")
        icon = COLOUR_ICONS[house.risk_colour]
        lines.append(f"{icon} <code>{esc(house.code)}</code> {esc(house.standard_address)}")
    text = t("houses.list", total=len(houses), page=page + 1, pages=pages)
    text += "\n\n" + "\n".join(lines)
    buttons = [
        InlineKeyboardButton(
            f"{COLOUR_ICONS[house.risk_colour]} {house.code}",
            callback_data=data("open", house.id, page),
        )
        for house in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀️", callback_data=data("page", page - 1)))
        nav.append(InlineKeyboardButton(f"{page + 1}/{pages}", callback_data=data("noop")))
        if page < pages - 1:
            nav.append(InlineKeyboardButton("▶️", callback_data=data("page", page + 1)))
        rows.append(nav)
    rows.append([InlineKeyboardButton(t("menu.back"), callback_data=menu_data("main"))])
    return text, InlineKeyboardMarkup(rows)


async def show_list(update: Update, context: BotContext, page: int = 0) -> None:
    assert context.actor is not None
    async with context.services() as svc:
        houses = list(await svc.houses.list(context.actor))
    t = context.t
    if not houses:
        back = [[InlineKeyboardButton(t("menu.back"), callback_data=menu_data("main"))]]
        await edit_or_send(update, context, t("houses.empty"), InlineKeyboardMarkup(back))
        return
    await edit_or_send(update, context, *list_view(houses, page, t))


# --- the house screen -------------------------------------------------------------------------


def screen_text(house: House, t: Translator, note: str = "") -> str:
    cadre = house.cadre.name if house.cadre else t("houses.no_cadre")
    visited = t.short_datetime(house.last_visit_at) if house.last_visit_at else t("houses.never")
    text = t(
        "houses.screen",
        address=house.standard_address,
        code=house.code,
        grid=house.grid.name,
        kind=t(KIND_LABELS[house.kind]),
        colour=colour_label(house.risk_colour, t),
        cadre=cadre,
        visited=visited,
    )
    if house.kind is HouseKind.RENTAL:
        text += "\n" + t("houses.card_version", version=house.card_version)
    return f"{note}\n\n{text}" if note else text


def screen_markup(house: House, page: int, t: Translator) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if house.kind is HouseKind.RENTAL:
        rows.append(
            [
                InlineKeyboardButton(
                    t("houses.button.image"), callback_data=data("png", house.id)
                ),
                InlineKeyboardButton(t("houses.button.pdf"), callback_data=data("pdf", house.id)),
            ]
        )
        rows.append(
            [
                InlineKeyboardButton(
                    t("houses.button.reissue"), callback_data=data("reissue", house.id, page)
                ),
                InlineKeyboardButton(
                    t("houses.button.colour"), callback_data=data("colour", house.id, page)
                ),
            ]
        )
    else:
        rows.append(
            [
                InlineKeyboardButton(
                    t("houses.button.colour"), callback_data=data("colour", house.id, page)
                )
            ]
        )
    rows.append([InlineKeyboardButton(t("menu.back"), callback_data=data("page", page))])
    return InlineKeyboardMarkup(rows)


async def show_house(
    update: Update, context: BotContext, house_id: int, page: int = 0, note: str = ""
) -> None:
    """The house screen, edited in place (or sent, after a command)."""
    assert context.actor is not None
    async with context.services() as svc:
        house = await svc.houses.detail(context.actor, house_id)
    t = context.t
    await edit_or_send(update, context, screen_text(house, t, note), screen_markup(house, page, t))


# --- cards ------------------------------------------------------------------------------------


async def card_info(context: BotContext, code: str) -> CardInfo:
    assert context.actor is not None
    async with context.services() as svc:
        infos = await svc.houses.card_infos(
            context.actor, codes=[code], bot_username=context.bot.username
        )
    return infos[0]


async def send_card(
    update: Update, context: BotContext, code: str, *, png: bool = True, pdf: bool = True
) -> None:
    """Render the house's card and send it (PNG as a photo, a one-card A4 PDF as a file)."""
    chat = update.effective_chat
    assert chat is not None
    t = context.t
    try:
        font = find_cjk_font(context.settings.card_font)
    except ConfigurationError as exc:
        log.error("cannot render a house card: %s", exc)
        await send(update, context, t("cards.no_font"))
        return
    try:
        info = await card_info(context, code)
    except NotFound:
        await send(update, context, t("houses.unknown_code", code=code))
        return
    except InvalidInput:
        await send(update, context, t("cards.not_rental", code=code))
        return
    caption_params = {"code": info.house_code, "version": info.card_version}
    if png:
        await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_PHOTO)
        image = await asyncio.to_thread(render_png, info, font)
        await context.bot.send_photo(
            chat.id,
            image,
            caption=t("cards.photo_caption", address=info.address, **caption_params),
            filename=f"house-card-{info.house_code}-v{info.card_version}.png",
        )
    if pdf:
        await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_DOCUMENT)
        document = await asyncio.to_thread(render_pdf, [info], font)
        await context.bot.send_document(
            chat.id,
            document,
            caption=t("cards.pdf_caption", **caption_params),
            filename=f"house-card-{info.house_code}-v{info.card_version}.pdf",
        )


# --- entry points -----------------------------------------------------------------------------


async def houses_menu(update: Update, context: BotContext) -> None:
    """Menu item 🏠: the admin's house list; other roles go to their own feature."""
    if not is_admin(context):
        other = MENU_BY_ROLE.get(context.member.role) if context.member else None
        await (other or menu_not_ready)(update, context)
        return
    await show_list(update, context)
    await answer(update)


async def house_command(update: Update, context: BotContext) -> None:
    """/house [code]: the list, or one house's screen."""
    if not await _admin_in_private(update, context):
        return
    code = " ".join(context.args or ()).strip()
    if not code:
        await show_list(update, context)
        return
    assert context.actor is not None
    try:
        async with context.services() as svc:
            house = await svc.houses.detail(context.actor, code=code)
    except NotFound:
        await send(update, context, context.t("houses.unknown_code", code=code))
        return
    await show_house(update, context, house.id)


async def card_command(update: Update, context: BotContext) -> None:
    """/card <code>: the house's card as an image and as a printable PDF."""
    if not await _admin_in_private(update, context):
        return
    code = " ".join(context.args or ()).strip()
    if not code:
        await send(update, context, context.t("cards.usage"))
        return
    await send_card(update, context, code)


async def _admin_in_private(update: Update, context: BotContext) -> bool:
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        return False
    if not is_admin(context):
        await send(update, context, context.t("houses.admin_only"))
        return False
    return True


async def on_button(update: Update, context: BotContext) -> None:
    """Every ``("houses", …)`` button except the risk-colour flow's."""
    query = update.callback_query
    assert query is not None
    if not is_admin(context):
        await answer(update, context.t("houses.admin_only"), alert=True)
        return
    action, args = query.data[1], query.data[2:]  # type: ignore[index]
    t = context.t
    toast: str | None = None
    try:
        if action == "page":
            await show_list(update, context, int(args[0]))
        elif action == "open":
            await show_house(update, context, int(args[0]), int(args[1]))
        elif action in ("png", "pdf"):
            await answer(update, t("cards.preparing"))  # rendering takes a moment
            assert context.actor is not None
            async with context.services() as svc:
                house = await svc.houses.detail(context.actor, int(args[0]))
            await send_card(update, context, house.code, png=action == "png", pdf=action == "pdf")
            return
        elif action == "reissue" or (action == "reissue_ok" and len(args) < 3):
            # (a confirmation button from before it carried the card version asks again)
            await confirm_reissue(update, context, int(args[0]), int(args[1]))
        elif action == "reissue_ok":
            version, done = await reissue(context, int(args[0]), seen=int(args[2]))
            if done:
                note = t("houses.reissued", version=version)
                await show_house(update, context, int(args[0]), int(args[1]), note)
                toast = t("houses.reissued_toast", version=version)
            else:  # a second tap, or another admin was quicker: the card the admin saw is gone
                await show_house(update, context, int(args[0]), int(args[1]))
                toast = t("houses.already_reissued", version=version)
    except NotFound:
        await answer(update, t("houses.gone"), alert=True)
        await show_list(update, context)
        return
    await answer(update, toast)


async def confirm_reissue(update: Update, context: BotContext, house_id: int, page: int) -> None:
    assert context.actor is not None
    async with context.services() as svc:
        house = await svc.houses.detail(context.actor, house_id)
    t = context.t
    text = t(
        "houses.reissue_confirm",
        code=house.code,
        address=house.standard_address,
        version=house.card_version,
        next=house.card_version + 1,
    )
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    t("houses.button.reissue_ok"),
                    callback_data=data("reissue_ok", house_id, page, house.card_version),
                )
            ],
            [InlineKeyboardButton(t("menu.back"), callback_data=data("open", house_id, page))],
        ]
    )
    await edit_or_send(update, context, text, markup)


async def reissue(context: BotContext, house_id: int, *, seen: int) -> tuple[int, bool]:
    """Revoke the card and issue the next version, if the card is still version `seen` (the
    one the admin confirmed); returns the current version and whether it was reissued now."""
    assert context.actor is not None
    async with context.services() as svc:
        house = await svc.houses.detail(context.actor, house_id)
        if house.card_version != seen:
            return house.card_version, False
        await svc.houses.reissue_card(context.actor, house_id)  # the same (loaded) house
        return house.card_version, True


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    from handlers import house_colour

    application.add_handler(CallbackQueryHandler(houses_menu, pattern=menu_pattern(HOUSES)))
    application.add_handler(CommandHandler("house", house_command))
    application.add_handler(CommandHandler("card", card_command))
    house_colour.register(application)  # its ("houses", "colour…") buttons go first
    application.add_handler(CallbackQueryHandler(on_button, pattern=is_houses_data))


__all__ = ["register", "serve_menu_for"]
