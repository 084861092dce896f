"""End-to-end fixtures: the sandbox Bot API + the real Application (polling) over a migrated DB.

Use them from any conftest (`from tests.e2e import bot_env, make_bot_env  # noqa: F401`)::

    async def test_cadre_menu(bot_env: BotEnv) -> None:
        cadre = await bot_env.user(Role.CADRE, name="王芳")
        reply = await bot_env.say(cadre, "/start")           # the bot's (first) answer
        assert "📝 登记走访" in reply.button_labels
        pressed = await bot_env.press(cadre, reply, "🌐 语言 / Language")
        assert "请选择语言" in pressed.message.text          # edited in place

    async def test_flow(make_bot_env: MakeBotEnv) -> None:
        async with make_bot_env(extra_handlers=register_my_flow) as env:
            ...
            await env.restart()                              # same DB, same sandbox

Users: `env.user(role | None, name=, language_code=, locale=)` adds a sandbox user (who has
started the bot) and, with a role, a bound member. `env.group(GroupRole.GUARDS, members=[…])`,
`env.invite(role)`, `env.house()` seed the rest. `env.say` returns the first new bot message in
the chat (`say_all` returns all `count` of them); `env.press` returns the callback answer and
the pressed message as it is afterwards (handlers edit first and answer the query last).
`env.calls("setMyCommands")` lists the parameters of the bot's Bot API calls.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import pytest
from telegram import Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.app import build_application, running
from bot.context import BotContext, SafeApplication
from bot.recognition import open_recognition
from bot.sandbox import Sandbox
from core.bootstrap import Storage, open_storage
from core.flows import Flow
from core.models import GroupRole, HouseKind, Role, utcnow
from core.roles import Actor
from core.serial import persistable
from core.services import UnitOfWork, actor_for
from core.settings import Settings
from handlers.kit import flows
from recognition import RecognitionCore

TOKEN = "123456:TEST-TOKEN"
BOT_USERNAME = "safecommunity_test_bot"
SYSTEM = Actor.system("test")
_user_ids = itertools.count(10_001)
_group_ids = itertools.count(1)


@dataclass
class Reply:
    """A message the bot sent, as the sandbox holds it."""

    raw: dict[str, Any]

    @property
    def message_id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.raw["chat"]["id"])

    @property
    def text(self) -> str:
        return str(self.raw.get("text") or self.raw.get("caption") or "")

    @property
    def html(self) -> str:
        return str(self.raw.get("html") or self.text)

    @property
    def buttons(self) -> list[list[dict[str, Any]]]:
        return list((self.raw.get("reply_markup") or {}).get("inline_keyboard") or [])

    @property
    def button_labels(self) -> list[str]:
        return [button["text"] for row in self.buttons for button in row]

    @property
    def edited(self) -> bool:
        return "edit_date" in self.raw


@dataclass
class Pressed:
    answer: dict[str, Any]
    message: Reply

    @property
    def toast(self) -> str | None:
        return self.answer.get("text")


@dataclass
class TgUser:
    id: int
    name: str
    role: Role | None = None
    member_id: int | None = None
    language_code: str | None = "zh-hans"


@dataclass
class BotEnv:
    sandbox: Sandbox
    settings: Settings
    storage: Storage
    extra_handlers: Callable[[Application[Any, Any, Any, Any, Any, Any]], None] | None = None
    rate_limiter_factory: Callable[[], AIORateLimiter] | None = None
    recognition: RecognitionCore | None = None
    application: SafeApplication = field(init=False)
    _stack: AsyncExitStack = field(init=False, default_factory=AsyncExitStack)

    # -- life cycle ------------------------------------------------------------------------

    def build(self) -> SafeApplication:
        limiter = (self.rate_limiter_factory or fast_rate_limiter)()
        application = build_application(
            self.settings,
            self.storage,
            rate_limiter=limiter,
            extra_handlers=self.extra_handlers,
            retry_delay=0.02,
        )
        application.deps.recognition = self.recognition
        return application

    async def start(self) -> None:
        self.application = self.build()
        self._stack = AsyncExitStack()
        await self._stack.enter_async_context(running(self.application, poll_timeout=5))

    async def stop(self) -> None:
        await self._stack.aclose()

    async def restart(self) -> None:
        """Stop the Application (persistence is written) and start a new one on the same DB."""
        await self.stop()
        await self.start()

    def services(self) -> UnitOfWork:
        return self.storage.services()

    # -- seeding ---------------------------------------------------------------------------

    async def user(
        self,
        role: Role | str | None = None,
        *,
        name: str | None = None,
        language_code: str | None = "zh-hans",
        locale: str | None = None,
        user_id: int | None = None,
        grid_code: str | None = None,
    ) -> TgUser:
        """A Telegram user who has started the bot; with a role also a bound member."""
        user_id = user_id or next(_user_ids)
        name = name or (f"{Role(role).value.title()} {user_id}" if role else f"User {user_id}")
        self.sandbox.add_user(user_id, name, language_code=language_code, started=True)
        user = TgUser(user_id, name, language_code=language_code)
        if role is not None:
            async with self.services() as svc:
                member = await svc.members.add(
                    SYSTEM, telegram_id=user_id, role=Role(role), name=name, grid_code=grid_code
                )
                if locale:
                    await svc.members.set_locale(actor_for(member), locale)
            user.role, user.member_id = Role(role), member.id
        return user

    async def group(
        self,
        role: GroupRole | None = GroupRole.GUARDS,
        *,
        members: Sequence[TgUser] = (),
        title: str = "",
        chat_id: int | None = None,
    ) -> int:
        """A group chat in the sandbox (with the bot in it); registered when `role` is given."""
        chat_id = chat_id or -1_000_000_000_000 - next(_group_ids)
        title = title or f"{role.value if role else 'Some'} group"
        self.sandbox.add_group(chat_id, title, members=[m.id for m in members])
        if role is not None:
            async with self.services() as svc:
                await svc.groups.add(SYSTEM, chat_id=chat_id, role=role, title=title)
        return chat_id

    async def invite(self, role: Role, *, name: str = "", valid_days: int = 7) -> str:
        """A one-time invitation token (`/start <token>` redeems it)."""
        async with self.services() as svc:
            _invitation, token = await svc.members.invite(
                SYSTEM, role=role, name=name, valid_days=valid_days
            )
        return token

    async def house(
        self, code: str = "A-1-101", address: str = "安宁路1号1幢101室", grid: str = "G1"
    ) -> tuple[int, str]:
        """A rental house (with community, grid and building); returns (id, card token)."""
        async with self.services() as svc:
            await svc.houses.ensure_community(
                SYSTEM, self.settings.community_name, self.settings.community_phone
            )
            grid_row = await svc.houses.ensure_grid(SYSTEM, grid)
            building = await svc.houses.ensure_building(SYSTEM, grid_row, "1幢")
            house, _created = await svc.houses.save_house(
                SYSTEM,
                building=building,
                code=code,
                standard_address=address,
                kind=HouseKind.RENTAL,
            )
            assert house.card_token is not None
            return house.id, house.card_token

    # -- acting and observing ----------------------------------------------------------------

    def messages(self, chat_id: int) -> list[Reply]:
        return [Reply(m) for m in self.sandbox.bot_messages(chat_id)]

    async def say_all(
        self,
        user: TgUser,
        text: str,
        *,
        chat_id: int | None = None,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> list[Reply]:
        """Send `text` as `user`; wait for `count` new bot messages in that chat."""
        chat = user.id if chat_id is None else chat_id
        before = len(self.sandbox.bot_messages(chat)) if chat in self.sandbox.state.chats else 0
        await self.sandbox.send_text(user.id, text, chat_id=chat_id)
        sent = await self.sandbox.wait_for_bot_messages(chat, before + count, timeout=timeout)
        return [Reply(m) for m in sent[before:]]

    async def say(
        self,
        user: TgUser,
        text: str,
        *,
        chat_id: int | None = None,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Reply:
        """Send `text` as `user` and return the bot's first new message in that chat."""
        return (await self.say_all(user, text, chat_id=chat_id, timeout=timeout))[0]

    async def press(
        self,
        user: TgUser,
        message: Reply,
        button: str,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> Pressed:
        """Press a button (by label or callback_data) and await the bot's answer."""
        answer = await self.sandbox.press_button(
            user.id, message.raw, button, chat_id=message.chat_id, timeout=timeout
        )
        assert answer["answered"], f"the bot did not answer the button {button!r}"
        current = next(
            (
                m
                for m in self.sandbox.bot_messages(message.chat_id)
                if m["message_id"] == message.message_id
            ),
            message.raw,
        )
        return Pressed(answer, Reply(current))

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.sandbox.calls if name == method]

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda p: True,
        timeout: float = 5.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Await a Bot API call of `method` whose parameters satisfy `predicate`."""

        def found(sb: Sandbox) -> dict[str, Any] | None:
            return next((p for n, p in sb.calls if n == method and predicate(p)), None)

        result: dict[str, Any] = await self.sandbox.wait_for(found, timeout=timeout)
        return result


def fast_rate_limiter() -> AIORateLimiter:
    """The production limiter's retries without the 20-per-minute group throttle."""
    return AIORateLimiter(max_retries=3, group_max_rate=1000, group_time_period=1)


