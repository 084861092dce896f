"""Flows in the chat: the user's current flow, its one form message, and its buttons.

A user is in at most one flow, kept as its typed state (`core.flows.Flow`) in
``user_data["flow"]``, so the persistence restores it after a restart. `InFlow` is the one
filter for "this user is in flow X" (optionally at given steps): a flow's text and photo
handlers sit in group 0 without taking anybody else's messages. `show` puts a screen in the
form message (edited in place when a button of that message was pressed, sent anew below a
typed answer) and stamps the screen's revision into every button that has a `rev` field;
`on_flow_press` ignores a press from an older screen and says when the flow is gone.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, Message, Update
from telegram.error import BadRequest, TelegramError
from telegram.ext import Application, filters

from bot.context import BotContext
from bot.i18n import Translator
from core.flows import Flow
from handlers.common import answer
from handlers.kit.buttons import Allow, keyboard, on_press

log = logging.getLogger(__name__)

FLOW_KEY = "flow"
F = TypeVar("F", bound=Flow[Any])
B = TypeVar("B")
AnyApp = Application[Any, Any, Any, Any, Any, Any]
Rows = Sequence[Sequence[InlineKeyboardButton]]
FlowPress = Callable[[Update, BotContext, B, F | None], Awaitable[None]]


def current(context: BotContext, cls: type[F]) -> F | None:
    """The user's flow if it is a `cls`."""
    flow = any_flow(context)
    return flow if isinstance(flow, cls) else None


def any_flow(context: BotContext) -> Flow[Any] | None:
    flow = context.user_data.get(FLOW_KEY) if context.user_data is not None else None
    return flow if isinstance(flow, Flow) else None


def begin(context: BotContext, flow: F) -> F:
    """Make `flow` the user's flow (an earlier one is replaced: close its form first)."""
    assert context.user_data is not None
    context.user_data[FLOW_KEY] = flow
    return flow


def end(context: BotContext) -> Flow[Any] | None:
    """Discard the user's flow; returns it (None if there was none)."""
    if context.user_data is None:
        return None
    flow = context.user_data.pop(FLOW_KEY, None)
    return flow if isinstance(flow, Flow) else None


def flow_label(flow: Flow[Any], t: Translator) -> str:
    """``flow.<name>`` from the catalogues, else a generic "the current step"."""
    key = f"flow.{flow.name}"
    return t(key) if t.has(key) else t("cancel.current_step")


class InFlow(filters.UpdateFilter):
    """Updates from a user whose flow is a `cls` (at one of `steps`, when given)."""

    def __init__(self, application: AnyApp, cls: type[Flow[Any]], *steps: Any) -> None:
        names = ",".join(str(getattr(s, "value", s)) for s in steps)
        super().__init__(name=f"InFlow({cls.__name__}{':' + names if names else ''})")
        self._application = application
        self._cls = cls
        self._steps = frozenset(steps)

    def filter(self, update: Update) -> bool:
        user = update.effective_user
        data = self._application.user_data.get(user.id) if user is not None else None
        flow = data.get(FLOW_KEY) if data else None
        return isinstance(flow, self._cls) and (not self._steps or flow.step in self._steps)


def stamp(flow: Flow[Any], rows: Rows) -> list[list[InlineKeyboardButton]]:
    """Number a new screen and put the number into its buttons that carry a `rev`."""
    rev = flow.next_rev()

    def stamped(b: InlineKeyboardButton) -> InlineKeyboardButton:
        data = b.callback_data
        if dataclasses.is_dataclass(data) and hasattr(data, "rev"):
            return InlineKeyboardButton(b.text, callback_data=dataclasses.replace(data, rev=rev))  # type: ignore[type-var]
        return b

    return [[stamped(b) for b in row] for row in rows]


async def show(
    update: Update, context: BotContext, flow: Flow[Any], text: str, rows: Rows = ()
) -> Message | None:
    """Show a screen of `flow`: edit its form on a press of that form, else send a new one."""
    markup = keyboard(stamp(flow, rows))
    query = update.callback_query
    if (
        query is not None
        and isinstance(query.message, Message)
        and query.message.message_id == flow.message_id
        and query.message.text is not None  # a photo message cannot become a text form
    ):
        try:
            edited = await query.message.edit_text(text, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" in exc.message.lower():
                return query.message
            log.info("cannot edit the %s form (%s); sending it again", flow.name, exc)
        else:
            return edited if isinstance(edited, Message) else query.message
    await close_form(context, flow)
    chat_id = flow.chat_id or (update.effective_chat.id if update.effective_chat else None)
    if chat_id is None:
        return None
    sent = await context.bot.send_message(chat_id, text, reply_markup=markup)
    flow.chat_id, flow.message_id = sent.chat_id, sent.message_id
    return sent


async def close_form(context: BotContext, flow: Flow[Any]) -> None:
    """Take the buttons off the flow's form, so only the newest screen is live."""
    if not flow.message_id or flow.chat_id is None:
        return
    try:
        await context.bot.edit_message_reply_markup(
            flow.chat_id, flow.message_id, reply_markup=None
        )
    except TelegramError as exc:
        log.debug("could not close the %s form %s: %s", flow.name, flow.message_id, exc)


def on_flow_press(
    application: AnyApp,
    feature: str,
    data_type: type[B],
    flow_type: type[F],
    callback: FlowPress[B, F],
    *,
    allow: Allow | None = None,
    expired: str = "flow.expired",
) -> None:
    """Presses of a flow's buttons: `callback(update, context, data, flow)`.

    A button stamped with a screen (``data.rev`` ≠ 0) needs the flow to be there and that
    screen to be its newest; otherwise the user gets a toast and nothing changes. A button
    of no screen (rev 0, e.g. one that starts the flow) gets the flow or None.
    """

    async def pressed(update: Update, context: BotContext, data: B) -> None:
        flow = current(context, flow_type)
        rev = int(getattr(data, "rev", 0))
        if rev and flow is None:
            await answer(update, context.t(expired), alert=True)
            return
        if flow is not None and flow.is_stale(rev):
            await answer(update, context.t("flow.stale_screen"))
            return
        await callback(update, context, data, flow)

    on_press(application, feature, data_type, pressed, allow=allow)
