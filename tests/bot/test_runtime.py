"""`serve` / `run`: polling, webhook, clean stops, and one clear line when it cannot start."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.http import SECRET_HEADER
from bot.runtime import StartupError, run, serve, sweep_orphan_photos, webhook_endpoint
from bot.sandbox import Sandbox
from core.bootstrap import Storage
from core.services.photos import PhotoService
from core.settings import Settings
from tests.e2e import BOT_USERNAME, TOKEN, e2e_settings

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(token=TOKEN, bot_username=BOT_USERNAME) as sb:
        yield sb


async def start_serving(settings: Settings) -> tuple[asyncio.Task[None], asyncio.Event]:
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(serve(settings, ready=ready, stop=stop))
    waiter = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiter}, timeout=10, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # raises what went wrong
    assert ready.is_set()
    return task, stop


def test_webhook_endpoint() -> None:
    assert webhook_endpoint("https://x.org") == "https://x.org/telegram/webhook"
    assert webhook_endpoint("https://x.org/") == "https://x.org/telegram/webhook"
    assert webhook_endpoint("https://x.org/hook/abc") == "https://x.org/hook/abc"


def orphan_photo(data_dir: Path) -> Path:
    """A photo file an hour old that no row refers to (a kill between file and commit)."""
    path = data_dir / "photos" / "2025" / "01" / "orphan.jpg"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"\xff\xd8\xff\xe0 orphan")
    then = time.time() - 3600
    os.utime(path, (then, then))
    return path


async def test_serve_polls_answers_health_and_stops(settings: Settings, sandbox: Sandbox) -> None:
    port = free_port()
    orphan = orphan_photo(settings.data_dir)
    task, stop = await start_serving(e2e_settings(settings, sandbox, http_port=port))
    assert not orphan.exists()  # swept at start
    sandbox.add_user(501, "Lin", started=True)
    await sandbox.send_text(501, "/start")
    [reply] = await sandbox.wait_for_bot_messages(501, 1)
    assert "邀请链接" in reply["text"]
    async with (
        aiohttp.ClientSession() as client,
        client.get(f"http://127.0.0.1:{port}/healthz") as response,
    ):
        assert response.status == 200
    stop.set()
    await asyncio.wait_for(task, 10)
    methods = [name for name, _ in sandbox.calls]
    assert methods[0] == "getMe"
    assert {"setMyCommands", "deleteWebhook"} <= set(methods), methods


async def test_the_start_sweep_logs_what_it_removed_and_never_fails(
    storage: Storage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async with storage.services() as svc:
        orphan = orphan_photo(svc.context.data_dir)
    with caplog.at_level(logging.INFO, logger="bot.runtime"):
        await sweep_orphan_photos(storage)
        await sweep_orphan_photos(storage)  # nothing left: nothing said
    assert not orphan.exists()
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "removed 1 photo files that no record refers to")
    ]
    caplog.clear()

    async def broken(self: PhotoService) -> int:
        raise PermissionError("photos/2025: permission denied")

    monkeypatch.setattr(PhotoService, "sweep_orphans", broken)
    with caplog.at_level(logging.INFO, logger="bot.runtime"):
        await sweep_orphan_photos(storage)
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "permission denied" in caplog.records[0].getMessage()


async def test_serve_with_a_webhook(settings: Settings, sandbox: Sandbox) -> None:
    port = free_port()
    configured = e2e_settings(
        settings, sandbox, http_port=port, webhook_url="https://bot.example.org"
    )
    task, stop = await start_serving(configured)
    try:
        [hook] = [params for name, params in sandbox.calls if name == "setWebhook"]
        assert hook["url"] == "https://bot.example.org/telegram/webhook"
        secret = hook["secret_token"]
        assert len(secret) >= 32  # generated: no secret was configured
        assert "getUpdates" not in [name for name, _ in sandbox.calls]

        sandbox.add_user(502, "Zhou", language_code="en", started=True)
        await sandbox.send_text(502, "/help")
        update = sandbox.state.updates.pop(0)
        url = f"http://127.0.0.1:{port}/telegram/webhook"
        async with (
            aiohttp.ClientSession() as client,
            client.post(url, json=update, headers={SECRET_HEADER: secret}) as response,
        ):
            assert response.status == 200
        [reply] = await sandbox.wait_for_bot_messages(502, 1)
        assert "invitation link" in reply["text"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_a_bad_token_is_one_clear_error(settings: Settings, sandbox: Sandbox) -> None:
    configured = e2e_settings(settings, sandbox, telegram_token="999:WRONG", http_port=0)
    with pytest.raises(StartupError, match="refused the token"):
        await serve(configured)


def test_run_exits_2_with_one_line_when_the_api_is_unreachable(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nothing listens there
    configured = settings.model_copy(
        update={
            "telegram_token": TOKEN,
            "telegram_base_url": f"http://127.0.0.1:{port}/bot",
            "http_port": 0,
        }
    )
    with caplog.at_level(logging.INFO):
        assert run(configured) == 2
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].getMessage().startswith("cannot start: cannot reach the Bot API")
    assert errors[0].exc_info is None


@pytest.mark.parametrize(
    ("sig", "group"),
    [
        pytest.param(signal.SIGTERM, False, id="SIGTERM"),
        pytest.param(signal.SIGINT, True, id="Ctrl-C to the group"),
    ],
)
async def test_a_signal_stops_the_process_cleanly(
    settings: Settings, sandbox: Sandbox, tmp_path: Path, sig: signal.Signals, group: bool
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "SAFECOMMUNITY_DATA_DIR": str(settings.data_dir),
        "SAFECOMMUNITY_SECRET_KEY": settings.secret_key,
        "SAFECOMMUNITY_TELEGRAM_TOKEN": TOKEN,
        "SAFECOMMUNITY_TELEGRAM_BASE_URL": sandbox.base_url,
        "SAFECOMMUNITY_TELEGRAM_BASE_FILE_URL": sandbox.base_file_url,
        "SAFECOMMUNITY_HTTP_PORT": "0",
    }
    code = "import sys; from bot.runtime import run; from core.settings import load_settings; "
    code += "sys.exit(run(load_settings()))"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # its own process group (with its recognition workers)
    )
    try:
        await sandbox.wait_for(lambda sb: sb.poller is not None, timeout=20)  # it is polling
        if group:  # as a terminal's Ctrl-C does: the workers get it too
            os.killpg(process.pid, sig)
        else:
            process.send_signal(sig)
        output, _ = await asyncio.wait_for(process.communicate(), 15)
    finally:
        if process.returncode is None:
            process.kill()
    assert process.returncode == 0, output.decode()
    text = output.decode()
    assert "Traceback" not in text
    assert "stopped" in text


async def test_an_unreachable_database_is_one_clear_error(
    settings: Settings, sandbox: Sandbox
) -> None:
    configured = e2e_settings(
        settings, sandbox, database_url="postgresql+asyncpg://u:pw@127.0.0.1:1/db", http_port=0
    )
    with pytest.raises(StartupError, match="cannot open the database") as caught:
        await serve(configured)
    assert "pw" not in str(caught.value)
