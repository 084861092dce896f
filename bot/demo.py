"""`safecommunity demo`: the whole product against the built-in sandbox, no token, no network.

What it does, in order:

1. Uses ``<data dir>/demo`` (``./var/demo`` by default; ``--data-dir DIR`` gives ``DIR/demo``)
   as the demo's own data dir, always: the demo never reads or writes the real database, so
   ``SAFECOMMUNITY_DATABASE_URL``, ``SAFECOMMUNITY_SECRET_KEY`` and the webhook settings are
   ignored and a secret key is generated in the demo dir on first use.
2. Seeds the demo community (``core.demo.seed_demo``) on the first run; later runs keep the data
   and do not seed again (they only make the bot set its "/" menus again: the sandbox, unlike
   Telegram, forgets them when it stops).
3. Starts the sandbox (the local Bot API and its web chat page) on ``127.0.0.1:PORT`` with the
   demo members as personas (all of them have "started" the bot, so it may message them) and
   the demo groups, then the bot and the product's HTTP server (``settings.http_port``) through
   ``bot.runtime.serve`` pointed at the sandbox.
4. Prints one line with the page's address and runs until Ctrl-C (SIGINT) or SIGTERM.

The page's port is 8090, or ``SAFECOMMUNITY_DEMO_PORT`` (an environment variable only: it is
not a product setting, so it does not belong in ``.env``); ``run_demo(settings, port=…)`` wins.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.commands import MENUS_KEY
from bot.demo_cameras import camera_panel, seed_key_face
from bot.i18n import load_catalogues
from bot.persistence import SqlPersistence
from bot.runtime import StartupError, serve
from bot.sandbox import Sandbox
from core.bootstrap import Storage, open_storage
from core.cards import find_cjk_font, render_pdf
from core.demo import (
    ADMIN_ID,
    CADRE_IDS,
    DEMO_GROUPS,
    DEMO_MEMBERS,
    GUARD_IDS,
    POLICE_ID,
    seed_demo,
)
from core.errors import ConfigurationError
from core.models import GroupRole
from core.roles import Actor
from core.settings import Settings

log = logging.getLogger(__name__)

DEMO_TOKEN = "123456:DEMO-TOKEN"
DEMO_BOT_USERNAME = "safecommunity_demo_bot"
DEMO_BOT_NAME = "SafeCommunity"
DEMO_DIR_NAME = "demo"
CARDS_FILE = "cards.pdf"
DEFAULT_PORT = 8090
PORT_VARIABLE = "SAFECOMMUNITY_DEMO_PORT"
HOST = "127.0.0.1"
PERSONA_LANGUAGE = "zh-hans"
EXIT_OK, EXIT_FAILED, EXIT_STARTUP = 0, 1, 2

# Who is in which demo group (the bot is a member and admin of both).
GROUP_MEMBERS: dict[GroupRole, tuple[int, ...]] = {
    GroupRole.GUARDS: (ADMIN_ID, *GUARD_IDS),
    GroupRole.STAFF: (ADMIN_ID, POLICE_ID, *CADRE_IDS),
}


@dataclass(frozen=True)
class DemoInfo:
    """What a running demo offers (handed to ``on_ready``)."""

    url: str  # the sandbox's web chat page
    data_dir: Path
    seeded: bool  # True when this run seeded the demo community
    sandbox: Sandbox
    settings: Settings  # the bot's settings (pointing at the sandbox)


def demo_settings(settings: Settings) -> Settings:
    """The demo's settings: its own data dir and SQLite database, no real token or webhook."""
    return settings.model_copy(
        update={
            "data_dir": settings.data_dir / DEMO_DIR_NAME,
            "database_url": "",
            "secret_key": "",
            "telegram_token": DEMO_TOKEN,
            "webhook_url": "",
            "webhook_secret": "",
        }
    )


def personas() -> list[dict[str, Any]]:
    """The demo members as sandbox personas, with their role in Chinese."""
    t = load_catalogues().translator("zh_CN")
    return [
        {
            "user_id": telegram_id,
            "name": name,
            "role": t(f"role.{role.value}"),
            "language_code": PERSONA_LANGUAGE,
            "started": True,
        }
        for telegram_id, name, role in DEMO_MEMBERS
    ]


def groups() -> list[dict[str, Any]]:
    return [
        {
            "chat_id": chat_id,
            "title": title,
            "members": GROUP_MEMBERS[role],
            "admins": (ADMIN_ID,),
        }
        for chat_id, role, title in DEMO_GROUPS
    ]


def display_path(path: Path) -> str:
    """`var/demo` when under the current directory, else the absolute path."""
    absolute = path.resolve()
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


def guide_panel(data_dir: Path) -> dict[str, str]:
    """A short how-to in the page's sidebar."""
    where = html.escape(display_path(data_dir))
    cards = html.escape(display_path(data_dir / CARDS_FILE))
    body = (
        "<p>选择上方的身份（Persona），在与机器人的私聊里发送 <code>/start</code> "
        "查看该角色的菜单；点 <code>/</code> 按钮看命令列表。</p>"
        f"<p>走访演示：以网格员身份发送 <code>/visit</code>，再上传房屋信息采集卡的照片"
        f"（卡片在 {cards}，也可以管理员身份发送 <code>/card 编号</code> 取得图片），"
        "或点 🏠 房屋 直接选择一户。</p>"
        "<p>告警演示：在下方 📷 Camera 面板选摄像机和照片（astronaut 是布控的重点人员；"
        "车牌栏填 浙A12345 是布控车辆），发送后告警会出现在保安群，可点 ✅ ❌ 🚓。</p>"
        f'<p class="muted">数据保存在 {where}，Ctrl-C 停止，下次运行保留数据。</p>'
    )
    return {"title": "演示说明", "html": body}


