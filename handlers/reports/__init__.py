"""📣 Residents' reports: filing (`filing`), handling in the staff group (`handling`), lists
(`lists`) and how the notices read (`notices`). `register` wires them; the menu items (📣
filing for residents and guards, 📣 the open reports for cadres and admins), stray photos
and locations of residents and guards, and the tenant's card entry lead here.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler, MessageHandler, filters

from core.flows.report import ReportButton, ReporterButton, ReportFlow, ReportNoteFlow, StaffButton
from core.models import Role
from core.services.reports import (
    ASSIGNED_KIND,
    CHANGE_KIND,
    DIGEST_KIND,
    ESCALATION_KIND,
    NEW_KIND,
    WEEKLY_KIND,
)
from handlers import fallbacks
from handlers.kit import menu
from handlers.kit.buttons import on_press, roles
from handlers.kit.flows import InFlow, on_flow_press
from handlers.kit.notices import renders
from handlers.reports import filing, handling, jobs, lists, notices

FEATURE = "reports"
STAFF = (Role.ADMIN, Role.CADRE, Role.POLICE)
FILERS = (Role.RESIDENT, Role.GUARD)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    new = filters.UpdateType.MESSAGE
    private = filters.ChatType.PRIVATE
    # Filing: anyone in the form may press its buttons (a tenant from a card is no member).
    on_flow_press(application, FEATURE, ReportButton, ReportFlow, filing.on_button)
    menu.serve(application, "report", filing.start, *FILERS)
    application.add_handler(CommandHandler("report", filing.start, filters=private))
    application.add_handler(
        MessageHandler(
            new
            & private
            & ~filters.COMMAND
            & (filters.TEXT | filters.PHOTO | filters.VOICE | filters.LOCATION)
            & InFlow(application, ReportFlow),
            filing.on_message,
        )
    )
    fallbacks.on_stray_photo(application, filing.stray_photo, *FILERS)
    fallbacks.on_stray_location(application, filing.stray_location, *FILERS)
    # Handling: the staff card's buttons; typed notes (in the group or, for the reporter,
    # in private); the reporter's questionnaire and reopen buttons.
    on_press(application, FEATURE, StaffButton, handling.on_staff, allow=roles(*STAFF))
    on_press(application, FEATURE, ReporterButton, handling.on_reporter)
    application.add_handler(
        MessageHandler(
            new
            & ~filters.COMMAND
            & (filters.TEXT | filters.PHOTO)
            & InFlow(application, ReportNoteFlow),
            handling.on_note,
        )
    )
    application.add_handler(CommandHandler("myreports", lists.my_reports, filters=private))
    application.add_handler(CommandHandler("reports", lists.staff_reports))
    menu.serve(application, "reports", lists.staff_reports, Role.ADMIN, Role.CADRE)
    renders(application, NEW_KIND, notices.new_notice)
    renders(application, CHANGE_KIND, notices.change_notice)
    renders(application, ASSIGNED_KIND, notices.assigned_notice)
    renders(application, ESCALATION_KIND, jobs.escalation_notice)
    renders(application, DIGEST_KIND, jobs.digest_notice)
    renders(application, WEEKLY_KIND, jobs.weekly_notice)
    jobs.schedule(application)  # SLA escalation, daily and weekly digests