def e2e_settings(settings: Settings, sandbox: Sandbox, **overrides: Any) -> Settings:
    return settings.model_copy(
        update={
            "telegram_token": sandbox.token,
            "telegram_base_url": sandbox.base_url,
            "telegram_base_file_url": sandbox.base_file_url,
            **overrides,
        }
    )


@asynccontextmanager
async def bot_env_running(
    settings: Settings,
    *,
    overrides: dict[str, Any] | None = None,
    clock: Callable[[], datetime] = utcnow,
    recognition: bool = False,
    **options: Any,
) -> AsyncIterator[BotEnv]:
    """A sandbox and the Application polling it; torn down in the right order.

    `overrides` change settings (e.g. ``{"webhook_url": …}`` for webhook mode: no polling);
    `clock` is the storage's clock (a frozen one for tests of dates and daily jobs);
    `recognition` starts the real recognition core in-process (models load: ~1–2 s).
    """
    async with Sandbox(token=TOKEN, bot_username=BOT_USERNAME) as sandbox:
        sandbox.faults.group_flood_limit = None  # opt back in for flood tests
        env_settings = e2e_settings(settings, sandbox, **(overrides or {}))
        storage = await open_storage(env_settings, migrate=False, clock=clock)  # migrated copy
        core = None
        if recognition:
            in_process = env_settings.model_copy(update={"recognition_workers": 0})
            core = await open_recognition(in_process, storage)
        env = BotEnv(sandbox, env_settings, storage, recognition=core, **options)
        try:
            await env.start()
            try:
                yield env
            finally:
                await env.stop()
        finally:
            if core is not None:
                await core.close()
            await storage.close()


