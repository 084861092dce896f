"""Alerts out through a generic webhook: one delivery per matching channel, signed JSON,
retries, the signed snapshot link."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.channel_outbox import ChannelSender
from bot.http import DEPS, channel_snapshot
from core.bootstrap import Storage
from core.channels import snapshot_query
from core.models import ChannelKind, Delivery, DeliveryStatus
from tests.bot.channels.conftest import Receiver, add_channel
from tests.core.test_camera_events import face, post, record, world

SECRET = "webhook-secret-0123"


async def channel_rows(storage: Storage) -> list[Delivery]:
    async with storage.services() as svc:
        rows = await svc.session.scalars(
            select(Delivery).where(Delivery.channel != "telegram").order_by(Delivery.id)
        )
        return list(rows)


async def raise_alert(storage: Storage) -> int:
    w = await world(storage)
    event = await post(storage, str(w["token"]), direction="in")
    [alert] = await record(storage, event, face(w["template"]))
    return alert.id


async def test_an_alert_is_one_delivery_per_matching_channel_and_never_twice(
    storage: Storage, rendered: list[object], receiver: Receiver
) -> None:
    url = receiver.url()
    w = await world(storage)
    hook = await add_channel(storage, "all", ChannelKind.WEBHOOK, url, secret=SECRET)
    g1 = await add_channel(storage, "g1", ChannelKind.WECOM, url + "?key=k", grid="G1")
    await add_channel(storage, "g2", ChannelKind.DINGTALK, url, grid="G2")
    await add_channel(storage, "urgent", ChannelKind.FEISHU, url, min_severity="critical")
    event = await post(storage, str(w["token"]), direction="in")
    [alert] = await record(storage, event, face(w["template"]))
    again = await post(storage, str(w["token"]))
    [folded] = await record(storage, again, face(w["template"]))  # a later sighting
    assert folded.id == alert.id
    rows = await channel_rows(storage)
    assert [(r.channel, r.chat_id, r.kind) for r in rows] == [
        ("webhook", hook, "alert"),
        ("wecom", g1, "alert"),
    ]
    facts = rows[0].payload["facts"]
    assert facts["alert_id"] == alert.id
    assert (facts["subject"], facts["list"], facts["camera"]) == ("张三", "重点人员", "北门")
    assert facts["severity"] == "high"
    async with storage.services() as svc:  # the Telegram outbox never picks them up
        assert all(d.channel == "telegram" for d in await svc.outbox.due(50))


async def test_the_webhook_gets_signed_json_and_a_2xx_ends_it(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    await add_channel(storage, "hook", ChannelKind.WEBHOOK, receiver.url(), secret=SECRET)
    alert_id = await raise_alert(storage)
    receiver.answers.append((200, {"ok": True}, {}))
    assert await sender.drain() == 1
    [call] = receiver.calls
    expected = "sha256=" + hmac.new(SECRET.encode(), call.body, hashlib.sha256).hexdigest()
    assert call.headers["X-SafeCommunity-Signature"] == expected
    [row] = await channel_rows(storage)
    assert call.headers["X-SafeCommunity-Delivery"] == str(row.id)
    body = call.json()
    assert set(body) == {
        "kind",
        "alert_id",
        "alert_kind",
        "verify",
        "severity",
        "subject",
        "list",
        "camera",
        "time",
        "band",
        "score",
        "text",
        "snapshot_url",
    }
    assert body["kind"] == "alert"
    assert (body["alert_id"], body["subject"], body["band"]) == (alert_id, "张三", "match")
    assert body["score"] == 0.3
    assert datetime.fromisoformat(body["time"]).tzinfo is not None
    assert body["text"] == "🚨 Person of interest\n张三 & co\n📷 北门"
    assert urlsplit(body["snapshot_url"]).path == f"/channels/snapshots/{alert_id}"
    assert row.status is DeliveryStatus.SENT
    assert await sender.drain() == 0  # sent once, never again
    assert len(receiver.calls) == 1


async def test_errors_retry_with_back_off_and_throttling_waits_without_failing(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    await add_channel(storage, "hook", ChannelKind.WEBHOOK, receiver.url(), secret=SECRET)
    await raise_alert(storage)
    receiver.answers.append((503, {"busy": True}, {}))
    assert await sender.drain() == 0
    [row] = await channel_rows(storage)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 1)
    assert "HTTP 503" in row.last_error
    await due_now(storage, row.id)
    receiver.answers.append((429, {"slow": "down"}, {"Retry-After": "30"}))
    assert await sender.drain() == 0
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.PENDING
    assert row.next_attempt_at - datetime.now(UTC) > timedelta(seconds=25)
    await due_now(storage, row.id)
    assert await sender.drain() == 0  # the robot said 30 s: nothing is posted before
    assert len(receiver.calls) == 2
    sender.limiter = type(sender.limiter)()  # … and after them it is
    await due_now(storage, row.id)
    assert await sender.drain() == 1
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.SENT


async def due_now(storage: Storage, delivery_id: int) -> None:
    async with storage.services() as svc:
        row = await svc.session.get(Delivery, delivery_id)
        assert row is not None
        row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)


async def test_a_bad_request_fails_for_the_record(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    await add_channel(storage, "hook", ChannelKind.WEBHOOK, receiver.url(), secret=SECRET)
    await raise_alert(storage)
    receiver.answers.append((401, {"error": "bad signature"}, {}))
    await sender.drain()
    [row] = await channel_rows(storage)
    assert row.status is DeliveryStatus.FAILED


async def test_the_snapshot_link_serves_the_picture_only_while_valid(
    storage: Storage, rendered: list[object], receiver: Receiver, sender: ChannelSender
) -> None:
    await add_channel(storage, "hook", ChannelKind.WEBHOOK, receiver.url(), secret=SECRET)
    alert_id = await raise_alert(storage)
    await sender.drain()
    link = urlsplit(receiver.calls[0].json()["snapshot_url"])
    query = {k: v[0] for k, v in parse_qs(link.query).items()}
    async with storage.services() as svc:
        expected = await svc.channels.snapshot(alert_id)
    app = web.Application()
    app[DEPS] = sender.deps
    app.router.add_get("/channels/snapshots/{alert_id}", channel_snapshot)
    vault = storage.services.context.vault
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        valid = await client.get(f"{link.path}?{link.query}")
        assert valid.status == 200
        assert await valid.read() == expected
        assert valid.headers["Cache-Control"] == "private, no-store"
        tampered = await client.get(f"{link.path}?e={query['e']}&s=A{query['s'][1:]}")
        assert tampered.status == 403
        other = await client.get(f"/channels/snapshots/{alert_id + 1}?{link.query}")
        assert other.status == 403  # the signature covers the alert id
        longer = await client.get(f"{link.path}?e={int(query['e']) + 60}&s={query['s']}")
        assert longer.status == 403  # … and the expiry
        past = int((datetime.now(UTC) - timedelta(minutes=1)).timestamp())
        expired = await client.get(f"{link.path}?{snapshot_query(vault, alert_id, past)}")
        assert expired.status == 403
        assert json.loads(await expired.text())["error"] == "invalid or expired link"
