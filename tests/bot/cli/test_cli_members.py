"""member add / bind / invite / list and group add / list."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from bot.sandbox import Sandbox

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "houses.csv"


@pytest.mark.usefixtures("ready")
def test_member_add_and_list(cli) -> None:
    added = cli("member", "add", "--telegram-id", "42", "--role", "admin", "--name", "陈建国")
    assert added.code == 0, added.err
    assert "added member" in added.out
    assert "42" in added.out
    listing = cli("member", "list")
    assert listing.code == 0
    assert "陈建国" in listing.out
    assert "admin" in listing.out


@pytest.mark.usefixtures("ready")
def test_member_add_twice_is_one_clear_error(cli) -> None:
    argv = ("member", "add", "--telegram-id", "42", "--role", "guard", "--name", "赵大勇")
    assert cli(*argv).code == 0
    again = cli(*argv)
    assert again.code == 1
    assert again.err == "error: already exists: member (telegram_id=42)\n"


@pytest.mark.usefixtures("ready")
def test_member_add_in_an_unknown_grid_fails(cli) -> None:
    result = cli(
        "member", "add", "--telegram-id", "7", "--role", "cadre", "--name", "王芳", "--grid", "X9"
    )
    assert result.code == 1
    assert "grid" in result.err
    assert "X9" in result.err


@pytest.mark.usefixtures("ready")
def test_member_add_rejects_a_bad_phone(cli) -> None:
    result = cli(
        "member", "add", "--telegram-id", "7", "--role", "guard", "--name", "A", "--phone", "12"
    )
    assert result.code == 1
    assert "invalid phone" in result.err


@pytest.mark.usefixtures("ready")
def test_member_add_binds_a_cadre_created_by_the_import(cli) -> None:
    assert cli("house", "import", str(EXAMPLES)).code == 0
    before = cli("member", "list").out
    assert "unbound" in before
    argv = "member add --telegram-id 2001 --role cadre --name 许丽 --phone 13800001111"
    result = cli(*argv.split())
    assert result.code == 0, result.err
    assert "bound the imported member" in result.out
    after = cli("member", "list").out
    rows = [line for line in after.splitlines() if "许丽" in line]
    assert len(rows) == 1
    assert "2001" in rows[0]
    assert "A01" in rows[0]


@pytest.mark.usefixtures("ready")
def test_member_invite_prints_a_deep_link(cli) -> None:
    result = cli(
        "member", "invite", "--role", "cadre", "--name", "王芳", "--bot-username", "@anning_bot"
    )
    assert result.code == 0, result.err
    token = re.search(r"token: (inv_\S+)", result.out)
    assert token
    assert f"https://t.me/anning_bot?start={token.group(1)}" in result.out


@pytest.mark.usefixtures("ready")
def test_member_invite_without_a_username_prints_the_start_command(cli) -> None:
    result = cli("member", "invite", "--role", "resident", "--days", "3")
    assert result.code == 0
    token = re.search(r"token: (inv_\S+)", result.out)
    assert token
    assert f"/start {token.group(1)}" in result.out
    assert "t.me" not in result.out.replace("t.me link", "")


@pytest.mark.usefixtures("ready")
def test_member_invite_links_to_the_configured_bot(cli, monkeypatch) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_BOT_USERNAME", "anning_bot")
    result = cli("member", "invite", "--role", "guard")
    assert result.code == 0, result.err
    token = re.search(r"token: (inv_\S+)", result.out)
    assert token
    assert f"link:  https://t.me/anning_bot?start={token.group(1)}" in result.out


@pytest.mark.usefixtures("ready")
async def test_member_invite_asks_telegram_for_the_username(cli, monkeypatch) -> None:
    async with Sandbox(token="4343:INVITE", bot_username="anning_invite_bot") as sandbox:
        monkeypatch.setenv("SAFECOMMUNITY_TELEGRAM_TOKEN", sandbox.token)
        monkeypatch.setenv("SAFECOMMUNITY_TELEGRAM_BASE_URL", sandbox.base_url)
        # The CLI runs its own event loop: give it a thread, the sandbox keeps this one.
        result = await asyncio.to_thread(cli, "member", "invite", "--role", "cadre")
    assert result.code == 0, result.err
    token = re.search(r"token: (inv_\S+)", result.out)
    assert token
    assert f"https://t.me/anning_invite_bot?start={token.group(1)}" in result.out
    assert [name for name, _ in sandbox.calls] == ["getMe"]


@pytest.mark.usefixtures("ready")
def test_member_invite_when_telegram_cannot_be_asked(cli, monkeypatch) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_TELEGRAM_TOKEN", "123:SECRET")
    monkeypatch.setenv("SAFECOMMUNITY_TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    result = cli("member", "invite", "--role", "resident")
    assert result.code == 0, result.err  # the invitation exists: say how to use it anyway
    token = re.search(r"token: (inv_\S+)", result.out)
    assert token
    assert f"/start {token.group(1)}" in result.out
    assert result.err.startswith("warning: cannot ask Telegram for the bot's username")
    assert "SECRET" not in result.err


def test_member_invite_days_must_be_positive(cli) -> None:
    result = cli("member", "invite", "--role", "resident", "--days", "0")
    assert result.code == 2
    assert "between 1 and 365" in result.err


@pytest.mark.usefixtures("ready")
def test_group_add_and_list(cli) -> None:
    assert cli("house", "import", str(EXAMPLES)).code == 0
    argv = "group add --chat-id -100300 --role guards --grid A01 A02 --title 门岗群"
    guards = cli(*argv.split())
    assert guards.code == 0, guards.err
    assert "serves: A01, A02" in guards.out
    staff = cli("group", "add", "--chat-id", "-100200", "--role", "staff")
    assert staff.code == 0
    assert "whole community" in staff.out
    listing = cli("group", "list")
    assert "-100300" in listing.out
    assert "A01, A02" in listing.out
    assert "-100200" in listing.out
    duplicate = cli("group", "add", "--chat-id", "-100200", "--role", "staff")
    assert duplicate.code == 1
    assert "already exists" in duplicate.err
    removed = cli("group", "remove", "--chat-id", "-100200")
    assert removed.code == 0, removed.err
    assert "unbound staff group -100200" in removed.out
    assert "-100200" not in cli("group", "list").out