def build_sandbox(data_dir: Path) -> Sandbox:
    return Sandbox(
        DEMO_TOKEN,
        bot_username=DEMO_BOT_USERNAME,
        bot_name=DEMO_BOT_NAME,
        personas=personas(),
        groups=groups(),
        panels=[guide_panel(data_dir)],
    )


async def prepare(settings: Settings) -> bool:
    """Secret, migrations and the demo community; True when this call seeded it."""
    settings.ensure_secret()
    storage = await open_storage(settings)  # applies migrations
    try:
        summary = await seed_demo(storage.services, Actor.system("demo"), settings.data_dir)
        try:
            await seed_key_face(settings, storage, Actor.system("demo"))
        except Exception:  # the demo still runs; only the face alert is missing
            log.exception("could not put the demo's key person's face on the list")
        await forget_command_menus(SqlPersistence(storage.engine))
        await print_cards(storage, settings)
    finally:
        await storage.close()
    if not summary.already_seeded:
        log.info("seeded the demo community %s in %s", summary.community, settings.data_dir)
    return not summary.already_seeded


async def print_cards(storage: Storage, settings: Settings) -> Path | None:
    """The demo houses' cards as `<data dir>/cards.pdf`, to print or photograph (made once)."""
    path = settings.data_dir / CARDS_FILE
    if path.exists():
        return path
    try:
        font = find_cjk_font(settings.card_font)
    except ConfigurationError as exc:
        log.warning("no cards for the demo: %s", exc.message)
        return None
    async with storage.services() as svc:
        infos = await svc.houses.card_infos(Actor.system("demo"), bot_username=DEMO_BOT_USERNAME)
    data = await asyncio.to_thread(render_pdf, infos, font)
    path.write_bytes(data)
    return path


async def forget_command_menus(persistence: SqlPersistence) -> None:
    """Each run starts a fresh sandbox: make the bot send its "/" menus again.

    The bot remembers in `bot_data` which menus it has set, so that a restart against the
    real Telegram re-sends only what changed; the sandbox of the previous run is gone.
    """
    bot_data = await persistence.get_bot_data()
    if bot_data.pop(MENUS_KEY, None) is not None:
        await persistence.update_bot_data(bot_data)


async def demo(
    settings: Settings,
    *,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
    port: int = 0,
    on_ready: Callable[[DemoInfo], None] | None = None,
) -> None:
    """Run the demo until ``stop`` is set; ``port`` 0 picks a free port for the page.

    Prints the one line with the page's address, then calls ``on_ready`` and sets ``ready``.
    Raises ``StartupError`` when a port is taken or the bot cannot start.
    """
    stop = stop or asyncio.Event()
    base = demo_settings(settings)
    if base.http_port == 0:  # the camera panel must know where the camera endpoint listens
        base = base.model_copy(update={"http_port": free_port(base.http_host)})
    seeded = await prepare(base)
    if stop.is_set():
        return
    sandbox = build_sandbox(base.data_dir)
    sandbox.camera_panel = camera_panel(base)
    try:
        await sandbox.start(HOST, port)
    except OSError as exc:
        raise StartupError(
            f"cannot listen on {HOST}:{port}: {os.strerror(exc.errno) if exc.errno else exc} "
            f"(choose another port with {PORT_VARIABLE})"
        ) from None
    bot_settings = base.model_copy(
        update={
            "telegram_base_url": sandbox.base_url,
            "telegram_base_file_url": sandbox.base_file_url,
        }
    )
    bot_ready = asyncio.Event()
    serving = asyncio.create_task(serve(bot_settings, ready=bot_ready, stop=stop))
    try:
        waiting = asyncio.create_task(bot_ready.wait())
        try:
            await asyncio.wait({serving, waiting}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiting.cancel()
        if not serving.done():
            info = DemoInfo(sandbox.url, base.data_dir, seeded, sandbox, bot_settings)
            print(  # noqa: T201 (the one line the operator needs)
                f"SafeCommunity demo running — open {sandbox.url} (Ctrl-C to stop)", flush=True
            )
            if on_ready is not None:
                on_ready(info)
            if ready is not None:
                ready.set()
        await serving  # returns once `stop` is set; raises if the bot could not start
    finally:
        if not serving.done():  # demo() itself was cancelled
            serving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await serving
        await sandbox.stop()


def free_port(host: str) -> int:
    """A port nobody listens on right now (for settings that say 0: pick one)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def demo_port(port: int | None = None) -> int:
    if port is not None:
        return port
    value = os.environ.get(PORT_VARIABLE, "").strip()
    if not value:
        return DEFAULT_PORT
    if not value.isdigit() or int(value) > 65535:
        raise ConfigurationError(PORT_VARIABLE, f"not a port number: {value!r}")
    return int(value)


async def _main(settings: Settings, port: int) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await demo(settings, stop=stop, port=port)
    except StartupError as exc:
        print(f"cannot start the demo: {exc}", file=sys.stderr)  # noqa: T201
        return EXIT_STARTUP
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return EXIT_OK


def run_demo(settings: Settings, port: int | None = None) -> int:
    """`safecommunity demo`: run until Ctrl-C/SIGTERM; 0 on a clean stop, 2 if it can't start."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    return asyncio.run(_main(settings, demo_port(port)))
