"""The tenant's entry: the house's address, the community's contact, and what they can do.

The buttons come from `TENANT_ACTIONS`, so a new thing a tenant can do is one row there.
Nothing personal is shown: no residents, no landlord, no cadre's phone.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from markupsafe import Markup
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.context import BotContext
from bot.i18n import N_
from core.errors import NotFound
from core.flows.tenant_message import (
    MessageStep,
    TenantAction,
    TenantButton,
    TenantMessageFlow,
)
from core.services import UnitOfWork
from core.services.house_messages import HouseRef
from handlers.common import answer, community_contact, edit_or_send
from handlers.kit import flows
from handlers.kit.buttons import button
from handlers.reports.filing import start_for_house
from handlers.tenant import message

HOUSE_KEY = "tenant_house_id"  # user_data: the house whose card this user opened last

Run = Callable[[Update, BotContext, HouseRef], Awaitable[None]]


@dataclass(frozen=True)
class EntryAction:
    """One button of the entry."""

    action: TenantAction
    label: str  # msgid; the translation starts with the action's icon
    run: Run


async def open_tenant_entry(update: Update, context: BotContext, house: HouseRef) -> None:
    """The card's page for a tenant: the address, the community's contact, what they can do."""
    assert context.user_data is not None
    context.user_data[HOUSE_KEY] = house.id
    draft = flows.current(context, TenantMessageFlow)
    if draft is not None:  # a draft about an earlier card
        await flows.close_form(context, draft)
        flows.end(context)
    t = context.t
    async with context.services() as svc:
        community, phone = await community_contact(svc, context)
    rows = [
        [button(t(entry.label), TenantButton(entry.action, house.id))] for entry in TENANT_ACTIONS
    ]
    text = t("tenant.entry", address=house.address, community=community, phone=phone)
    await edit_or_send(update, context, text, InlineKeyboardMarkup(rows))


async def remembered_house_button(
    svc: UnitOfWork, context: BotContext
) -> InlineKeyboardButton | None:
    """The button ✉️ "Message the community about <address>" for the house opened last."""
    house_id = context.user_data.get(HOUSE_KEY) if context.user_data is not None else None
    if not isinstance(house_id, int):
        return None
    try:
        house = await svc.house_messages.house(house_id)
    except NotFound:
        return None
    # A button label is plain text: Markup keeps the address from being HTML-escaped.
    label = context.t("tenant.again", address=Markup(house.address))
    return button(label, TenantButton(TenantAction.MESSAGE, house.id))


async def on_button(
    update: Update, context: BotContext, data: TenantButton, flow: TenantMessageFlow | None
) -> None:
    """An entry button, ⬅️ back to the entry, ✉️ under an answer, or the draft's ✅ / ✏️."""
    if data.action in (TenantAction.SEND, TenantAction.REWRITE):
        if flow is None or flow.step is not MessageStep.CONFIRM:
            await answer(update, context.t("error.stale_button"), alert=True)
        elif data.action is TenantAction.SEND:
            await message.submit(update, context, flow)
        else:
            await message.rewrite(update, context, flow)
        return
    try:
        async with context.services() as svc:
            house = await svc.house_messages.house(data.house_id)
    except NotFound:
        await answer(update, context.t("error.stale_button"), alert=True)
        return
    if data.action is TenantAction.ENTRY:
        await open_tenant_entry(update, context, house)
        await answer(update)
    elif data.action is TenantAction.AGAIN:  # below an answer: ask in a new message
        await message.ask_message(update, context, house, in_place=False)
    else:
        entry = next((e for e in TENANT_ACTIONS if e.action is data.action), None)
        if entry is None:
            await answer(update, context.t("error.stale_button"), alert=True)
            return
        await entry.run(update, context, house)


async def show_phone(update: Update, context: BotContext, house: HouseRef) -> None:
    """☎️: the community's phone on its own (Telegram makes the number tappable)."""
    async with context.services() as svc:
        community, phone = await community_contact(svc, context)
    back = button(context.t("menu.back"), TenantButton(TenantAction.ENTRY, house.id))
    text = context.t("tenant.call", community=community, phone=phone)
    await edit_or_send(update, context, text, InlineKeyboardMarkup([[back]]))
    await answer(update)


TENANT_ACTIONS: tuple[EntryAction, ...] = (
    EntryAction(TenantAction.MESSAGE, N_("tenant.action.message"), message.ask_message),
    EntryAction(TenantAction.REPORT, N_("report.tenant_action"), start_for_house),
    EntryAction(TenantAction.CALL, N_("tenant.action.call"), show_phone),
)
