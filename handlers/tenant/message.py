"""✉️ A tenant's message to the staff: type → summary → ✅ Send (`TenantMessageFlow`).

Only ✅ writes: the service stores the message and records a notice for the house's contacts
(the grid's staff group, else the cadre, else the admins); the notification path renders it
in each recipient's language and the outbox sends and retries it, so a staff group that is
down still gets it later.
"""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, Update

from bot.context import BotContext
from bot.i18n import Translator
from core.errors import InvalidInput, RateLimited
from core.flows.tenant_message import MessageStep, TenantAction, TenantButton, TenantMessageFlow
from core.notify import Notice, Rendered
from core.services.house_messages import MAX_TEXT, RATE_LIMIT, HouseMessageView, HouseRef
from handlers.cancel import cancel_button
from handlers.common import answer, community_phone, edit_or_send, send
from handlers.kit import flows
from handlers.kit.buttons import button


def screen(t: Translator, flow: TenantMessageFlow) -> tuple[str, list[list[InlineKeyboardButton]]]:
    if flow.step is MessageStep.TEXT:
        return t("tenant.ask", address=flow.address, max=MAX_TEXT), [[cancel_button(t)]]
    rows = [
        [button(t("tenant.send"), TenantButton(TenantAction.SEND))],
        [button(t("tenant.rewrite"), TenantButton(TenantAction.REWRITE)), cancel_button(t)],
    ]
    return t("tenant.summary", address=flow.address, text=flow.text), rows


async def render(update: Update, context: BotContext, flow: TenantMessageFlow) -> None:
    text, rows = screen(context.t, flow)
    await flows.show(update, context, flow, text, rows)


async def ask_message(
    update: Update, context: BotContext, house: HouseRef, *, in_place: bool = True
) -> None:
    """✉️: start the draft and ask for the text (refused early when over the limit)."""
    user = update.effective_user
    assert user is not None
    async with context.services() as svc:
        retry_at = await svc.house_messages.next_allowed(user.id)
    if retry_at is not None:
        text = _rate_limited(context.t, retry_at, await community_phone(context))
        await (edit_or_send if in_place else send)(update, context, text)
        await answer(update)
        return
    old = flows.any_flow(context)
    if old is not None:
        await flows.close_form(context, old)
    flow = TenantMessageFlow(house_id=house.id, address=house.address)
    message = update.callback_query.message if update.callback_query else None
    if in_place and message is not None:  # the entry's message becomes the form
        flow.chat_id, flow.message_id = message.chat.id, message.message_id
    await render(update, context, flows.begin(context, flow))
    await answer(update)


async def on_text(update: Update, context: BotContext) -> None:
    """The tenant's text (again, to rewrite it): a summary with ✅ Send / ✏️ / ✖️."""
    message = update.effective_message
    flow = flows.current(context, TenantMessageFlow)
    assert message is not None
    assert flow is not None
    t = context.t
    if message.text is None:  # a photo: not forwarded yet
        await send(update, context, t("tenant.photo_not_supported"))
        return
    try:
        flow.write(message.text)
    except InvalidInput:
        await send(update, context, t("tenant.text_invalid", max=MAX_TEXT))
        return
    await render(update, context, flow)


async def rewrite(update: Update, context: BotContext, flow: TenantMessageFlow) -> None:
    """✏️: ask for the text again, in the same message."""
    flow.rewrite()
    await render(update, context, flow)
    await answer(update)


async def submit(update: Update, context: BotContext, flow: TenantMessageFlow) -> None:
    """✅: the service stores the message and tells the house's contacts."""
    user = update.effective_user
    assert user is not None
    t = context.t
    flows.end(context)
    try:
        async with context.services() as svc:
            view = await svc.house_messages.submit(
                house_id=flow.house_id,
                sender_telegram_id=user.id,
                sender_name=user.first_name,  # the first name only, never more
                sender_locale=context.locale,
                text=flow.text,
            )
    except RateLimited as exc:
        text = _rate_limited(t, exc.retry_at, await community_phone(context))
        view = None
    else:
        text = (
            t("tenant.sent") if view else t("tenant.nobody", phone=await community_phone(context))
        )
    await flows.show(update, context, flow, text)
    await answer(update, t("tenant.sent_toast") if view else None)


def _rate_limited(t: Translator, retry_at: datetime, phone: str) -> str:
    text = t("tenant.rate_limited", limit=RATE_LIMIT, time=t.short_datetime(retry_at))
    return f"{text}\n{t('tenant.urgent', phone=phone)}"


def staff_notice(t: Translator, notice: Notice) -> Rendered:
    """A tenant's message as the staff read it (reply to it to answer)."""
    view: HouseMessageView = notice.params["view"]
    return Rendered(
        t(
            "tenant.staff_message",
            code=view.house.code,
            address=view.house.address,
            name=view.sender_name or "—",
            time=t.short_datetime(view.created_at),
            text=view.text,
        )
    )


def answer_notice(t: Translator, notice: Notice) -> Rendered:
    """The staff's answer as the tenant reads it, with ✉️ to write again."""
    view: HouseMessageView = notice.params["view"]
    again = TenantButton(TenantAction.AGAIN, view.house.id)
    text = t(
        "tenant.answer", address=view.house.address, text=_short(view.text), answer=view.answer
    )
    return Rendered(text, [[(t("tenant.write_again"), again)]])


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
