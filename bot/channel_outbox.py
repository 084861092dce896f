"""Sends the channel deliveries of the outbox (WeCom, DingTalk, Feishu, webhooks) with aiohttp.

Beside `bot/outbox.py` (Telegram): the same rows, `Delivery.channel` naming the robot's kind.
`core.channels` builds and signs each platform's body and reads its answer; this module only
posts. A 2xx (with the platform's code 0) ends a delivery; a throttling answer blocks the robot
and retries later; network errors and 5xx retry with the outbox's back-off; an answer that
retrying cannot change (bad key, bad signature) fails it for the record. Each robot's limits
are counted here: when one is saturated, alerts of "high" severity and above wait for room,
lower ones fold into one digest message. WeCom's snapshot is fitted to 2 MB with Pillow in a
thread (`core.channels.pictures`), not in the recognition pool: it is an already-boxed
snapshot whose size the camera route capped.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from telegram.ext import Application

from bot.context import BotContext, BotDeps
from core.channels import (
    Message,
    Outcome,
    Outgoing,
    RobotLimiter,
    build,
    classify,
    digest,
    html_to_markdown,
    sign_snapshot,
)
from core.channels.pictures import fit_image
from core.channels.severity import FOLD_BELOW, SEVERITIES
from core.models import ChannelKind, utcnow
from core.services.channels import ChannelTarget
from core.services.outbox import PendingDelivery

log = logging.getLogger(__name__)

JOB_NAME = "channel-outbox"
TIMEOUT = aiohttp.ClientTimeout(total=15)
AnyApp = Application[Any, Any, Any, Any, Any, Any]
_SENDERS: weakref.WeakKeyDictionary[AnyApp, ChannelSender] = weakref.WeakKeyDictionary()


async def post(http: aiohttp.ClientSession, outgoing: Outgoing) -> tuple[int, str, str | None]:
    """POST one body: (status, answer text, Retry-After)."""
    async with http.post(outgoing.url, data=outgoing.body, headers=outgoing.headers) as answer:
        return answer.status, await answer.text(), answer.headers.get("Retry-After")


def _severity(delivery: PendingDelivery) -> int:
    name = (delivery.payload.get("facts") or {}).get("severity", "low")
    return SEVERITIES.index(name) if name in SEVERITIES else 0


class ChannelSender:
    """One per application: the HTTP client, the robots' counters, one drain at a time."""

    def __init__(self, deps: BotDeps, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.deps = deps
        self.clock = clock
        self.limiter = RobotLimiter()
        self.lock = asyncio.Lock()
        self._http: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._http

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def drain(self, limit: int = 50) -> int:
        """Post what is due, robot by robot; the number of deliveries that arrived."""
        storage = self.deps.storage
        async with self.lock:
            async with storage.services() as svc:
                due = await svc.outbox.due(limit, channels=True)
            by_channel: dict[int, list[PendingDelivery]] = defaultdict(list)
            for delivery in due:
                by_channel[delivery.chat_id].append(delivery)
            sent = 0
            for channel_id, deliveries in by_channel.items():
                async with storage.services() as svc:
                    target = await svc.channels.target(channel_id)
                if target is None or not target.enabled:
                    for delivery in deliveries:
                        await self._settle(delivery.id, failed="channel removed or disabled")
                    continue
                sent += await self._serve(target, deliveries)
            return sent

    async def _serve(self, target: ChannelTarget, deliveries: list[PendingDelivery]) -> int:
        now = self.clock()
        room = self.limiter.room(target.id, target.kind, now)
        ordered = sorted(deliveries, key=lambda d: (-_severity(d), d.id))
        send, fold, wait = [], [], []
        if sum(self._cost(target, d) for d in ordered) <= room:
            send = ordered
        else:  # most urgent first, one message kept for a digest of what does not fit
            budget = room - 1
            for delivery in ordered:
                cost = self._cost(target, delivery)
                if cost <= budget:
                    send.append(delivery)
                    budget -= cost
                elif _severity(delivery) < FOLD_BELOW:
                    fold.append(delivery)
                else:
                    wait.append(delivery)  # urgent ones are never folded: they wait
            if room < 1 or len(fold) < 2:  # one alone is not a digest: it waits its turn
                wait += fold
                fold = []
        sent = 0
        for delivery in send:
            sent += await self._send_one(target, delivery)
        if fold:
            sent += await self._send_digest(target, fold)
        if wait:
            free = self.limiter.next_free(target.id, target.kind, self.clock())
            after = max(free - self.clock(), timedelta(seconds=1))
            for delivery in wait:
                await self._settle(delivery.id, retry="robot saturated", after=after, count=False)
        return sent

    def _cost(self, target: ChannelTarget, delivery: PendingDelivery) -> int:
        parts = 2 if target.kind is ChannelKind.WECOM and delivery.payload.get("photo") else 1
        return max(1, parts - int(delivery.payload.get("parts_sent") or 0))

    async def message(self, target: ChannelTarget, delivery: PendingDelivery) -> Message:
        """The delivery in the channel's words, with its signed link (and WeCom's image)."""
        payload = delivery.payload
        title, markdown, text = html_to_markdown(str(payload.get("text") or ""))
        facts = dict(payload.get("facts") or {})
        link = image = None
        photo = payload.get("photo")
        if photo and facts.get("alert_id") is not None:
            settings = self.deps.settings
            vault = self.deps.storage.services.context.vault
            valid = timedelta(hours=settings.channel_link_hours)
            path = sign_snapshot(vault, int(facts["alert_id"]), self.clock(), valid)
            link = settings.public_base_url + path
        if photo and target.kind is ChannelKind.WECOM:
            try:
                async with self.deps.storage.services() as svc:
                    data = await svc.photos.for_delivery(str(photo))
                image = await asyncio.to_thread(fit_image, data)
            except (FileNotFoundError, ValueError, OSError) as exc:  # purged or unreadable
                log.warning("delivery %s goes without its snapshot: %s", delivery.id, exc)
        t = self.deps.translator(target.locale)
        label = t("channels.snapshot")
        return Message(title, markdown, text, facts, link, label, image)

    async def _send_one(self, target: ChannelTarget, delivery: PendingDelivery) -> bool:
        done = int(delivery.payload.get("parts_sent") or 0)
        message = await self.message(target, delivery)
        posts = build(
            target.kind, target.url, target.secret, message, self.clock(), delivery_id=delivery.id
        )
        for index, outgoing in enumerate(posts[done:], start=done):
            outcome = await self._post(target, outgoing)
            if not outcome.ok:
                if index > done:
                    async with self.deps.storage.services() as svc:
                        await svc.outbox.mark_parts(delivery.id, index)
                await self._settle_outcome(target, [delivery], outcome)
                return False
        async with self.deps.storage.services() as svc:
            await svc.outbox.mark_sent(delivery.id, None)
        return True

    async def _send_digest(self, target: ChannelTarget, folded: list[PendingDelivery]) -> int:
        messages = [await self.message(target, d) for d in folded]
        t = self.deps.translator(target.locale)
        summary = digest(t("channels.digest", count=len(folded)), messages)
        [outgoing] = build(target.kind, target.url, target.secret, summary, self.clock())[:1]
        outcome = await self._post(target, outgoing)
        if not outcome.ok:
            await self._settle_outcome(target, folded, outcome)
            return 0
        async with self.deps.storage.services() as svc:
            await svc.outbox.mark_folded([d.id for d in folded])
        return len(folded)

    async def _post(self, target: ChannelTarget, outgoing: Outgoing) -> Outcome:
        self.limiter.record(target.id, self.clock())
        try:
            status, text, retry_after = await post(self.http, outgoing)
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Outcome(False, detail=f"network: {type(exc).__name__}: {exc}")
        return classify(target.kind, status, text, retry_after)

    async def _settle_outcome(
        self, target: ChannelTarget, deliveries: list[PendingDelivery], outcome: Outcome
    ) -> None:
        if outcome.throttled and outcome.retry_after is not None:
            self.limiter.block(target.id, self.clock() + outcome.retry_after)
        for delivery in deliveries:
            if outcome.permanent:
                await self._settle(delivery.id, failed=outcome.detail)
            else:
                after = outcome.retry_after if outcome.throttled else None
                await self._settle(delivery.id, retry=outcome.detail, after=after)

    async def _settle(
        self,
        delivery_id: int,
        *,
        retry: str = "",
        failed: str = "",
        after: timedelta | None = None,
        count: bool = True,
    ) -> None:
        async with self.deps.storage.services() as svc:
            if failed:
                log.warning("channel delivery %s failed for good: %s", delivery_id, failed)
                await svc.outbox.mark_failed(delivery_id, failed)
            else:
                await svc.outbox.mark_retry(delivery_id, retry, after=after, count=count)


def sender(application: AnyApp) -> ChannelSender:
    found = _SENDERS.get(application)
    if found is None:
        deps: BotDeps = application.deps  # type: ignore[attr-defined]
        found = _SENDERS[application] = ChannelSender(deps)
        deps.closers.append(found.close)
    return found


def schedule(application: AnyApp, interval: float) -> None:
    """Drain the channel deliveries every `interval` seconds while the application runs."""
    assert application.job_queue is not None, "the job-queue extra is required"
    sender(application)
    application.job_queue.run_repeating(_job, interval=interval, first=0.7, name=JOB_NAME)


def kick(application: AnyApp) -> None:
    if application.job_queue is not None and application.running:
        application.job_queue.run_once(_job, 0, name=f"{JOB_NAME}-kick")


async def _job(context: BotContext) -> None:
    await sender(context.application).drain()
