"""Supervision of cadres' visits: the daily overdue reminder, /myvisits and /visits.

`register(application)` adds the commands, the cadre menu's ⚠️ item, the 📋 button of the
reminder, and schedules the reminder job (`send_overdue_reminders` is the job's body, callable
directly).
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import BotContext
from core.services.reminders import ReminderResult
from handlers.kit import menu
from handlers.kit.buttons import on_press
from handlers.supervision.reminders import (
    JOB_NAME,
    MyVisitsButton,
    escalation_text,
    register_notices,
    reminder_text,
    schedule,
    send_overdue_reminders,
)
from handlers.supervision.views import my_visits, my_visits_menu, team_visits


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("myvisits", my_visits, filters=private))
    application.add_handler(CommandHandler("visits", team_visits, filters=private))
    menu.serve(application, "overdue", my_visits_menu)
    on_press(application, "supervision", MyVisitsButton, _my_visits_pressed)
    register_notices(application)
    schedule(application)


async def _my_visits_pressed(update: Update, context: BotContext, _data: MyVisitsButton) -> None:
    await my_visits(update, context)


__all__ = [
    "JOB_NAME",
    "MyVisitsButton",
    "ReminderResult",
    "escalation_text",
    "register",
    "reminder_text",
    "send_overdue_reminders",
]
