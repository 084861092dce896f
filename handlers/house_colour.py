"""🎨 Risk colour (三色管理) of a house: pick a colour → type the reason → confirm → saved.

The state is `core.flows.risk_colour.RiskColourFlow`; this module renders it and turns
presses and the typed reason into its transitions. Nothing is written before ✅; the service
audits the change with the reason. Admins only: a replayed button of anyone else is refused
before the flow is touched.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, Update
from telegram.ext import MessageHandler, filters

from bot.context import BotContext
from core.errors import InvalidInput, NotFound
from core.flows.risk_colour import ColourAction, ColourButton, ColourStep, RiskColourFlow
from core.models import RiskColour, Role
from core.services.houses import MAX_REASON
from handlers.cancel import cancel_button
from handlers.common import answer, send
from handlers.houses import colour_label, show_house
from handlers.kit import flows
from handlers.kit.buttons import button, roles
from handlers.kit.flows import AnyApp, InFlow, on_flow_press

FEATURE = "house_colour"
ORDER = (RiskColour.RED, RiskColour.YELLOW, RiskColour.GREEN)
Rows = list[list[InlineKeyboardButton]]


def screen(context: BotContext, flow: RiskColourFlow) -> tuple[str, Rows]:
    t = context.t
    back = button(t("menu.back"), ColourButton(ColourAction.BACK))
    old = colour_label(flow.old, t)
    if flow.step is ColourStep.CHOOSE:
        picks = [
            button(
                ("✅ " if colour is flow.old else "") + colour_label(colour, t),
                ColourButton(ColourAction.PICK, colour=colour.value),
            )
            for colour in ORDER
        ]
        text = t("houses.colour_choose", code=flow.code, address=flow.address, colour=old)
        return text, [picks, [back, cancel_button(t)]]
    assert flow.colour is not None
    new = colour_label(flow.colour, t)
    if flow.step is ColourStep.REASON:
        text = t("houses.colour_reason", code=flow.code, old=old, new=new, max=MAX_REASON)
        return text, [[back, cancel_button(t)]]
    text = t(
        "houses.colour_confirm",
        code=flow.code,
        address=flow.address,
        old=old,
        new=new,
        reason=flow.reason,
    )
    save = button(t("houses.button.save"), ColourButton(ColourAction.SAVE))
    return text, [[save], [back, cancel_button(t)]]


async def render(update: Update, context: BotContext, flow: RiskColourFlow) -> None:
    await flows.show(update, context, flow, *screen(context, flow))


async def on_button(
    update: Update, context: BotContext, data: ColourButton, flow: RiskColourFlow | None
) -> None:
    """Every button of the flow: start, pick, back, save."""
    t = context.t
    if data.action is ColourAction.START:
        await start(update, context, data.house_id, data.page)
        await answer(update)
        return
    if flow is None:
        await answer(update, t("houses.flow_expired"), alert=True)
        return
    toast: str | None = None
    if data.action is ColourAction.PICK:
        toast = await pick(update, context, flow, RiskColour(data.colour))
    elif data.action is ColourAction.BACK and flow.back():
        await render(update, context, flow)
    elif data.action is ColourAction.BACK:  # back from the first step: the house again
        flows.end(context)
        await show_house(update, context, flow.house_id, flow.page)
    elif data.action is ColourAction.SAVE and flow.step is ColourStep.CONFIRM:
        toast = await save(update, context, flow)
    await answer(update, toast, alert=toast is not None and data.action is ColourAction.PICK)


async def start(update: Update, context: BotContext, house_id: int, page: int) -> None:
    assert context.actor is not None
    async with context.services() as svc:
        house = await svc.houses.detail(context.actor, house_id)
    message = update.callback_query.message if update.callback_query else None
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = flows.begin(
        context,
        RiskColourFlow(
            house_id=house.id,
            page=page,
            code=house.code,
            address=house.standard_address,
            old=house.risk_colour,
            chat_id=message.chat.id if message else None,
            message_id=message.message_id if message else None,
        ),
    )
    await render(update, context, flow)


async def pick(
    update: Update, context: BotContext, flow: RiskColourFlow, colour: RiskColour
) -> str | None:
    """Choose → reason, unless `colour` is the house's colour now (then say so and stay;
    the choice is marked afresh if the colour moved meanwhile)."""
    assert context.actor is not None
    t = context.t
    try:
        async with context.services() as svc:
            house = await svc.houses.detail(context.actor, flow.house_id)
    except NotFound:
        flows.end(context)
        await flows.show(update, context, flow, t("houses.gone"))
        return t("houses.gone")
    moved = house.risk_colour is not flow.old
    if flow.pick(colour, house.risk_colour):
        await render(update, context, flow)
        return None
    if moved:
        await render(update, context, flow)
    return t("houses.colour_unchanged", colour=colour_label(colour, t))


async def on_reason(update: Update, context: BotContext) -> None:
    """The typed reason; a blank or overlong one is asked again."""
    flow = flows.current(context, RiskColourFlow)
    assert flow is not None
    assert update.message is not None
    try:
        flow.give_reason(update.message.text or "")
    except InvalidInput:
        await send(update, context, context.t("houses.colour_reason_invalid", max=MAX_REASON))
        return
    await render(update, context, flow)  # below the typed reason; the prompt loses its buttons


async def save(update: Update, context: BotContext, flow: RiskColourFlow) -> str:
    """Write the change (audited with the reason) and show the house again."""
    assert context.actor is not None
    assert flow.colour is not None
    t = context.t
    flows.end(context)
    try:
        async with context.services() as svc:
            old = await svc.houses.change_risk_colour(
                context.actor, flow.house_id, flow.colour, flow.reason
            )
    except NotFound:
        await flows.show(update, context, flow, t("houses.gone"))
        return t("houses.gone")
    note = t("houses.colour_saved", old=colour_label(old, t), new=colour_label(flow.colour, t))
    await show_house(update, context, flow.house_id, flow.page, note)
    return t("houses.colour_saved_toast")


def register(application: AnyApp) -> None:
    on_flow_press(
        application,
        FEATURE,
        ColourButton,
        RiskColourFlow,
        on_button,
        allow=roles(Role.ADMIN),
        expired="houses.flow_expired",
    )
    reason = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    waiting = InFlow(application, RiskColourFlow, ColourStep.REASON)
    application.add_handler(MessageHandler(reason & waiting, on_reason))
