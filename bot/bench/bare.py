"""A bare PTB bot on the same sandbox: what an update costs with nothing of the product.

No persistence, no database, no rate limiter, no arbitrary callback data: `/start` (or any
text) is answered with a message carrying one button, and a press of that button edits the
message and answers the query, as the product's menu does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from bot.app import running
from bot.bench.world import AnyApp
from bot.sandbox import Sandbox

BARE_LABEL = "❓ tap"
MARKUP = InlineKeyboardMarkup([[InlineKeyboardButton(BARE_LABEL, callback_data="tap")]])


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any text: one message with the button."""
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, "bare", reply_markup=MARKUP)


async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The button: edit the message (a new text each time), then answer the query."""
    query = update.callback_query
    assert query is not None
    await query.edit_message_text(f"tapped {query.id}", reply_markup=MARKUP)
    await query.answer()


def build_bare_application(sandbox: Sandbox, *, concurrent_updates: int) -> AnyApp:
    builder = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(sandbox.base_url)
        .base_file_url(sandbox.base_file_url)
        .request(HTTPXRequest(connection_pool_size=64))  # as the product's bot
        .get_updates_request(HTTPXRequest(connection_pool_size=2))
        .concurrent_updates(concurrent_updates)
    )
    application: Any = builder.build()
    application.add_handler(CallbackQueryHandler(pressed))
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application  # type: ignore[no-any-return]


@asynccontextmanager
async def bare_running(sandbox: Sandbox, *, concurrent_updates: int) -> AsyncIterator[AnyApp]:
    """PTB's own processing: one at a time, or `concurrent_updates` at once (PTB's simple
    processor, no per-user order), to match the product run it is compared with."""
    application = build_bare_application(sandbox, concurrent_updates=concurrent_updates)
    async with running(application, poll_timeout=5):
        yield application
