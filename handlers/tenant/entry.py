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
from core.services import UnitOfWork
from core.services.house_messages import HouseRef
from handlers.common import answer, community_contact, current_flow, edit_or_send, end_flow
from handlers.tenant.message import FLOW, TENANT, ask_message, close_form

HOUSE_KEY = "tenant_house_id"  # user_data: the house whose card this user opened last
# Callback keys that are not buttons of the entry: ⬅️ back to it, and ✉️ under an answer
# (which asks in a new message, so the answer stays readable).
ENTRY, AGAIN = "entry", "again"

Run = Callable[[Update, BotContext, HouseRef], Awaitable[None]]


@dataclass(frozen=True)
class TenantAction:
    """One button of the entry: ``(tenant, key, house id)`` runs `run`."""

    key: str
    label: str  # msgid; the translation starts with the action's icon
    run: Run


def action_data(key: str, house_id: int) -> tuple[str, str, int]:
    return (TENANT, key, house_id)


def is_action(data: object) -> bool:
    return isinstance(data, tuple) and len(data) == 3 and data[0] == TENANT


async def open_tenant_entry(update: Update, context: BotContext, house: HouseRef) -> None:
    """The card's page for a tenant: the address, the community's contact, what they can do."""
    assert context.user_data is not None
    context.user_data[HOUSE_KEY] = house.id
    flow = current_flow(context)
    if flow is not None and flow.get("name") == FLOW:  # a draft about an earlier card
        await close_form(context, flow)
        end_flow(context)
    t = context.t
    async with context.services() as svc:
        community, phone = await community_contact(svc, context)
    rows = [
        [InlineKeyboardButton(t(action.label), callback_data=action_data(action.key, house.id))]
        for action in TENANT_ACTIONS
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
    return InlineKeyboardButton(label, callback_data=action_data("message", house.id))


async def on_action(update: Update, context: BotContext) -> None:
    """A button of the entry (or ⬅️ back to it, or ✉️ under an answer): run it."""
    query = update.callback_query
    assert query is not None
    data: tuple[str, str, int] = query.data  # type: ignore[assignment]  # see is_action
    _tenant, key, house_id = data
    try:
        async with context.services() as svc:
            house = await svc.house_messages.house(house_id)
    except NotFound:
        await answer(update, context.t("error.stale_button"), alert=True)
        return
    if key == ENTRY:
        await open_tenant_entry(update, context, house)
        await answer(update)
        return
    if key == AGAIN:
        await ask_message(update, context, house, in_place=False)
        return
    action = next((a for a in TENANT_ACTIONS if a.key == key), None)
    if action is None:
        await answer(update, context.t("error.stale_button"), alert=True)
        return
    await action.run(update, context, house)


async def show_phone(update: Update, context: BotContext, house: HouseRef) -> None:
    """☎️: the community's phone on its own (Telegram makes the number tappable)."""
    async with context.services() as svc:
        community, phone = await community_contact(svc, context)
    back = InlineKeyboardButton(context.t("menu.back"), callback_data=action_data(ENTRY, house.id))
    text = context.t("tenant.call", community=community, phone=phone)
    await edit_or_send(update, context, text, InlineKeyboardMarkup([[back]]))
    await answer(update)


TENANT_ACTIONS: tuple[TenantAction, ...] = (
    TenantAction("message", N_("tenant.action.message"), ask_message),
    TenantAction("call", N_("tenant.action.call"), show_phone),
    # "📝 Report a problem" (a later issue) is one more row here: its key, msgid and run.
)
