"""The one place the PTB `Application` is built, started and stopped.

`build_application` must be called inside the running event loop. `running(application)` is the
life cycle shared by `bot.runtime` and the end-to-end test fixture: initialize → post_init →
polling (unless webhook mode) → start … stop → shutdown → post_shutdown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    Defaults,
    ExtBot,
)
from telegram.request import HTTPXRequest

from bot import channel_outbox, commands, outbox
from bot.context import CONTEXT_TYPES, BotDeps, Metrics, SafeApplication
from bot.i18n import Catalogues, load_catalogues
from bot.persistence import UPDATE_INTERVAL, SqlPersistence
from bot.updates import MAX_RUNNING, PerUserUpdateProcessor
from core.bootstrap import Storage
from core.errors import ConfigurationError
from core.settings import Settings
from handlers import (
    admin,
    alerts,
    cameras,
    cancel,
    common,
    errors,
    fallbacks,
    help,
    house_colour,
    houses,
    language,
    passages,
    privacy,
    reports,
    start,
    supervision,
    tenant,
    visit,
    watchlists,
)
from handlers.kit import menu, notices

log = logging.getLogger(__name__)

CALLBACK_CACHE_SIZE = 5_000

# Bot API methods that post a message (counted in /metrics).
SEND_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendLocation",
        "sendContact",
        "sendVenue",
        "sendVideo",
        "sendAnimation",
        "sendVoice",
        "sendAudio",
        "sendSticker",
        "copyMessage",
        "forwardMessage",
    }
)
# The updater has its own back-off for getUpdates; getMe at start-up fails fast with one clear
# line (the service manager restarts the process).
NO_RETRY = frozenset({"getUpdates", "getMe"})

RegisterHandlers = Callable[[Application[Any, Any, Any, Any, Any, Any]], None]


class SafeBot(ExtBot[Any]):
    """`ExtBot` with the one place that retries transient network failures.

    `AIORateLimiter` waits out 429s but does not retry 5xx answers or dropped connections;
    here a `NetworkError` (which includes `TimedOut`, but not `BadRequest`) is retried up to
    `network_retries` times with a short back-off. A request that timed out after Telegram
    processed it could in principle be sent twice; a refused or dropped connection cannot.
    """

    def __init__(
        self,
        *args: Any,
        metrics: Metrics | None = None,
        network_retries: int = 2,
        retry_delay: float = 0.25,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._metrics = metrics
        self._network_retries = network_retries
        self._retry_delay = retry_delay

    async def _do_post(self, endpoint: str, data: Any, **kwargs: Any) -> Any:
        attempt = 0
        while True:
            try:
                result = await super()._do_post(endpoint, data, **kwargs)
            except BadRequest:
                raise
            except NetworkError as exc:
                if endpoint in NO_RETRY or attempt >= self._network_retries:
                    raise
                attempt += 1
                log.warning(
                    "%s failed (%s); retry %d of %d", endpoint, exc, attempt, self._network_retries
                )
                await asyncio.sleep(self._retry_delay * attempt)
                continue
            if self._metrics is not None and endpoint in SEND_METHODS:
                self._metrics.messages_sent += 1
            return result


def build_application(
    settings: Settings,
    storage: Storage,
    *,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    persistence: bool = True,
    catalogues: Catalogues | None = None,
    extra_handlers: RegisterHandlers | None = None,
    update_interval: float = UPDATE_INTERVAL,
    retry_delay: float = 0.25,
    concurrent_updates: int = MAX_RUNNING,
) -> SafeApplication:
    """Assemble the Application: bot, rate limiter, persistence, typed context, handlers.

    `extra_handlers(application)` runs after the feature handlers and before the catch-all
    fallbacks (tests use it to add handlers of their own). Up to `concurrent_updates` updates
    of different users are handled at once, each user's in order (`bot.updates`); 1 handles
    one update at a time, as PTB does by default (the benchmark compares both).
    """
    asyncio.get_running_loop()  # fails early outside the event loop, as PTB requires
    if not settings.telegram_token:
        raise ConfigurationError(
            "SAFECOMMUNITY_TELEGRAM_TOKEN", "not set: ask @BotFather for the bot's token"
        )
    deps = BotDeps(settings, storage, catalogues or load_catalogues())
    bot = SafeBot(
        settings.telegram_token,
        base_url=settings.telegram_base_url,
        base_file_url=settings.telegram_base_file_url,
        request=HTTPXRequest(connection_pool_size=64),
        # Two connections: stopping while a long poll is being cancelled still leaves one for
        # the final getUpdates that confirms the offset (with one it waited out pool_timeout).
        get_updates_request=HTTPXRequest(connection_pool_size=2),
        defaults=Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.zone),
        # Every screen of a multi-step form is a keyboard in this cache: PTB's default of 1,024
        # would push the buttons of alerts and reminders out after a few dozen visits.
        arbitrary_callback_data=CALLBACK_CACHE_SIZE,
        rate_limiter=rate_limiter or AIORateLimiter(max_retries=3),
        metrics=deps.metrics,
        retry_delay=retry_delay,
    )
    builder = (
        ApplicationBuilder()
        .application_class(SafeApplication, {"deps": deps})
        .bot(bot)
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
    )
    if concurrent_updates > 1:
        builder = builder.concurrent_updates(PerUserUpdateProcessor(concurrent_updates))
    if persistence:
        builder = builder.persistence(
            SqlPersistence(storage.engine, update_interval=update_interval)
        )
    if settings.webhook_url:
        builder = builder.updater(None)  # updates arrive through bot.http's webhook route
    application: SafeApplication = builder.build()  # type: ignore[assignment]
    register_features(application, extra=extra_handlers)
    notices.install(application)
    outbox.schedule(application, settings.outbox_interval)
    channel_outbox.schedule(application, settings.outbox_interval)
    return application


def register_features(application: SafeApplication, *, extra: RegisterHandlers | None) -> None:
    """Every feature, in the order PTB tries them.

    Group -1 tracks the member and resolves the locale for every update; group 0 holds
    /cancel first (it must win over any flow), then the built-in commands and menus, then
    the features, then the catch-alls that make sure nothing goes unanswered. Group 1 has
    the staff's replies to tenants (see `handlers.tenant`).
    """
    common.register(application)  # group -1: member + locale
    cancel.register(application)  # /cancel and ✖️ before any flow
    menu.register(application)  # the role menus; features serve their items below
    start.register(application)
    help.register(application)
    language.register(application)
    visit.register(application)  # the cadre's visit; their 🏠 and card photos
    houses.register(application)  # admin: houses, cards (PNG/PDF), reissue
    house_colour.register(application)  # admin: the risk-colour flow
    tenant.register(application)  # card link for tenants, their messages; staff replies
    supervision.register(application)  # /myvisits, /visits, overdue, the daily reminder job
    admin.register(application)  # admin console: members, invitations, groups (/bind), cameras
    privacy.register(application)  # 👤 person record, 📜 audit log, the daily retention purge
    alerts.register(application)  # camera alerts in guard groups, 🚨; starts the camera worker
    passages.register(application)  # /plate and /passages: guards', police's passage look-ups
    cameras.register(application)  # the Frigate link, camera health
    watchlists.register(application)  # 📋 police/admin: entries, add, end; purge, expiry notice
    reports.register(application)  # 📣 residents' reports: filing, staff group, digests
    if extra is not None:
        extra(application)
    fallbacks.register(application)  # unknown commands, stray messages, stale buttons
    errors.register(application)


async def _post_init(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Set the command menus (a failure here is logged, not fatal)."""
    try:
        await commands.setup_commands(application)
    except Exception:
        log.exception("could not set the command menus")


async def _post_shutdown(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Close the clients features opened (`deps.closers`)."""
    deps: BotDeps = application.deps  # type: ignore[attr-defined]
    while deps.closers:
        closer = deps.closers.pop()
        try:
            await closer()
        except Exception:
            log.exception("closing %r failed", closer)


@asynccontextmanager
async def running(
    application: Application[Any, Any, Any, Any, Any, Any], *, poll_timeout: int = 10
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Run the application (polling when it has an updater) for the body of the block."""
    try:
        await application.initialize()  # getMe: a bad token or unreachable API fails here
    except BaseException:
        await application.bot.request.shutdown()
        raise
    try:
        if application.post_init:
            await application.post_init(application)
        if application.updater is not None:
            await application.updater.start_polling(
                timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
            )
        await application.start()
        yield application
    finally:
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        if application.running:
            await application.stop()  # writes the persistence one last time
        if application.post_stop:
            await application.post_stop(application)
        await application.shutdown()
        if application.post_shutdown:
            await application.post_shutdown(application)
