"""The admin's console in the chat: 👥 members, ✉️ invite, 👪 groups, 📷 cameras.

Each module owns one menu item and one frozen button type, pressed by admins only; each
change is one core service call (the service checks the role and writes the audit entry).
"""

from __future__ import annotations

from telegram.ext import CommandHandler, filters

from handlers.admin import bind, camera_add, cameras, groups, invite, members
from handlers.kit.buttons import AnyApp


def register(application: AnyApp) -> None:
    private = filters.ChatType.PRIVATE
    members.register(application)
    application.add_handler(CommandHandler("members", members.members_command, filters=private))
    invite.register(application)
    application.add_handler(CommandHandler("invite", invite.invite_command, filters=private))
    groups.register(application)
    application.add_handler(CommandHandler("groups", groups.groups_command, filters=private))
    bind.register(application)
    cameras.register(application)
    camera_add.register(application)
    application.add_handler(
        CommandHandler("bind", bind.bind_command, filters=filters.ChatType.GROUPS)
    )


__all__ = ["register"]
