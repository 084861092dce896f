"""`kill -9` between a camera event's 202 and its alert's delivery (issue #10): after a restart
on the same data dir every alert arrives exactly once, and no recognition worker outlives the
killed process. A real `python -m bot.cli run` against a sandbox started here."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.sandbox import Sandbox
from core.bootstrap import open_storage
from core.models import CameraKind, Delivery, DeliveryStatus, GroupRole
from core.models import WatchlistKind as Kind
from core.settings import Settings
from tests.e2e import BOT_USERNAME, SYSTEM, TOKEN
from tests.handlers.test_alerts import astronaut

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
GROUP = -1_000_000_000_777
PLATES = ("浙A20001", "浙A20002", "浙A20003")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, grandchildren: the forkserver's workers)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def seed(settings: Settings) -> str:
    storage = await open_storage(settings, migrate=False)
    try:
        async with storage.services() as svc:
            _camera, token = await svc.cameras.add(
                SYSTEM, camera_id="gate-1", kind=CameraKind.FACE, name="北门人脸抓拍"
            )
            await svc.groups.add(SYSTEM, chat_id=GROUP, role=GroupRole.GUARDS, title="北门保安群")
            vehicles = await svc.watchlists.create(SYSTEM, kind=Kind.VEHICLES, name="布控车辆")
            for plate in PLATES:
                await svc.watchlists.add_plate(
                    SYSTEM, vehicles.id, plate, reason="布控", authority="协查"
                )
    finally:
        await storage.close()
    return token


async def deliveries(settings: Settings) -> list[tuple[DeliveryStatus, int]]:
    storage = await open_storage(settings, migrate=False)
    try:
        async with storage.services() as svc:
            rows = await svc.session.execute(select(Delivery.status, Delivery.attempts))
            return [(status, attempts) for status, attempts in rows]
    finally:
        await storage.close()


async def test_kill_9_before_delivery_then_restart_delivers_each_alert_once(
    settings: Settings, tmp_path: Path
) -> None:
    token = await seed(settings)
    port = free_port()
    async with Sandbox(token=TOKEN, bot_username=BOT_USERNAME) as sandbox:
        sandbox.faults.group_flood_limit = None
        sandbox.add_group(GROUP, "北门保安群", members=[])
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SAFECOMMUNITY_")},
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
            "SAFECOMMUNITY_DATA_DIR": str(settings.data_dir),
            "SAFECOMMUNITY_SECRET_KEY": settings.secret_key,
            "SAFECOMMUNITY_TELEGRAM_TOKEN": TOKEN,
            "SAFECOMMUNITY_TELEGRAM_BASE_URL": sandbox.base_url,
            "SAFECOMMUNITY_TELEGRAM_BASE_FILE_URL": sandbox.base_file_url,
            "SAFECOMMUNITY_HTTP_HOST": "127.0.0.1",
            "SAFECOMMUNITY_HTTP_PORT": str(port),
            "SAFECOMMUNITY_RECOGNITION_WORKERS": "1",
        }
        logs = (tmp_path / "run.log").open("w")

        def start() -> subprocess.Popen[bytes]:
            return subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run"],
                cwd=tmp_path,
                env=env,
                stdout=logs,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        async def post(session: aiohttp.ClientSession, plate: str) -> None:
            form = aiohttp.FormData()
            form.add_field("image", astronaut(), filename="s.jpg", content_type="image/jpeg")
            form.add_field("plate", plate)
            async with session.post(
                f"http://127.0.0.1:{port}/api/v1/cameras/gate-1/events",
                data=form,
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                assert response.status == 202, await response.text()

        async def ready(process: subprocess.Popen[bytes]) -> None:
            deadline = time.monotonic() + 60
            async with aiohttp.ClientSession() as session:
                while True:
                    assert process.poll() is None, (tmp_path / "run.log").read_text()
                    try:
                        async with session.get(f"http://127.0.0.1:{port}/healthz") as r:
                            if r.status == 200:
                                return
                    except aiohttp.ClientError:
                        pass
                    assert time.monotonic() < deadline, (tmp_path / "run.log").read_text()
                    await asyncio.sleep(0.2)

        first = start()
        second: subprocess.Popen[bytes] | None = None
        try:
            sandbox.faults.fail_next(100_000, method="sendPhoto", kind="502")  # refused for now
            await ready(first)
            async with aiohttp.ClientSession() as session:
                for plate in PLATES:
                    await post(session, plate)  # 202: accepted
            deadline = time.monotonic() + 60
            while len(rows := await deliveries(settings)) < len(PLATES) or not all(
                attempts for _status, attempts in rows
            ):  # every alert is stored and its photo was refused at least once
                assert time.monotonic() < deadline, rows
                await asyncio.sleep(0.2)
            assert all(status == DeliveryStatus.PENDING for status, _ in rows)
            workers = descendants(first.pid)
            assert workers, "the recognition pool runs in worker processes"

            first.send_signal(signal.SIGKILL)  # the parent alone, not its process group
            assert await asyncio.to_thread(first.wait, 10) == -signal.SIGKILL
            deadline = time.monotonic() + 15
            while survivors := {pid for pid in workers if alive(pid)}:
                assert time.monotonic() < deadline, (
                    f"workers outlived the killed parent: {survivors}"
                )
                await asyncio.sleep(0.1)
            assert sandbox.bot_messages(GROUP) == []

            sandbox.faults.clear()  # Telegram takes photos again
            second = start()
            await sandbox.wait_for_bot_messages(GROUP, len(PLATES), timeout=60)
            deadline = time.monotonic() + 15
            while True:
                rows = await deliveries(settings)
                if all(status == DeliveryStatus.SENT for status, _ in rows):
                    break
                assert time.monotonic() < deadline, rows
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)  # room for a duplicate to show up
            texts = [m.get("caption") or m.get("text") or "" for m in sandbox.bot_messages(GROUP)]
            assert sorted(p for t in texts for p in PLATES if p in t) == sorted(PLATES)
            assert len(texts) == len(PLATES)
            assert len(rows) == len(PLATES)
        finally:
            for process in (first, second):
                if process is not None and process.poll() is None:
                    process.terminate()
                    try:
                        await asyncio.to_thread(process.wait, 15)
                    except subprocess.TimeoutExpired:
                        os.killpg(process.pid, signal.SIGKILL)
                        process.wait()
            logs.close()
