"""The visit's one form message: edited in place on a button, re-sent below a typed answer."""

from __future__ import annotations

from datetime import date, datetime

from telegram import Update

from bot.context import BotContext
from core.flows.visit import VisitFlow
from handlers.kit import flows
from handlers.visit import screens


def current(context: BotContext) -> VisitFlow | None:
    return flows.current(context, VisitFlow)


async def render(update: Update, context: BotContext, flow: VisitFlow, note: str = "") -> None:
    """Show the flow's current screen: edit on a press of its form, else a fresh form."""
    await flows.show(update, context, flow, *screens.screen(context.t, flow, note))


async def now(context: BotContext) -> datetime:
    """The storage's clock (a test may freeze it)."""
    async with context.services() as svc:
        return svc.visits.now()


def today(context: BotContext, at: datetime) -> date:
    """`at` as a date in the community's time zone."""
    return at.astimezone(context.settings.zone).date()
