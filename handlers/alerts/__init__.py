"""🚨 Alerts: camera alerts in guard groups (photo, caption, ✅ ❌ 🚓), the alerts menu item.

`register(application)` renders the alert notices, takes the guards' presses, serves the
🚨 menu item for guards and police, and starts the camera worker with the application.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.cameras import worker
from core.models import Role
from core.services.alerts import ALERT_KIND, DIGEST_KIND, EDIT_KIND
from handlers.alerts import cards, guards, listing
from handlers.kit import menu
from handlers.kit.buttons import on_press, roles
from handlers.kit.notices import renders

FEATURE = "alerts"
HANDLERS = roles(Role.GUARD, Role.POLICE, Role.ADMIN)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    renders(application, ALERT_KIND, cards.render)
    renders(application, EDIT_KIND, cards.render)
    renders(application, DIGEST_KIND, listing.render_digest)
    on_press(application, FEATURE, cards.AlertButton, guards.pressed, allow=HANDLERS)
    on_press(application, FEATURE, listing.AlertsPage, listing.page_pressed, allow=HANDLERS)
    on_press(application, FEATURE, listing.AlertOpen, listing.open_pressed, allow=HANDLERS)
    guards.register_notes(application)
    menu.serve(application, "alerts", listing.show_menu, Role.GUARD, Role.POLICE)
    worker.schedule(application)


__all__ = ["register"]
