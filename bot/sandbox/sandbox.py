"""``Sandbox``: a local Telegram Bot API server for end-to-end tests and the demo."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .cameras import CameraPanel
from .control import ControlMixin
from .faults import Faults
from .server import create_app
from .state import State


class Sandbox(ControlMixin):
    """A fake Telegram that a real python-telegram-bot ``Application`` talks to over HTTP.

    >>> sb = Sandbox(token="123456:TEST", bot_username="safecommunity_bot")
    >>> await sb.start()          # port 0: a free port
    >>> app = ApplicationBuilder().token(sb.token).base_url(sb.base_url) \\
    ...     .base_file_url(sb.base_file_url).build()
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        bot_username: str = "safecommunity_bot",
        bot_name: str = "SafeCommunity",
        bot_id: int | None = None,
        personas: Iterable[Mapping[str, Any]] = (),
        groups: Iterable[Mapping[str, Any]] = (),
        panels: Iterable[Mapping[str, str]] = (),
        template_dirs: Iterable[str | Path] = (),
        page_template: str = "chat.html.j2",
    ) -> None:
        self.token = token
        bot_id = bot_id if bot_id is not None else int(token.split(":", 1)[0])
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_name,
            "username": bot_username,
        }
        self.state = State(self.bot_user)
        self.faults = Faults()
        # (method, params) of every Bot API call except getUpdates, params JSON-decoded.
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.api_errors: list[tuple[str, dict[str, Any], str]] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.poller: object | None = None
        self.persona_roles: dict[int, str | None] = {}
        self.persona_extras: dict[int, dict[str, Any]] = {}
        self.panels = [dict(panel) for panel in panels]
        # The camera panel's cameras and the product's URL (set by whoever runs the page).
        self.camera_panel: CameraPanel | None = None
        self.template_dirs = [Path(path) for path in template_dirs]
        self.page_template = page_template
        self.host = "127.0.0.1"
        self.port: int | None = None
        self._runner: web.AppRunner | None = None
        for persona in personas:
            self.add_persona(**persona)
        for group in groups:
            self.add_group(
                group["chat_id"],
                group["title"],
                members=group.get("members", ()),
                admins=group.get("admins", ()),
                username=group.get("username"),
            )

    def add_persona(
        self,
        user_id: int,
        name: str,
        role: str | None = None,
        language_code: str | None = "zh-hans",
        *,
        last_name: str | None = None,
        username: str | None = None,
        started: bool = False,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a user that the web page offers as a persona (``role`` is a display label).

        Extra keys (e.g. a house number for a demo) are kept and listed in :attr:`personas`.
        """
        added = self.add_user(
            user_id,
            name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            started=started,
        )
        self.persona_roles[user_id] = role
        self.persona_extras[user_id] = extra
        return added

    @property
    def personas(self) -> list[dict[str, Any]]:
        """Every user, with the role given for personas (None for plain users)."""
        return [
            {
                **self.persona_extras.get(user_id, {}),
                "user_id": user_id,
                "name": " ".join(filter(None, [user["first_name"], user.get("last_name")])),
                "role": self.persona_roles.get(user_id),
                "language_code": user.get("language_code"),
                "username": user.get("username"),
            }
            for user_id, user in self.state.users.items()
        ]

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Serve on ``host:port`` (port 0 picks a free port; see :attr:`port`)."""
        if self._runner is not None:
            raise RuntimeError("the sandbox is already running")
        self.state.closed = False
        runner = web.AppRunner(
            create_app(self), handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self.host = "127.0.0.1" if host in ("0.0.0.0", "") else host
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        """Stop serving; pending long polls return at once."""
        self.state.closed = True
        self.state.touch()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- addresses -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The web chat page, e.g. ``http://127.0.0.1:PORT/``."""
        if self.port is None:
            raise RuntimeError("the sandbox is not started")
        return f"http://{self.host}:{self.port}/"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder.base_url`` (PTB appends the token)."""
        return self.url + "bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder.base_file_url``."""
        return self.url + "file/bot"
