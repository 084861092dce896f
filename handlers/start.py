"""/start: the member's menu, invitation links, house-card links, a stranger's welcome."""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import Application, CommandHandler

from bot import commands
from bot.context import BotContext
from bot.i18n import N_
from core.errors import AlreadyExists, InvalidToken, InvitationInvalid
from core.models import GroupRole
from core.services import actor_for
from core.services.house_messages import house_ref
from core.services.members import INVITE_PREFIX
from handlers import tenant, visit
from handlers.common import answer, community_contact, edit_or_send, role_label, send
from handlers.kit import menu

log = logging.getLogger(__name__)

CARD_PREFIX = "h_"
INVITATION_ERRORS = {
    "unknown": N_("start.invitation_unknown"),
    "used": N_("start.invitation_used"),
    "expired": N_("start.invitation_expired"),
}
GROUP_LABELS = {GroupRole.GUARDS: N_("group.guards"), GroupRole.STAFF: N_("group.staff")}


async def start(update: Update, context: BotContext) -> None:
    """/start [payload]: bind an invitation, open a house card, or show the menu."""
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        await group_start(update, context)
        return
    payload = context.args[0] if context.args else ""
    if payload.startswith(INVITE_PREFIX):
        await redeem_invitation(update, context, payload)
    elif payload.startswith(CARD_PREFIX):
        await open_house_card(update, context, payload.removeprefix(CARD_PREFIX))
    else:
        await show_menu(update, context)


async def show_menu(update: Update, context: BotContext) -> None:
    """The member's role menu; a stranger learns what the bot is and how to join."""
    t = context.t
    async with context.services() as svc:
        community, phone = await community_contact(svc, context)
        house_button = await tenant.remembered_house_button(svc, context)
    extra = [[house_button]] if house_button is not None else []
    if context.member is not None:
        rows = [*menu.menu_markup(context.member.role, t).inline_keyboard, *extra]
        await edit_or_send(
            update, context, menu.menu_text(context.member, t), InlineKeyboardMarkup(rows)
        )
        return
    language = menu.menu_button(menu.LANGUAGE_ITEM, t)
    await send(
        update,
        context,
        t("start.stranger", community=community, phone=phone),
        InlineKeyboardMarkup([*extra, [language]]),
    )


async def redeem_invitation(update: Update, context: BotContext, token: str) -> None:
    """`/start inv_…`: bind this Telegram account to the invited member."""
    user = update.effective_user
    assert user is not None
    assert context.user_data is not None
    t = context.t
    try:
        async with context.services() as svc:
            member = await svc.members.redeem(
                telegram_id=user.id, token=token, name=user.full_name[:80]
            )
            chosen = context.user_data.get("locale")
            if chosen:  # they picked a language before they were a member: keep it
                await svc.members.set_locale(actor_for(member), chosen)
            community, _phone = await community_contact(svc, context)
    except InvitationInvalid as exc:
        msgid = INVITATION_ERRORS.get(exc.detail, INVITATION_ERRORS["unknown"])
        async with context.services() as svc:
            _community, phone = await community_contact(svc, context)
        await send(update, context, t(msgid, phone=phone))
        return
    except AlreadyExists:
        role = role_label(context.member.role, t) if context.member else ""
        await send(update, context, t("start.already_member", role=role))
        return
    context.member = member
    log.info("telegram user %s bound as member %s (%s)", user.id, member.id, member.role.value)
    welcome = t(
        "start.welcome", name=member.name, role=role_label(member.role, t), community=community
    )
    await send(update, context, welcome, menu.menu_markup(member.role, t))
    await commands.set_chat_commands(context.application, user.id, member.role, t.locale)


# --- `/start h_<card token>`: the QR code on a rental flat's house card ---------------------
async def open_house_card(update: Update, context: BotContext, token: str) -> None:
    """`/start h_…`: a cadre's visit starts at this house; anyone else reaches the community."""
    if visit.may_visit(context.member):
        await visit.from_card_link(update, context, token)
        return
    try:
        async with context.services() as svc:
            house = house_ref(await svc.houses.resolve_card(token))
    except InvalidToken as exc:
        await card_refused(update, context, exc)
        return
    await tenant.open_tenant_entry(update, context, house)


async def card_refused(update: Update, context: BotContext, exc: InvalidToken) -> None:
    """A replaced card says so (the landlord has the new one); anything else is just invalid."""
    log.info("house card link refused: %s", exc.detail)
    async with context.services() as svc:
        _community, phone = await community_contact(svc, context)
    if exc.detail == "revoked":
        text = context.t("tenant.card_replaced", phone=phone)
    else:
        text = context.t("start.card_invalid", phone=phone)
    await send(update, context, text)


async def group_start(update: Update, context: BotContext) -> None:
    """/start in a group: which kind of group this is for the bot, if any."""
    chat = update.effective_chat
    assert chat is not None
    async with context.services() as svc:
        group = await svc.groups.by_chat_id(chat.id)
    if group is None:
        await send(update, context, context.t("start.group_unknown"))
    else:
        label = context.t(GROUP_LABELS[group.role])
        await send(update, context, context.t("start.group", kind=label))


async def main_menu(update: Update, context: BotContext) -> None:
    """⬅️ Back: the menu again, in place."""
    await show_menu(update, context)
    await answer(update)


async def contact(update: Update, context: BotContext) -> None:
    """Menu item ☎️: the community office's name and phone."""
    async with context.services() as svc:
        community, phone = await community_contact(svc, context)
    text = context.t("start.contact", community=community, phone=phone)
    await edit_or_send(update, context, text, menu.back_markup(context.t, context.member))
    await answer(update)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("start", start))
    menu.serve(application, menu.MAIN, main_menu)
    menu.serve(application, "contact", contact)
