"""The "/" menus: groups get theirs at start, deactivated members lose theirs, no resends."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CommandHandler

from bot.commands import registered_commands
from core.models import GroupRole, Role
from tests.e2e import SYSTEM, BotEnv, MakeBotEnv


def scoped(env: BotEnv, chat_id: int) -> list[dict[str, Any]]:
    return [p for p in env.calls("setMyCommands") if p.get("scope", {}).get("chat_id") == chat_id]


async def test_groups_and_members_get_their_menus_at_start(bot_env: BotEnv) -> None:
    guard = await bot_env.user(Role.GUARD)
    guards = await bot_env.group(GroupRole.GUARDS, members=[guard])
    staff = await bot_env.group(GroupRole.STAFF)
    police = await bot_env.user(Role.POLICE, locale="en")
    await bot_env.restart()

    [call] = scoped(bot_env, guards)
    assert call["commands"] == [{"command": "help", "description": "我能为你做什么"}]
    assert scoped(bot_env, staff)
    [call] = scoped(bot_env, police.id)
    assert call["commands"][0] == {"command": "start", "description": "Main menu"}
    assert bot_env.sandbox.commands_for(guard.id, chat_id=guards)[0]["command"] == "help"

    calls = len(bot_env.calls("setMyCommands"))
    await bot_env.restart()
    assert len(bot_env.calls("setMyCommands")) == calls  # unchanged menus are not re-sent

    async with bot_env.services() as svc:
        assert police.member_id is not None
        await svc.members.deactivate(SYSTEM, police.member_id)
    await bot_env.restart()
    [deleted] = bot_env.calls("deleteMyCommands")
    assert deleted["scope"] == {"type": "chat", "chat_id": police.id}


async def report(update: object, context: object) -> None:
    """Test-only stand-in for a later feature's command."""


def register_report(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("report", report))


async def test_a_role_command_appears_once_its_handler_exists(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env(extra_handlers=register_report) as env:
        assert {"start", "help", "language", "cancel", "report"} <= registered_commands(
            env.application
        )
        token = await env.invite(Role.CADRE)
        cadre = await env.user(None)
        await env.say(cadre, f"/start {token}")
        call = await env.wait_for_call(
            "setMyCommands", lambda p: p.get("scope", {}).get("chat_id") == cadre.id
        )
        names = [c["command"] for c in call["commands"]]
        assert names == [
            "start",
            "visit",
            "myvisits",
            "report",
            "reports",
            "help",
            "cancel",
            "language",
        ]
