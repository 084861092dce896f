"""A guard's press on an alert: ✅ takes it, ❌ marks a false alarm, 🚓 dispatches (and asks
for a note); on a "please verify" alert the verdict "same person" / "not this person". The
service edits every message of the alert through the outbox; a message opened from the 🚨
menu (not a delivery) is edited here."""

from __future__ import annotations

import logging
from typing import Any

from telegram import ForceReply, Message, Update
from telegram.ext import Application, MessageHandler, filters

from bot.context import BotContext
from core.errors import NotFound, PermissionDenied
from core.services.alerts import AlertTaken, NotVerifiable
from handlers.alerts.cards import AlertButton, buttons, caption
from handlers.common import answer, send
from handlers.kit.buttons import button as make_button
from handlers.kit.buttons import keyboard

log = logging.getLogger(__name__)
NOTES = "alert_notes"  # chat_data: {prompt message id: alert id}
MAX_PROMPTS = 50


async def pressed(update: Update, context: BotContext, data: AlertButton) -> None:
    """✅ / ❌ / 🚓 on an alert."""
    t, actor = context.t, context.actor
    assert actor is not None  # `allow` let only members through
    try:
        async with context.services() as svc:
            view = await svc.alerts.act(actor, data.alert_id, data.action)
    except AlertTaken:
        async with context.services() as svc:
            taken = await svc.alerts.get(actor, data.alert_id)
        await answer(update, t("alerts.already_taken", name=taken.taken_by or "—"), alert=True)
        return
    except (NotFound, PermissionDenied, NotVerifiable):
        await answer(update, t("error.not_for_you"), alert=True)
        return
    query, chat = update.callback_query, update.effective_chat
    if chat is not None and chat.type == "private" and query is not None:
        message = query.message
        if isinstance(message, Message):
            rows = [[make_button(label, d) for label, d in row] for row in buttons(t, view)]
            await message.edit_text(caption(t, view), reply_markup=keyboard(rows))
    await answer(update, t(f"alerts.done.{data.action}"))
    if data.action == "dispatch" and chat is not None:
        name = context.member.name if context.member else ""
        prompt = await send(
            update,
            context,
            t("alerts.ask_note", name=name),
            ForceReply(selective=True),  # type: ignore[arg-type]
        )
        if prompt is not None and context.chat_data is not None:
            notes: dict[int, int] = context.chat_data.setdefault(NOTES, {})
            notes[prompt.message_id] = data.alert_id
            while len(notes) > MAX_PROMPTS:
                notes.pop(next(iter(notes)))


async def note_received(update: Update, context: BotContext) -> None:
    """A reply to the 🚓 prompt: the note goes on the alert (every message is edited)."""
    message = update.effective_message
    assert message is not None
    assert message.reply_to_message is not None
    notes = (context.chat_data or {}).get(NOTES, {})
    alert_id = notes.get(message.reply_to_message.message_id)
    actor = context.actor
    if alert_id is None or actor is None or not message.text:
        return
    try:
        async with context.services() as svc:
            await svc.alerts.add_note(actor, alert_id, message.text)
    except PermissionDenied:
        return
    notes.pop(message.reply_to_message.message_id, None)
    await message.reply_text(context.t("alerts.note_saved"))


def register_notes(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    class _PromptReply(filters.MessageFilter):
        def filter(self, message: Message) -> bool:
            replied = message.reply_to_message
            if replied is None:
                return False
            notes = application.chat_data.get(message.chat.id, {}).get(NOTES, {})
            return replied.message_id in notes

    application.add_handler(MessageHandler(filters.TEXT & _PromptReply(), note_received))
