"""The error handler: a logged traceback, a localized apology, never a detail."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.context import BotContext
from core.errors import PermissionDenied
from core.models import Role
from tests.e2e import MakeBotEnv

SECRET_DETAIL = "db password is hunter2"


async def explode(update: Update, context: BotContext) -> None:
    """Test-only: fails like a bug would."""
    raise RuntimeError(SECRET_DETAIL)


async def forbidden(update: Update, context: BotContext) -> None:
    """Test-only: a domain error nobody caught."""
    raise PermissionDenied("manage_members", role="resident")


def register_failing(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("explode", explode))
    application.add_handler(CommandHandler("forbidden", forbidden))


async def test_an_exception_gets_an_apology_and_a_traceback_in_the_log(
    make_bot_env: MakeBotEnv, caplog: pytest.LogCaptureFixture
) -> None:
    async with make_bot_env(extra_handlers=register_failing) as env:
        cadre = await env.user(Role.CADRE)
        with caplog.at_level(logging.ERROR, logger="handlers.errors"):
            reply = await env.say(cadre, "/explode")
        assert "抱歉，出了点问题" in reply.text
        assert "/start" in reply.text
        assert SECRET_DETAIL not in reply.html
        assert env.application.deps.metrics.errors == 1
        records = [r for r in caplog.records if r.name == "handlers.errors"]
        assert records
        assert records[0].exc_info is not None
        assert SECRET_DETAIL in str(records[0].exc_info[1])

        english = await env.user(Role.GUARD, locale="en")
        reply = await env.say(english, "/explode")
        assert "Sorry, something went wrong" in reply.text
        # One message per failure: nothing else ran for the update.
        assert len(env.messages(english.id)) == 1


async def test_a_domain_error_gets_its_own_message(make_bot_env: MakeBotEnv) -> None:
    async with make_bot_env(extra_handlers=register_failing) as env:
        resident = await env.user(Role.RESIDENT)
        reply = await env.say(resident, "/forbidden")
        assert "没有权限" in reply.text
        assert "manage_members" not in reply.text
