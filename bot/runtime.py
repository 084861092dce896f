"""Run the bot process: storage, the Application, the HTTP server; stop cleanly on signals.

`run(settings)` is what `safecommunity run` calls. Polling by default; with
`SAFECOMMUNITY_WEBHOOK_URL` set, the bot registers a webhook (`setWebhook` with a secret
token) and Telegram posts updates to `POST /telegram/webhook` of the HTTP server. The webhook
URL is the public address of that route; a URL without a path gets `/telegram/webhook`
appended. Without `SAFECOMMUNITY_WEBHOOK_SECRET` a random secret is made for each start.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import signal
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application

from bot.app import build_application, running
from bot.http import WEBHOOK_PATH, HttpServer, create_http_app
from bot.recognition import open_recognition
from core.bootstrap import Storage, open_storage
from core.errors import ConfigurationError
from core.services.privacy import seal_stored_data
from core.settings import Settings

log = logging.getLogger(__name__)

EXIT_OK, EXIT_STARTUP = 0, 2
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
AnyApp = Application[Any, Any, Any, Any, Any, Any]


class StartupError(Exception):
    """The bot cannot start; the message is the one line the operator sees."""


def webhook_endpoint(url: str) -> str:
    parts = urlsplit(url)
    if parts.path in ("", "/"):
        return url.rstrip("/") + WEBHOOK_PATH
    return url


async def serve(
    settings: Settings,
    *,
    ready: asyncio.Event | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until `stop` is set. Raises `StartupError` when the bot cannot start."""
    stop = stop or asyncio.Event()
    if not settings.telegram_token:
        raise ConfigurationError(
            "SAFECOMMUNITY_TELEGRAM_TOKEN", "not set: ask @BotFather for the bot's token"
        )
    try:
        storage = await open_storage(settings)  # applies migrations
    except ConfigurationError:
        raise
    except Exception as exc:
        where = make_url(settings.effective_database_url).render_as_string(hide_password=True)
        raise StartupError(f"cannot open the database {where}: {exc}") from None
    await sweep_orphan_photos(storage)
    await seal_stored_data_at_start(storage)
    try:
        recognition = await open_recognition(settings, storage)
    except Exception as exc:
        await storage.close()
        raise StartupError(f"cannot start the recognition core: {exc}") from None
    try:
        application = build_application(settings, storage)
        application.deps.recognition = recognition
        webhook = bool(settings.webhook_url)
        secret = settings.webhook_secret or secrets.token_urlsafe(32)
        http = HttpServer(
            create_http_app(
                application, application.deps, webhook_secret=secret if webhook else None
            )
        )
        try:
            await http.start(settings.http_host, settings.http_port)
        except OSError as exc:
            where = f"{settings.http_host}:{settings.http_port}"
            raise StartupError(f"cannot listen on {where}: {exc.strerror or exc}") from None
        started = False
        try:
            async with running(application):
                started = True
                if webhook:
                    await _set_webhook(application, settings, secret)
                mode = "webhook" if webhook else "polling"
                log.info("SafeCommunity is running as @%s (%s)", application.bot.username, mode)
                if ready is not None:
                    ready.set()
                await stop.wait()
                log.info("stopping")
        except InvalidToken:
            if started:
                raise
            raise StartupError(
                "the Bot API refused the token (SAFECOMMUNITY_TELEGRAM_TOKEN); "
                "check it with @BotFather"
            ) from None
        except TelegramError as exc:
            if started:
                raise
            raise StartupError(
                f"cannot reach the Bot API at {settings.telegram_base_url}: {exc.message}"
            ) from None
        finally:
            await http.stop()
    finally:
        await recognition.close()
        await storage.close()


async def sweep_orphan_photos(storage: Storage) -> None:
    """Remove the photo files of uploads killed before their commit; never stops a start."""
    try:
        async with storage.services() as svc:
            removed = await svc.photos.sweep_orphans()
    except Exception as exc:
        log.warning("could not sweep the photo store for orphan files: %s", exc)
        return
    if removed:
        log.info("removed %d photo files that no record refers to", removed)


async def seal_stored_data_at_start(storage: Storage) -> None:
    """Seal pictures and face templates still in clear (or under a previous key)."""
    try:
        report = await seal_stored_data(storage.services)
    except Exception as exc:
        log.error("could not seal the stored pictures and face templates: %s", exc)
        return
    if report.changed:
        log.info(
            "sealed %d pictures and %d face templates, removed %d clear files",
            report.pictures,
            report.templates,
            report.clear_removed,
        )


async def _set_webhook(application: AnyApp, settings: Settings, secret: str) -> None:
    url = webhook_endpoint(settings.webhook_url)
    try:
        await application.bot.set_webhook(
            url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
    except TelegramError as exc:
        raise StartupError(f"setWebhook({url}) failed: {exc.message}") from None


async def _main(settings: Settings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await serve(settings, stop=stop)
    except (StartupError, ConfigurationError) as exc:
        log.error("cannot start: %s", exc)
        return EXIT_STARTUP
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    log.info("stopped")
    return EXIT_OK


def run(settings: Settings) -> int:
    """`safecommunity run`: serve until SIGINT/SIGTERM; 0 on a clean stop, 2 if it can't start."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per Bot API call otherwise
    return asyncio.run(_main(settings))
