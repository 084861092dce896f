"""Run the CLI in-process against a private data dir, with a clean environment."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.cli import main
from core.settings import Settings

CLI_SECRET = "cli-test-secret-0123456789abcdef"


@dataclass
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data dir; the CWD has no .env and no SAFECOMMUNITY_* variable leaks in."""
    for name in list(os.environ):
        if name.startswith("SAFECOMMUNITY_"):
            monkeypatch.delenv(name)
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    path = tmp_path / "var"
    monkeypatch.setenv("SAFECOMMUNITY_DATA_DIR", str(path))
    return path


@pytest.fixture
def cli(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`cli("member", "list")` → Result(code, out, err)."""

    def run(*argv: str) -> Result:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def ready(data_dir: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir with a migrated database and a secret (what `init` leaves behind)."""
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "safecommunity.db")
    monkeypatch.setenv("SAFECOMMUNITY_SECRET_KEY", CLI_SECRET)
    return data_dir


@pytest.fixture
def cli_settings(ready: Path) -> Settings:
    """The settings the CLI builds for `ready`, to check its work through the services."""
    return Settings(_env_file=None, data_dir=ready, secret_key=CLI_SECRET)  # type: ignore[call-arg]
