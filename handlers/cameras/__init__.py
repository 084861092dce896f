"""📷 Cameras in: the Frigate link and camera health (silent cameras told to their grid's staff).

`register(application)` renders the health notices, schedules the health check and starts
the Frigate link (when a broker is configured) with the application. The vendors' push
receivers (Hikvision, Dahua) are HTTP routes (`bot/http.py`).
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from bot.cameras import frigate


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    frigate.schedule(application)


__all__ = ["register"]