MakeBotEnv = Callable[..., AbstractAsyncContextManager[BotEnv]]


@pytest.fixture
async def bot_env(settings: Settings) -> AsyncIterator[BotEnv]:
    """The sandbox + the real Application polling it, over a migrated SQLite database."""
    async with bot_env_running(settings) as env:
        yield env


@pytest.fixture
def make_bot_env(settings: Settings) -> MakeBotEnv:
    """`async with make_bot_env(extra_handlers=…, overrides={…}, clock=…, …)`."""

    def make(**options: Any) -> AbstractAsyncContextManager[BotEnv]:
        return bot_env_running(settings, **options)

    return make


# --- a two-step persistent flow (a sample flow for tests) ------------------------------------


class SampleStep(enum.StrEnum):
    ASK_NAME = "ask_name"


@persistable("flow.test_sample")
@dataclass(kw_only=True)
class SampleFlow(Flow[SampleStep]):
    name: ClassVar[str] = "sample"
    step: SampleStep = SampleStep.ASK_NAME
    asked: int = 1


async def _flow_start(update: Update, context: BotContext) -> None:
    assert update.effective_chat is not None
    flows.begin(context, SampleFlow())
    await context.bot.send_message(update.effective_chat.id, "sample: your name?")


async def _flow_name(update: Update, context: BotContext) -> None:
    assert update.message is not None
    assert update.effective_chat is not None
    flow = flows.current(context, SampleFlow)
    flows.end(context)
    await context.bot.send_message(
        update.effective_chat.id,
        f"sample: got {update.message.text} (step {flow.asked if flow else '?'})",
    )


def register_sample_flow(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("sample", _flow_start))
    typed = filters.TEXT & ~filters.COMMAND & flows.InFlow(application, SampleFlow)
    application.add_handler(MessageHandler(typed, _flow_name))
