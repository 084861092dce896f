"""Staff answer a tenant by replying to the delivered message; the answer goes back to them.

Group privacy mode still delivers replies to the bot's own messages, so this works in real
staff groups. The service stores and audits the answer and tells the tenant (a notice).
"""

from __future__ import annotations

from telegram import Message, ReplyParameters, Update
from telegram.constants import ChatType
from telegram.ext import filters

from bot.context import BotContext
from core.errors import InvalidInput, PermissionDenied
from core.roles import Permission
from core.services.house_messages import MAX_TEXT


class ReplyToBot(filters.MessageFilter):
    """Replies to a message of this bot (cheap; which message it was needs the database)."""

    __slots__ = ()

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        if replied is None or replied.from_user is None:
            return False
        try:
            return replied.from_user.id == message.get_bot().id
        except RuntimeError:  # no bot attached (a hand-built update)
            return replied.from_user.is_bot


async def on_staff_reply(update: Update, context: BotContext) -> None:
    """A reply to a delivered tenant message: the service stores it and tells the tenant."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None
    assert chat is not None
    assert message.reply_to_message is not None
    t, actor = context.t, context.actor
    try:
        async with context.services() as svc:
            found = await svc.house_messages.for_delivery(
                chat.id, message.reply_to_message.message_id
            )
            if found is None:
                return  # a reply to some other bot message: not ours
            if actor is None:  # not a member (or no longer one)
                raise PermissionDenied(Permission.HANDLE_REPORTS.value)
            await svc.house_messages.answer(actor, found.id, message.text or "")
    except PermissionDenied:
        # In a group, people who are not members at all are ignored: it is their chat too.
        if actor is not None or chat.type == ChatType.PRIVATE:
            await _reply(context, message, t("tenant.answer_denied"))
        return
    except InvalidInput:
        await _reply(context, message, t("tenant.answer_invalid", max=MAX_TEXT))
        return
    await _reply(context, message, t("tenant.answered"))


async def _reply(context: BotContext, message: Message, text: str) -> None:
    params = ReplyParameters(message.message_id, allow_sending_without_reply=True)
    await context.bot.send_message(message.chat_id, text, reply_parameters=params)
