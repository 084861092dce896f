"""The HTTP side of the bot process (aiohttp): health, metrics and the Telegram webhook.

* ``GET /healthz``  → 200 ``{"db": true, "bot": true}``, or 503 with the failing part false;
* ``GET /metrics``  → Prometheus text format (updates, errors, messages sent, uptime);
* ``POST /telegram/webhook`` (webhook mode only) → checks ``X-Telegram-Bot-Api-Secret-Token``,
  resolves arbitrary callback data, then puts the update on the application's queue;
* ``GET /channels/snapshots/{alert_id}?e=…&s=…`` → an alert's snapshot for the readers of a
  channel (Feishu, DingTalk), only while the link's signature is valid and unexpired; the
  picture is decrypted in memory, never written in clear (403 otherwise, 404 once purged).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Update
from telegram.ext import Application

from bot.context import BotDeps
from core.channels import verify_snapshot
from core.db import ping
from core.errors import NotFound
from core.models import utcnow

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PING_TIMEOUT = 3.0
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

AnyApp = Application[Any, Any, Any, Any, Any, Any]
APPLICATION: web.AppKey[AnyApp] = web.AppKey("application", Application)
DEPS: web.AppKey[BotDeps] = web.AppKey("deps", BotDeps)
WEBHOOK_SECRET: web.AppKey[str] = web.AppKey("webhook_secret", str)


def bot_running(application: AnyApp) -> bool:
    updater = application.updater
    return application.running and (updater is None or updater.running)


async def healthz(request: web.Request) -> web.Response:
    """Liveness of the two things that matter: the database and the bot."""
    application, deps = request.app[APPLICATION], request.app[DEPS]
    try:
        async with asyncio.timeout(PING_TIMEOUT):
            db = await ping(deps.storage.engine)
    except TimeoutError:
        db = False
    bot = bot_running(application)
    return web.json_response({"db": db, "bot": bot}, status=200 if db and bot else 503)


def render_metrics(deps: BotDeps) -> str:
    metrics = deps.metrics
    rows = [
        ("updates_total", "counter", "Telegram updates received.", metrics.updates),
        ("errors_total", "counter", "Errors passed to the error handler.", metrics.errors),
        ("messages_sent_total", "counter", "Messages the bot posted.", metrics.messages_sent),
        (
            "camera_raw_events_total",
            "counter",
            "Pushed camera events of an unknown type, kept as sent.",
            metrics.camera_raw_events,
        ),
        ("uptime_seconds", "gauge", "Seconds since the bot process started.", metrics.uptime),
    ]
    lines = []
    for name, kind, description, value in rows:
        full = f"safecommunity_{name}"
        number = f"{value:.3f}" if isinstance(value, float) else str(value)
        lines += [f"# HELP {full} {description}", f"# TYPE {full} {kind}", f"{full} {number}"]
    return "\n".join(lines) + "\n"


async def metrics(request: web.Request) -> web.Response:
    """Prometheus text exposition format."""
    body = render_metrics(request.app[DEPS])
    return web.Response(body=body.encode(), headers={"Content-Type": METRICS_CONTENT_TYPE})


async def webhook(request: web.Request) -> web.Response:
    """An update from Telegram: check the secret, then queue it for the application."""
    application = request.app[APPLICATION]
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), request.app[WEBHOOK_SECRET].encode()):
        log.warning("webhook call with a wrong secret token from %s", request.remote)
        return web.json_response({"ok": False}, status=403)
    if not application.running:
        return web.json_response({"ok": False}, status=503)  # Telegram retries later
    try:
        data = await request.json()
        update = Update.de_json(data, application.bot)
    except (json.JSONDecodeError, ValueError, TypeError, KeyError):
        return web.json_response({"ok": False}, status=400)
    if update is None:
        return web.json_response({"ok": False}, status=400)
    application.bot.insert_callback_data(update)  # custom webhooks must do this themselves
    await application.update_queue.put(update)
    return web.json_response({"ok": True})


async def channel_snapshot(request: web.Request) -> web.Response:
    """An alert's snapshot behind a signed, expiring link (see `core.channels.links`)."""
    deps = request.app[DEPS]
    raw_id = request.match_info["alert_id"]
    vault = deps.storage.services.context.vault
    expires, tag = request.query.get("e", ""), request.query.get("s", "")
    if not raw_id.isdigit() or not verify_snapshot(vault, int(raw_id), expires, tag, utcnow()):
        return web.json_response({"ok": False, "error": "invalid or expired link"}, status=403)
    try:
        async with deps.storage.services() as svc:
            data = await svc.channels.snapshot(int(raw_id))
    except NotFound:
        return web.json_response({"ok": False, "error": "gone"}, status=404)
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    headers = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}
    return web.Response(body=data, content_type=kind, headers=headers)


def create_http_app(
    application: AnyApp, deps: BotDeps, *, webhook_secret: str | None = None
) -> web.Application:
    """The aiohttp application; the webhook route only exists when a secret is given."""
    app = web.Application(client_max_size=4 * 1024 * 1024)
    app[APPLICATION] = application
    app[DEPS] = deps
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/channels/snapshots/{alert_id}", channel_snapshot)
    from bot.cameras import api as camera_api  # they import this module's keys
    from bot.cameras import dahua, hikvision

    camera_api.add_routes(app)  # POST /api/v1/cameras/{camera_id}/events
    dahua.add_routes(app)  # POST /NotificationInfo/{TollgateInfo,KeepAlive}
    hikvision.add_routes(app)  # POST /api/v1/cameras/{camera_id}/isapi/{secret}
    if webhook_secret:
        app[WEBHOOK_SECRET] = webhook_secret
        app.router.add_post(WEBHOOK_PATH, webhook)
    return app


class HttpServer:
    """Runs the aiohttp application next to the bot, in the same event loop."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> None:
        runner = web.AppRunner(
            self.app, handler_cancellation=True, access_log=None, shutdown_timeout=2.0
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        log.info("HTTP server on http://%s:%s (healthz, metrics)", host, self.port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
