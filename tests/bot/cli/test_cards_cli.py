"""`safecommunity cards`: the PDF of the example community's rental houses."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.sandbox import Sandbox
from tests.bot.cli.conftest import Cli

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "houses.csv"
pytestmark = pytest.mark.usefixtures("ready")


@pytest.fixture
def imported(cli: Cli) -> Cli:
    """The example CSV imported: 12 houses, 9 of them rental, in grids A01–A03."""
    result = cli("house", "import", str(EXAMPLES))
    assert result.code == 0, result.err
    return cli


def test_prints_every_rental_house(imported: Cli, tmp_path: Path) -> None:
    out = tmp_path / "cards.pdf"
    result = imported("cards", "--out", str(out), "--bot-username", "anning_bot")
    assert result.code == 0, result.err
    assert result.out.strip() == f"wrote 9 cards on 2 pages to {out} (bot @anning_bot)"
    assert out.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-raw", str(out), "-"], capture_output=True, check=True
        ).stdout.decode()
        assert "A01-12-3-402" in text
        assert "A01-15-2-601" not in text  # owner-occupied: no card
        assert "330106196303080157" not in text  # the landlord's ID number


def test_chosen_houses_and_a_grid(imported: Cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_BOT_USERNAME", "anning_bot")
    out = tmp_path / "two.pdf"
    result = imported("cards", "--out", str(out), "--house", "A02-03-1-101", "A01-12-3-402")
    assert result.code == 0, result.err
    assert result.out.startswith(f"wrote 2 cards on 1 page to {out}")
    result = imported("cards", "--out", str(out), "--grid", "A02")
    assert result.code == 0, result.err
    assert result.out.startswith("wrote 3 cards on 1 page")


def test_an_unknown_house_is_one_line_and_exit_2(imported: Cli, tmp_path: Path) -> None:
    out = tmp_path / "none.pdf"
    result = imported("cards", "--out", str(out), "--house", "X-9", "--bot-username", "a_bot1")
    assert result.code == 2
    assert result.err.strip().splitlines() == [
        "error: unknown house code X-9 (`safecommunity house list` shows them)"
    ]
    assert not out.exists()
    owner = imported(
        "cards", "--out", str(out), "--house", "A01-15-2-601", "--bot-username", "a_bot1"
    )
    assert owner.code == 2
    assert "not a rental house" in owner.err


def test_without_a_username_or_token(imported: Cli, tmp_path: Path, monkeypatch) -> None:
    result = imported("cards", "--out", str(tmp_path / "x.pdf"))
    assert result.code == 2
    assert "--bot-username" in result.err
    assert len(result.err.strip().splitlines()) == 1
    monkeypatch.setenv("SAFECOMMUNITY_TELEGRAM_TOKEN", "123:SECRET")
    monkeypatch.setenv("SAFECOMMUNITY_TELEGRAM_BASE_URL", "http://127.0.0.1:9/bot")
    result = imported("cards", "--out", str(tmp_path / "x.pdf"))
    assert result.code == 1
    assert result.err.startswith("error: cannot ask Telegram for the bot's username")
    assert "SECRET" not in result.err


def test_a_missing_font_names_the_variable(imported: Cli, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_CARD_FONT", str(tmp_path / "missing.ttf"))
    result = imported("cards", "--out", str(tmp_path / "x.pdf"), "--bot-username", "anning_bot")
    assert result.code == 2
    assert result.err.startswith("configuration error: SAFECOMMUNITY_CARD_FONT:")


async def test_asks_telegram_for_the_username(imported: Cli, tmp_path: Path, monkeypatch) -> None:
    async with Sandbox(token="4242:CARDS", bot_username="anning_cards_bot") as sandbox:
        monkeypatch.setenv("SAFECOMMUNITY_TELEGRAM_TOKEN", sandbox.token)
        monkeypatch.setenv("SAFECOMMUNITY_TELEGRAM_BASE_URL", sandbox.base_url)
        out = tmp_path / "asked.pdf"
        # The CLI runs its own event loop: give it a thread, the sandbox keeps this one.
        result = await asyncio.to_thread(imported, "cards", "--out", str(out), "--grid", "A03")
    assert result.code == 0, result.err
    assert "(bot @anning_cards_bot)" in result.out
    assert [name for name, _ in sandbox.calls] == ["getMe"]
