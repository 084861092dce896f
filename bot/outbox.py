"""Sends the outbox (`core.services.outbox`): stored messages, retried until Telegram has them.

A repeating job drains what is due every `settings.outbox_interval` seconds; `kick()` drains
at once after a feature enqueued something, so the normal case has no delay. One drain runs
at a time. Each delivery is settled in its own unit of work, so one bad chat never holds back
the others. A 429's retry_after holds its whole chat: the chat's other due messages wait it out
too instead of being sent into the same flood control. A send that timed out after Telegram
processed it may arrive twice (see SafeBot).
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    Message,
    ReplyParameters,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.context import BotContext, BotDeps
from core.models import DeliveryStatus
from core.serial import decode
from core.services.outbox import PendingDelivery

log = logging.getLogger(__name__)

JOB_NAME = "outbox"
EDIT_WAIT = timedelta(seconds=2)  # an edit whose message is not sent yet waits this long


class NotSentYet(Exception):
    """An edit of a message that is not sent yet: try again shortly."""


AnyApp = Application[Any, Any, Any, Any, Any, Any]


def _deps(application: AnyApp) -> BotDeps:
    return application.deps  # type: ignore[attr-defined,no-any-return]


def schedule(application: AnyApp, interval: float) -> None:
    """Drain the outbox every `interval` seconds while the application runs."""
    assert application.job_queue is not None, "the job-queue extra is required"
    application.job_queue.run_repeating(_job, interval=interval, first=0.5, name=JOB_NAME)


def kick(application: AnyApp) -> None:
    """Drain now (after enqueueing): a one-off job, so the handler does not wait for sends."""
    if application.job_queue is not None and application.running:
        application.job_queue.run_once(_job, 0, name=f"{JOB_NAME}-kick")


async def _job(context: BotContext) -> None:
    await drain(context.application)


async def drain(application: AnyApp, *, limit: int = 20) -> int:
    """Send what is due (in batches of `limit`); the number of messages sent."""
    deps = _deps(application)
    sent = 0
    async with deps.outbox_lock:
        while application.running:  # at shutdown, what is left waits for the next start
            async with deps.storage.services() as svc:
                # A saturated guard group gets a digest of its lower-severity alerts.
                await svc.alerts.fold_saturated(deps.settings.alert_group_per_minute)
                due = await svc.outbox.due(limit)
            if not due:
                return sent
            progressed = False
            for delivery in due:
                held = deps.flood_holds.get(delivery.chat_id, 0.0) - time.monotonic()
                if held > 0:  # Telegram said wait for this chat: nothing is tried
                    await _settle(
                        deps,
                        delivery.id,
                        retry="waiting out the chat's flood control",
                        after=timedelta(seconds=held),
                        count=False,
                    )
                    continue
                ok = await _deliver(application, deps, delivery)
                sent += ok
                progressed = progressed or ok
            if len(due) < limit or not progressed:
                return sent
        return sent


async def _deliver(application: AnyApp, deps: BotDeps, delivery: PendingDelivery) -> bool:
    try:
        message = await _send(application, deps, delivery)
    except NotSentYet as exc:
        await _settle(deps, delivery.id, retry=f"waiting: {exc}", after=EDIT_WAIT)
    except RetryAfter as exc:
        after = exc.retry_after
        delay = after if isinstance(after, timedelta) else timedelta(seconds=float(after))
        deps.flood_holds[delivery.chat_id] = time.monotonic() + delay.total_seconds()
        await _settle(deps, delivery.id, retry=f"429: {exc}", after=delay)
    except Forbidden as exc:  # blocked by the user or removed from the group: cannot pass
        await _settle(deps, delivery.id, failed=f"forbidden: {exc}")
    except BadRequest as exc:  # chat not found, bad markup: retrying cannot help
        await _settle(deps, delivery.id, failed=f"bad request: {exc}")
    except FileNotFoundError as exc:  # the photo is gone: it will not come back
        await _settle(deps, delivery.id, failed=f"photo missing: {exc.filename}")
    except (NetworkError, OSError) as exc:  # Telegram away or 5xx: try again later
        await _settle(deps, delivery.id, retry=f"network: {exc}")
    except TelegramError as exc:
        await _settle(deps, delivery.id, retry=f"telegram: {exc}")
    except Exception as exc:  # a bug or a bad payload: fail this one, never block the queue
        log.exception("delivery %s cannot be sent", delivery.id)
        await _settle(deps, delivery.id, failed=f"{type(exc).__name__}: {exc}")
    else:
        async with deps.storage.services() as svc:
            await svc.outbox.mark_sent(delivery.id, message.message_id if message else None)
        return True
    return False


async def _settle(
    deps: BotDeps,
    delivery_id: int,
    *,
    retry: str = "",
    failed: str = "",
    after: timedelta | None = None,
    count: bool = True,
) -> None:
    async with deps.storage.services() as svc:
        if failed:
            log.warning("delivery %s failed for good: %s", delivery_id, failed)
            await svc.outbox.mark_failed(delivery_id, failed)
        else:
            when = await svc.outbox.mark_retry(delivery_id, retry, after=after, count=count)
            log.info("delivery %s will be retried at %s: %s", delivery_id, when, retry)


async def _send(application: AnyApp, deps: BotDeps, delivery: PendingDelivery) -> Message | None:
    payload = delivery.payload
    markup = _markup(payload.get("buttons") or [])
    if payload.get("edit_of"):
        return await _edit(application, deps, delivery, markup)
    reply = payload.get("reply_to")
    reply_parameters = (
        ReplyParameters(int(reply), allow_sending_without_reply=True) if reply else None
    )
    bot: Bot = application.bot
    photo = payload.get("photo")
    if photo:
        async with deps.storage.services() as svc:  # pictures are sealed at rest
            data = await svc.photos.for_delivery(str(photo))
        return await bot.send_photo(
            delivery.chat_id,
            data,
            caption=payload.get("text") or None,
            reply_markup=markup,
            reply_parameters=reply_parameters,
        )
    return await bot.send_message(
        delivery.chat_id,
        str(payload.get("text") or ""),
        reply_markup=markup,
        reply_parameters=reply_parameters,
    )


async def _edit(
    application: AnyApp,
    deps: BotDeps,
    delivery: PendingDelivery,
    markup: InlineKeyboardMarkup | None,
) -> Message | None:
    """Edit the message another delivery sent: its caption when it was a photo, or the photo
    itself when the edit brings one (a better view of the same passage)."""
    async with deps.storage.services() as svc:
        status, message_id, photo = await svc.outbox.original(int(delivery.payload["edit_of"]))
    if status in (DeliveryStatus.FAILED, DeliveryStatus.FOLDED):
        raise BadRequest(f"the message of delivery {delivery.payload['edit_of']} was never sent")
    if message_id is None:
        raise NotSentYet(f"delivery {delivery.payload['edit_of']}")
    text = str(delivery.payload.get("text") or "")
    bot: Bot = application.bot
    try:
        new_photo = delivery.payload.get("photo")
        if photo and new_photo:
            async with deps.storage.services() as svc:
                data = await svc.photos.for_delivery(str(new_photo))
            edited = await bot.edit_message_media(
                InputMediaPhoto(data, caption=text),
                delivery.chat_id,
                message_id,
                reply_markup=markup,
            )
        elif photo:
            edited = await bot.edit_message_caption(
                delivery.chat_id, message_id, caption=text, reply_markup=markup
            )
        else:
            edited = await bot.edit_message_text(
                text, delivery.chat_id, message_id, reply_markup=markup
            )
    except BadRequest as exc:
        if "not modified" in exc.message.lower():
            return None
        raise
    return edited if isinstance(edited, Message) else None


def _data(stored: Any) -> Any:
    """A stored button's data (a list from before typed buttons is still a tuple)."""
    data = decode(stored)
    return tuple(data) if isinstance(data, list) else data


def _markup(rows: list[list[list[Any]]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(str(label), callback_data=_data(data)) for label, data in row]
            for row in rows
        ]
    )
