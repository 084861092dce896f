"""✉️ A tenant's message to the staff: type → summary → ✅ Send (flow "tenant_message").

The draft lives in ``user_data["flow"]`` (`handlers.common.begin_flow`), so /cancel and a
restart treat it like every other flow. Only ✅ writes: the message is stored and one outbox
delivery per recipient is enqueued, rendered in that recipient's language; the outbox sends
and retries, so a staff group that is down still gets it later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot import outbox
from bot.context import BotContext
from bot.i18n import Translator, resolve_locale
from core.errors import InvalidInput, RateLimited
from core.services.house_messages import (
    MAX_TEXT,
    MESSAGE_KIND,
    RATE_LIMIT,
    HouseMessageView,
    HouseRef,
    clean_text,
)
from handlers.cancel import cancel_button
from handlers.common import (
    answer,
    begin_flow,
    community_contact,
    current_flow,
    edit_or_send,
    end_flow,
    send,
)

log = logging.getLogger(__name__)

FLOW = "tenant_message"
TENANT = "tenant"  # first item of every callback data of the tenant's buttons


def step_pattern(name: str) -> Callable[[object], bool]:
    """Buttons of the draft: ``(tenant, "send")`` and ``(tenant, "rewrite")``."""
    return lambda data: data == (TENANT, name)


async def ask_message(
    update: Update, context: BotContext, house: HouseRef, *, in_place: bool = True
) -> None:
    """✉️: start the draft and ask for the text (refused early when over the limit)."""
    user = update.effective_user
    assert user is not None
    t = context.t
    async with context.services() as svc:
        retry_at = await svc.house_messages.next_allowed(user.id)
        _community, phone = await community_contact(svc, context)
    show = edit_or_send if in_place else send
    if retry_at is not None:
        await show(update, context, _rate_limited(t, retry_at, phone))
        await answer(update)
        return
    flow = begin_flow(context, FLOW, house_id=house.id, address=house.address, step="text")
    await _ask(update, context, flow, in_place=in_place)
    await answer(update)


async def _ask(
    update: Update, context: BotContext, flow: dict[str, Any], *, in_place: bool = True
) -> None:
    t = context.t
    text = t("tenant.ask", address=flow["address"], max=MAX_TEXT)
    show = edit_or_send if in_place else send
    form = await show(update, context, text, InlineKeyboardMarkup([[cancel_button(t)]]))
    if form is not None:
        flow.update(message_id=form.message_id, chat_id=form.chat_id)


async def on_text(update: Update, context: BotContext) -> None:
    """The tenant's text (again, to rewrite it): a summary with ✅ Send / ✏️ / ✖️."""
    message = update.effective_message
    flow = current_flow(context)
    assert message is not None
    assert flow is not None
    t = context.t
    if message.text is None:  # a photo: not forwarded yet
        await send(update, context, t("tenant.photo_not_supported"))
        return
    try:
        text = clean_text(message.text)
    except InvalidInput:
        await send(update, context, t("tenant.text_invalid", max=MAX_TEXT))
        return
    await close_form(context, flow)
    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t("tenant.send"), callback_data=(TENANT, "send"))],
            [
                InlineKeyboardButton(t("tenant.rewrite"), callback_data=(TENANT, "rewrite")),
                cancel_button(t),
            ],
        ]
    )
    summary = await send(
        update, context, t("tenant.summary", address=flow["address"], text=text), markup
    )
    flow.update(step="confirm", text=text)
    if summary is not None:
        flow.update(message_id=summary.message_id, chat_id=summary.chat_id)


async def close_form(context: BotContext, flow: dict[str, Any]) -> None:
    """Remove the buttons of the draft's form message (a new one follows, or none)."""
    if not flow.get("message_id"):
        return
    try:
        await context.bot.edit_message_reply_markup(
            flow["chat_id"], flow["message_id"], reply_markup=None
        )
    except TelegramError as exc:
        log.info("could not close the tenant form: %s", exc)


def _draft(context: BotContext, step: str) -> dict[str, Any] | None:
    flow = current_flow(context)
    return flow if flow and flow.get("name") == FLOW and flow.get("step") == step else None


async def on_rewrite(update: Update, context: BotContext) -> None:
    """✏️: ask for the text again, in the same message."""
    flow = _draft(context, "confirm")
    if flow is None:
        await answer(update, context.t("error.stale_button"), alert=True)
        return
    flow.update(step="text", text="")
    await _ask(update, context, flow)
    await answer(update)


async def on_send(update: Update, context: BotContext) -> None:
    """✅: store the message, enqueue one delivery per recipient, kick the outbox."""
    flow = _draft(context, "confirm")
    user = update.effective_user
    assert user is not None
    t = context.t
    if flow is None:
        await answer(update, t("error.stale_button"), alert=True)
        return
    sent = False
    try:
        async with context.services() as svc:
            _community, phone = await community_contact(svc, context)
            recipients = await svc.house_messages.recipients(flow["house_id"])
            if recipients:
                view = await svc.house_messages.submit(
                    house_id=flow["house_id"],
                    sender_telegram_id=user.id,
                    sender_name=user.first_name,  # the first name only, never more
                    sender_locale=context.locale,
                    text=flow["text"],
                )
                for recipient in recipients:
                    await svc.outbox.enqueue(
                        chat_id=recipient.chat_id,
                        text=_staff_text(translator(context, recipient.locale), view),
                        kind=MESSAGE_KIND,
                        house_message_id=view.id,
                        dedup_key=f"{MESSAGE_KIND}:{view.id}:{recipient.chat_id}",
                    )
                sent = True
    except RateLimited as exc:
        text = _rate_limited(t, exc.retry_at, phone)
    else:
        text = t("tenant.sent") if sent else t("tenant.nobody", phone=phone)
    end_flow(context)
    await edit_or_send(update, context, text)
    await answer(update, t("tenant.sent_toast") if sent else None)
    if sent:
        outbox.kick(context.application)


def translator(context: BotContext, locale: str | None) -> Translator:
    """The translator of someone other than the sender of this update."""
    default = context.settings.default_locale
    return context.deps.translator(resolve_locale(locale, None, default))


def _rate_limited(t: Translator, retry_at: datetime, phone: str) -> str:
    text = t("tenant.rate_limited", limit=RATE_LIMIT, time=t.short_datetime(retry_at))
    return f"{text}\n{t('tenant.urgent', phone=phone)}"


def _staff_text(t: Translator, view: HouseMessageView) -> str:
    return t(
        "tenant.staff_message",
        code=view.house.code,
        address=view.house.address,
        name=view.sender_name or "—",
        time=t.short_datetime(view.created_at),
        text=view.text,
    )
