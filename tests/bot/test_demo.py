"""`safecommunity demo`: the bot against the sandbox with the seeded demo community.

The in-process test drives the sandbox's control API over HTTP, as the web page does; the
subprocess test runs the real command, reads its one line, fetches the page and presses Ctrl-C
(SIGINT to its process group, as a terminal does).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.demo import DEMO_BOT_USERNAME, DemoInfo, demo
from core.demo import DEMO_MEMBERS, GUARD_GROUP_ID, RESIDENT_IDS
from core.settings import Settings, load_settings
from tests.support.cards import card_photo

ROOT = Path(__file__).resolve().parents[2]
RESIDENT = RESIDENT_IDS[0]  # 林小雨
URL_LINE = re.compile(r"^SafeCommunity demo running — open (http://127\.0\.0\.1:\d+/) \(Ctrl-C")


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings in a temporary data dir; no SAFECOMMUNITY_* variable or .env leaks in."""
    for name in list(os.environ):
        if name.startswith("SAFECOMMUNITY_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return load_settings(data_dir=tmp_path / "var", http_port=0)


@asynccontextmanager
async def running_demo(settings: Settings) -> AsyncIterator[DemoInfo]:
    """Start `demo()` (free ports), yield once it is ready, stop it cleanly afterwards."""
    ready, stop = asyncio.Event(), asyncio.Event()
    infos: list[DemoInfo] = []
    task = asyncio.create_task(
        demo(settings, ready=ready, stop=stop, port=0, on_ready=infos.append)
    )
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait({task, waiting}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    if task.done():
        task.result()  # raises the start-up error
    assert ready.is_set(), "the demo did not become ready within 30 s"
    try:
        yield infos[0]
    finally:
        stop.set()
        await asyncio.wait_for(task, 15)


async def call(session: aiohttp.ClientSession, action: str, **body: Any) -> Any:
    async with session.post(f"_sandbox/api/{action}", json=body) as response:
        data = await response.json()
    assert data["ok"], data
    return data["result"]


async def get(session: aiohttp.ClientSession, path: str) -> Any:
    async with session.get(path) as response:
        assert response.status == 200, path
        data = await response.json()
    return data.get("result", data)


async def start_menu(url: str) -> dict[str, Any]:
    """As the resident: send /start in the private chat and return the page's view of the menu."""
    async with aiohttp.ClientSession(base_url=url) as session:
        state = await get(session, "_sandbox/api/state")
        assert state["bot"]["username"] == DEMO_BOT_USERNAME
        personas = {p["user_id"]: p for p in state["personas"]}
        assert personas[RESIDENT]["role"] == "居民"
        assert personas[RESIDENT]["language_code"] == "zh-hans"
        groups = {c["title"] for c in state["chats"] if c["type"] != "private"}
        assert groups == {"安宁社区门岗群", "安宁社区工作群"}

        before = len(await get(session, f"_sandbox/api/chats/{RESIDENT}/history"))
        await call(session, "send_text", user_id=RESIDENT, text="/start")
        sent = await call(session, "wait_for_bot_messages", chat_id=RESIDENT, count=1, timeout=15)
        assert len(sent) >= 1
        payload = await get(session, f"_sandbox/api/chats/{RESIDENT}/messages?after=-1")
        messages = payload["messages"]
        assert len(messages) == before + 2, messages  # /start and the bot's menu
        menu = messages[-1]
        assert menu["from_bot"]
        commands = await get(session, f"_sandbox/api/commands?user_id={RESIDENT}")
        assert commands, "the bot set no command menu for the resident"
        return menu


def buttons(message: dict[str, Any]) -> list[str]:
    return [button["text"] for row in message.get("inline_keyboard", []) for button in row]


async def test_demo_serves_the_menu_and_keeps_its_data(settings: Settings) -> None:
    started = time.monotonic()
    async with running_demo(settings) as info:
        assert info.seeded
        assert info.data_dir == settings.data_dir / "demo"
        secret = (info.data_dir / "secret.key").read_text()
        menu = await start_menu(info.url)
        assert "林小雨" in menu["html"] or "居民" in menu["html"], menu["html"]
        labels = buttons(menu)
        assert len(labels) >= 3, labels  # report, contact, help, language
        await a_cadre_scans_a_printed_card(info)
        assert not info.sandbox.api_errors, info.sandbox.api_errors
    first_run = time.monotonic() - started

    # A second run: same data (no reseed, same secret), a fresh sandbox, the same menu.
    async with running_demo(settings) as info:
        assert not info.seeded
        assert (info.data_dir / "secret.key").read_text() == secret
        again = await start_menu(info.url)
        assert buttons(again) == labels
        assert not info.sandbox.api_errors, info.sandbox.api_errors
    assert first_run < 20


async def a_cadre_scans_a_printed_card(info: DemoInfo) -> None:
    """The demo prints its cards; a photo of one opens that house's visit for a cadre."""
    pdf = info.data_dir / "cards.pdf"
    assert pdf.is_file()
    cadre = next(telegram_id for telegram_id, _name, role in DEMO_MEMBERS if role == "cadre")
    sandbox = info.sandbox
    await sandbox.send_text(cadre, "/visit")
    await sandbox.wait_for_bot_messages(cadre, 1, timeout=15)
    await sandbox.send_photo(cadre, card_photo(pdf, 0, seed=5))

    def step_two(sb: Any) -> bool:
        return any("第 2 步" in (m.get("text") or "") for m in sb.bot_messages(cadre))

    await sandbox.wait_for(step_two, timeout=60)  # the worker process loads its models first


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def demo_command(tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[str]]]:
    """`python -m bot.cli demo` in a clean environment, on free ports, from an empty CWD."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFECOMMUNITY_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        PYTHONUNBUFFERED="1",
        SAFECOMMUNITY_DATA_DIR=str(tmp_path / "var"),
        SAFECOMMUNITY_HTTP_PORT=str(free_port()),
        SAFECOMMUNITY_DEMO_PORT=str(free_port()),
    )
    processes: list[subprocess.Popen[str]] = []

    def start() -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "demo"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            start_new_session=True,  # its own process group, as in a terminal
        )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_demo_command_prints_the_url_and_stops_on_ctrl_c(
    demo_command: Callable[[], subprocess.Popen[str]],
) -> None:
    started = time.monotonic()
    process = demo_command()
    assert process.stdout is not None
    line = process.stdout.readline()  # blocks until the line (or EOF if it failed)
    if not line:
        _, err = process.communicate(timeout=10)
        pytest.fail(f"the demo printed nothing and exited {process.returncode}: {err}")
    match = URL_LINE.match(line)
    assert match, line
    url = match.group(1)

    async def fetch() -> str:
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            return await response.text()

    page = asyncio.run(fetch())
    assert "林小雨" in page
    assert "@" + DEMO_BOT_USERNAME in page

    # Ctrl-C in a terminal signals the whole foreground group: the recognition workers too.
    os.killpg(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
    assert out.strip() == "", out  # one line only, no traceback
    assert time.monotonic() - started < 20


@pytest.mark.slow
async def test_the_demo_camera_panel_alerts_the_guard_group(settings: Settings) -> None:
    """The seeded key person's photo sent from the page's camera panel → the guard group."""
    async with running_demo(settings) as info:
        panel = info.sandbox.camera_panel
        assert panel is not None
        assert {c["id"] for c in panel.cameras} >= {"gate-north-face"}, panel.cameras
        sample = next(name for name in panel.samples if name.startswith("astronaut"))
        face_camera = next(c["id"] for c in panel.cameras if "face" in c["id"])
        async with aiohttp.ClientSession(info.url) as session:
            form = {"camera": face_camera, "sample": sample}
            async with session.post("_sandbox/api/camera_event", data=form) as response:
                answer = await response.json()
        assert answer["result"]["status"] == 202, answer
        sent = await info.sandbox.wait_for_bot_messages(GUARD_GROUP_ID, 1, timeout=60)
        assert "柯林斯" in (sent[-1].get("caption") or sent[-1].get("text") or "")
