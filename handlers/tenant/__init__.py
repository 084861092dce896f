"""The tenant's side of the house card: whom to contact, and a message to the grid's staff.

* `entry`: where `/start h_<token>` hands over (start.py decides who comes here): the
  address, the community's contact, one button per row of `TENANT_ACTIONS`; the house is
  remembered in ``user_data["tenant_house_id"]`` for a later /start.
* `message`: ✉️ type → summary → ✅ Send; stored and handed to the outbox only on ✅.
* `answers`: staff reply to the delivered message; the answer goes back to the tenant.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from handlers.common import InFlow
from handlers.tenant.answers import ReplyToBot, on_staff_reply
from handlers.tenant.entry import (
    HOUSE_KEY,
    TENANT_ACTIONS,
    TenantAction,
    action_data,
    is_action,
    on_action,
    open_tenant_entry,
    remembered_house_button,
)
from handlers.tenant.message import FLOW, on_rewrite, on_send, on_text, step_pattern

# Staff replies are matched after group 0 has had the update: see `register`.
ANSWER_GROUP = 1


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    new_messages = filters.UpdateType.MESSAGE  # an edited message is not sent twice
    application.add_handler(CallbackQueryHandler(on_action, pattern=is_action))
    application.add_handler(CallbackQueryHandler(on_send, pattern=step_pattern("send")))
    application.add_handler(CallbackQueryHandler(on_rewrite, pattern=step_pattern("rewrite")))
    application.add_handler(
        MessageHandler(
            new_messages
            & filters.ChatType.PRIVATE
            & ~filters.COMMAND
            & (filters.TEXT | filters.PHOTO)
            & InFlow(application, FLOW),
            on_text,
        )
    )
    # Whether a reply answers a tenant needs a database look-up, which a (synchronous) filter
    # cannot make. In group 0 the first matching handler ends the search, so a reply to any
    # other bot message (a tenant quoting our prompt, a later feature's form) would be
    # swallowed here. In its own group it runs after group 0 has handled the update, and
    # returns at once when the replied-to message was not a tenant's message.
    application.add_handler(
        MessageHandler(
            new_messages & filters.REPLY & filters.TEXT & ~filters.COMMAND & ReplyToBot(),
            on_staff_reply,
        ),
        group=ANSWER_GROUP,
    )


__all__ = [
    "ANSWER_GROUP",
    "FLOW",
    "HOUSE_KEY",
    "TENANT_ACTIONS",
    "TenantAction",
    "action_data",
    "open_tenant_entry",
    "register",
    "remembered_house_button",
]
