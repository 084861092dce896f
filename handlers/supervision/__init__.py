"""Supervision of cadres' visits: the daily overdue reminder, /myvisits and /visits.

`register(application)` adds the commands, the cadre menu's ⚠️ item, the 📋 button of the
reminder, and schedules the reminder job (`send_overdue_reminders` is the job's body, callable
directly).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from handlers.common import menu_pattern
from handlers.supervision.reminders import (
    JOB_NAME,
    MY_VISITS_DATA,
    ReminderResult,
    escalation_text,
    is_my_visits_button,
    reminder_text,
    schedule,
    send_overdue_reminders,
)
from handlers.supervision.views import my_visits, my_visits_menu, team_visits


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("myvisits", my_visits, filters=private))
    application.add_handler(CommandHandler("visits", team_visits, filters=private))
    application.add_handler(CallbackQueryHandler(my_visits_menu, pattern=menu_pattern("overdue")))
    application.add_handler(CallbackQueryHandler(my_visits, pattern=is_my_visits_button))
    schedule(application)


__all__ = [
    "JOB_NAME",
    "MY_VISITS_DATA",
    "ReminderResult",
    "escalation_text",
    "register",
    "reminder_text",
    "send_overdue_reminders",
]
