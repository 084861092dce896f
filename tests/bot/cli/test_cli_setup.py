"""init, db, settings errors, help and the console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from bot.cli.progress import Progress
from core.db import alembic_config

REPO = Path(__file__).resolve().parents[3]
# The newest migration: the CLI reports moves to and from it.
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def test_help_lists_the_commands(cli) -> None:
    result = cli("--help")
    assert result.code == 0
    for command in ("init", "db", "member", "group", "house", "camera", "seed-demo", "run"):
        assert command in result.out


@pytest.mark.parametrize(
    "argv",
    [
        ["member", "--help"],
        ["member", "invite", "--help"],
        ["house", "import", "--help"],
        ["camera", "add", "--help"],
        ["bench", "recognition", "--help"],
        ["db", "downgrade", "--help"],
    ],
)
def test_every_command_has_help(cli, argv: list[str]) -> None:
    result = cli(*argv)
    assert result.code == 0
    assert "usage: safecommunity" in result.out


def test_no_command_prints_usage_and_fails(cli) -> None:
    result = cli()
    assert result.code == 2
    assert "usage:" in result.err


def test_init_creates_the_secret_and_the_database(cli, data_dir: Path) -> None:
    result = cli("init")
    assert result.code == 0, result.err
    secret = data_dir / "secret.key"
    assert len(secret.read_text().strip()) >= 32
    assert secret.stat().st_mode & 0o777 == 0o600
    assert (data_dir / "safecommunity.db").exists()
    assert "generated" in result.out
    assert f"migrated base → {HEAD}" in result.out
    assert "defaults: 5 alert rules and 4 watch lists added" in result.out
    again = cli("init")
    assert "defaults: 0 alert rules and 0 watch lists added" in again.out

    again = cli("init")
    assert again.code == 0
    assert "kept the existing" in again.out
    assert f"already at {HEAD}" in again.out
    assert cli("db", "current").out.count("up to date") == 1


def test_init_with_a_configured_secret_writes_no_file(
    cli, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_SECRET_KEY", "configured-secret-0123456789")
    result = cli("init")
    assert result.code == 0
    assert "from SAFECOMMUNITY_SECRET_KEY" in result.out
    assert not (data_dir / "secret.key").exists()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SAFECOMMUNITY_HTTP_PORT", "abc"),
        ("SAFECOMMUNITY_TIMEZONE", "Mars/Base"),
        ("SAFECOMMUNITY_DATABASE_URL", "mysql://x"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    cli, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    for argv in (["init"], ["member", "list"], ["seed-demo"]):
        result = cli(*argv)
        assert result.code == 2
        assert result.err.count("\n") == 1
        assert variable in result.err
        assert "Traceback" not in result.err + result.out


def test_a_bad_line_in_dotenv_is_reported(cli) -> None:
    Path(".env").write_text("SAFECOMMUNITY_NO_SUCH_THING=1\n")
    result = cli("init")
    assert result.code == 2
    assert "SAFECOMMUNITY_NO_SUCH_THING" in result.err


def test_without_a_secret_the_commands_say_to_run_init(cli, data_dir: Path) -> None:
    result = cli("member", "list")
    assert result.code == 2
    assert "SAFECOMMUNITY_SECRET_KEY" in result.err
    assert "safecommunity init" in result.err
    assert not (data_dir / "safecommunity.db").exists()


def test_a_short_secret_is_a_configuration_error(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_SECRET_KEY", "short")
    result = cli("member", "list")
    assert result.code == 2
    assert "SAFECOMMUNITY_SECRET_KEY" in result.err


def test_db_downgrade_and_upgrade(cli, ready: Path) -> None:
    down = cli("db", "downgrade", "base")
    assert down.code == 0, down.err
    assert f"{HEAD} → base" in down.out
    up = cli("db", "upgrade")
    assert up.code == 0
    assert f"base → {HEAD}" in up.out
    bad = cli("db", "downgrade", "nope")
    assert bad.code == 1
    assert bad.err.startswith("error: migrations:")
    assert "Traceback" not in bad.err


def test_the_data_dir_option_overrides_the_environment(cli, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    result = cli("--data-dir", str(other), "init")
    assert result.code == 0
    assert (other / "secret.key").exists()


def test_an_unreachable_database_is_one_line(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFECOMMUNITY_SECRET_KEY", "configured-secret-0123456789")
    monkeypatch.setenv("SAFECOMMUNITY_DATABASE_URL", "postgresql+asyncpg://u:pw@127.0.0.1:1/x")
    result = cli("member", "list")
    assert result.code == 1
    assert result.err.startswith("error: cannot connect")
    assert result.err.count("\n") == 1
    assert "pw" not in result.err


def test_an_unusable_data_dir_is_one_line(cli, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = cli("--data-dir", str(blocker / "var"), "init")
    assert result.code == 1
    assert result.err.startswith("error: ")
    assert result.err.count("\n") == 1


def test_progress_line_without_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    with Progress("work", 8) as bar:
        for _ in range(8):
            bar.advance()
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1] == "work [########################] 8/8"
    assert 2 <= len(lines) <= 5
    with Progress("idle", 3):
        pass
    assert capsys.readouterr().err == ""


def _console_command() -> list[str]:
    script = Path(sys.executable).with_name("safecommunity")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def test_console_script_in_a_subprocess(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFECOMMUNITY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["SAFECOMMUNITY_DATA_DIR"] = str(tmp_path / "var")

    def run(*argv: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_console_command(), *argv],
            cwd=tmp_path,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    init = run("init")
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "var" / "secret.key").exists()
    listing = run("member", "list")
    assert listing.returncode == 0, listing.stderr
    assert "no members yet" in listing.stdout
    bad = run("member", "list", SAFECOMMUNITY_HTTP_PORT="abc")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [bad.stderr.strip()]
    assert "SAFECOMMUNITY_HTTP_PORT" in bad.stderr
    assert "Traceback" not in bad.stderr
