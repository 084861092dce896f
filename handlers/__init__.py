"""Every handler of the bot, registered in one visible order.

Groups: -1 tracks the member and resolves the locale for every update; 0 holds /cancel first
(it must win over any conversation), then the built-in commands, then the features, then the
catch-alls (unknown command, menu items not built yet, expired buttons). A feature module
exposes `register(application)`; add its call in the marked place below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from telegram.ext import Application

from handlers import (
    cancel,
    common,
    errors,
    help,
    houses,
    language,
    start,
    supervision,
    tenant,
    visit,
)

AnyApp = Application[Any, Any, Any, Any, Any, Any]


def register_all(application: AnyApp, *, extra: Callable[[AnyApp], None] | None = None) -> None:
    common.register(application)  # group -1: member + locale
    cancel.register(application)  # /cancel before any flow
    start.register(application)
    help.register(application)
    language.register(application)
    # --- features register here, in group 0 ---
    visit.register(application)
    houses.register(application)  # admin: houses, cards (PNG/PDF), reissue, risk colour
    tenant.register(application)  # card link for tenants, their messages; staff replies (group 1)
    supervision.register(application)  # /myvisits, /visits, overdue, the daily reminder job
    if extra is not None:
        extra(application)
    # --- catch-alls last ---
    help.register_fallbacks(application)
    common.register_fallbacks(application)
    errors.register(application)


__all__ = ["register_all"]
