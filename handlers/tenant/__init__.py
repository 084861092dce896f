"""The tenant's side of the house card: whom to contact, and a message to the grid's staff.

* `entry`: where `/start h_<token>` hands over (start.py decides who comes here): the
  address, the community's contact, one button per row of `TENANT_ACTIONS`; the house is
  remembered in ``user_data["tenant_house_id"]`` for a later /start.
* `message`: ✉️ type → summary → ✅ Send (`TenantMessageFlow`); stored and told to the
  house's contacts only on ✅.
* `answers`: staff reply to the delivered message; the answer goes back to the tenant.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, MessageHandler, filters

from core.flows.tenant_message import MessageStep, TenantButton, TenantMessageFlow
from core.services.house_messages import ANSWER_KIND, MESSAGE_KIND
from handlers.kit.flows import InFlow, on_flow_press
from handlers.kit.notices import renders
from handlers.tenant.answers import ReplyToBot, on_staff_reply
from handlers.tenant.entry import (
    HOUSE_KEY,
    TENANT_ACTIONS,
    on_button,
    open_tenant_entry,
    remembered_house_button,
)
from handlers.tenant.message import answer_notice, on_text, staff_notice

FEATURE = "tenant"
# Staff replies are matched after group 0 has had the update: see `register`.
ANSWER_GROUP = 1


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    new_messages = filters.UpdateType.MESSAGE  # an edited message is not sent twice
    # Anyone holding the card may press these (tenants are usually not members).
    on_flow_press(application, FEATURE, TenantButton, TenantMessageFlow, on_button)
    application.add_handler(
        MessageHandler(
            new_messages
            & filters.ChatType.PRIVATE
            & ~filters.COMMAND
            & (filters.TEXT | filters.PHOTO)
            & InFlow(application, TenantMessageFlow, MessageStep.TEXT, MessageStep.CONFIRM),
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
    renders(application, MESSAGE_KIND, staff_notice)
    renders(application, ANSWER_KIND, answer_notice)


__all__ = [
    "ANSWER_GROUP",
    "HOUSE_KEY",
    "TENANT_ACTIONS",
    "open_tenant_entry",
    "register",
    "remembered_house_button",
]
