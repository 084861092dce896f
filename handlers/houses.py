"""The admin's houses: a paged list, a house screen, the house card as PNG and PDF, reissue.

Menu item 🏠 (admins; the cadre's 🏠 is the visit's house list), `/house [code]` and
`/card <code>`. Every button is a `HouseButton`; the risk-colour flow (pick → reason →
confirm) lives in `handlers.house_colour`. Cards are rendered in a worker thread: a sheet
takes about a second of CPU.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from bot.i18n import N_, Translator
from core.cards import CardInfo, find_cjk_font, render_pdf, render_png
from core.errors import ConfigurationError, InvalidInput, NotFound
from core.flows.risk_colour import ColourAction, ColourButton
from core.models import House, HouseKind, RiskColour, Role
from core.serial import persistable
from handlers.common import COLOUR_ICONS, answer, edit_or_send, esc, send
from handlers.kit import menu
from handlers.kit.buttons import NoopButton, button, on_press, roles

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


class HouseAction(enum.StrEnum):
    PAGE = "page"
    OPEN = "open"
    PNG = "png"
    PDF = "pdf"
    REISSUE = "reissue"
    REISSUE_OK = "reissue_ok"


@persistable("button.houses")
@dataclass(frozen=True)
class HouseButton:
    action: HouseAction
    house_id: int = 0
    page: int = 0
    version: int = 0  # REISSUE_OK: the card version the admin saw


def house_button(label: str, action: HouseAction, **fields: int) -> InlineKeyboardButton:
    return button(label, HouseButton(action, **fields))


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
            callback_data=HouseButton(HouseAction.OPEN, house.id, page),
        )
        for house in shown
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(house_button("◀️", HouseAction.PAGE, page=page - 1))
        nav.append(button(f"{page + 1}/{pages}", NoopButton()))
        if page < pages - 1:
            nav.append(house_button("▶️", HouseAction.PAGE, page=page + 1))
        rows.append(nav)
    rows.append([menu.back_button(t)])
    return text, InlineKeyboardMarkup(rows)


async def show_list(update: Update, context: BotContext, page: int = 0) -> None:
    assert context.actor is not None
    async with context.services() as svc:
        houses = list(await svc.houses.list(context.actor))
    t = context.t
    if not houses:
        back = [[menu.back_button(t)]]
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


def colour_button(t: Translator, house_id: int, page: int) -> InlineKeyboardButton:
    """🎨: starts the risk-colour flow (`handlers.house_colour`)."""
    return button(t("houses.button.colour"), ColourButton(ColourAction.START, house_id, page))


def screen_markup(house: House, page: int, t: Translator) -> InlineKeyboardMarkup:
    rows: list[list[InlineKeyboardButton]] = []
    if house.kind is HouseKind.RENTAL:
        rows.append(
            [
                house_button(t("houses.button.image"), HouseAction.PNG, house_id=house.id),
                house_button(t("houses.button.pdf"), HouseAction.PDF, house_id=house.id),
            ]
        )
        rows.append(
            [
                house_button(
                    t("houses.button.reissue"), HouseAction.REISSUE, house_id=house.id, page=page
                ),
                colour_button(t, house.id, page),
            ]
        )
    else:
        rows.append([colour_button(t, house.id, page)])
    rows.append([house_button(t("menu.back"), HouseAction.PAGE, page=page)])
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
    """Menu item 🏠 of admins: the house list."""
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


async def on_button(update: Update, context: BotContext, data: HouseButton) -> None:
    """Every house button except the risk-colour flow's (admins only: see `register`)."""
    t = context.t
    action, house_id, page = data.action, data.house_id, data.page
    toast: str | None = None
    try:
        if action is HouseAction.PAGE:
            await show_list(update, context, page)
        elif action is HouseAction.OPEN:
            await show_house(update, context, house_id, page)
        elif action in (HouseAction.PNG, HouseAction.PDF):
            await answer(update, t("cards.preparing"))  # rendering takes a moment
            assert context.actor is not None
            async with context.services() as svc:
                house = await svc.houses.detail(context.actor, house_id)
            png = action is HouseAction.PNG
            await send_card(update, context, house.code, png=png, pdf=not png)
            return
        elif action is HouseAction.REISSUE:
            await confirm_reissue(update, context, house_id, page)
        elif action is HouseAction.REISSUE_OK:
            version, done = await reissue(context, house_id, seen=data.version)
            if done:
                note = t("houses.reissued", version=version)
                await show_house(update, context, house_id, page, note)
                toast = t("houses.reissued_toast", version=version)
            else:  # a second tap, or another admin was quicker: the card the admin saw is gone
                await show_house(update, context, house_id, page)
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
                house_button(
                    t("houses.button.reissue_ok"),
                    HouseAction.REISSUE_OK,
                    house_id=house_id,
                    page=page,
                    version=house.card_version,
                )
            ],
            [house_button(t("menu.back"), HouseAction.OPEN, house_id=house_id, page=page)],
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
    menu.serve(application, HOUSES, houses_menu, Role.ADMIN)
    application.add_handler(CommandHandler("house", house_command))
    application.add_handler(CommandHandler("card", card_command))
    on_press(application, HOUSES, HouseButton, on_button, allow=roles(Role.ADMIN))


__all__ = ["HouseAction", "HouseButton", "register"]
