"""📋 Watchlists for police and admins: lists and entries, add a person (photo, quality gate)
or a plate, add another photo of a watched person, end an entry; the daily purge and the
weekly notice of entries expiring soon.

`register(application)` serves the 📋 menu item for police and admins, takes their presses
and the add and photo flows' messages, renders the weekly notice and schedules the jobs.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from core.models import Role
from core.services.watchlists import EXPIRING_KIND
from handlers.kit import menu
from handlers.kit.buttons import on_press
from handlers.kit.notices import renders
from handlers.watchlists import add, jobs, listing, photo

FEATURE = "watchlists"


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    on_press(application, FEATURE, listing.WatchButton, listing.pressed, allow=add.MANAGERS)
    add.register(application)
    photo.register(application)
    menu.serve(application, "watchlists", listing.show_menu, Role.POLICE, Role.ADMIN)
    renders(application, EXPIRING_KIND, jobs.expiring_notice)
    jobs.schedule(application)


__all__ = ["register"]
