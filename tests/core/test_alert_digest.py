"""A guard group past Telegram's ~20 messages a minute gets a digest of lower-severity alerts;
missing persons and key persons are never folded (a burst through the outbox)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.bootstrap import Storage
from core.models import Alert, AlertKind, Delivery, DeliveryStatus, WatchlistKind
from core.sightings import Observation, PlateSighting
from tests.core.notices import Told
from tests.core.test_camera_events import SYSTEM, face, post, record, world


async def burst(storage: Storage, w: dict[str, int | str], plates: int) -> None:
    async with storage.services() as svc:
        [vehicles] = [
            wl for wl in await svc.watchlists.lists(SYSTEM) if wl.kind is WatchlistKind.VEHICLES
        ]
        for n in range(plates):
            await svc.watchlists.add_plate(
                SYSTEM, vehicles.id, f"浙B{n:05d}", reason="布控", authority="协查"
            )
    for n in range(plates):
        event = await post(storage, str(w["token"]), plate=f"浙B{n:05d}")
        await record(storage, event, Observation(plate=PlateSighting(f"浙B{n:05d}", "camera")))
    # The key person comes last, behind the burst of vehicles.
    await record(storage, await post(storage, str(w["token"])), face(w["template"]))


async def deliveries(storage: Storage, chat_id: int) -> list[tuple[Delivery, Alert | None]]:
    async with storage.services() as svc:
        rows = await svc.session.execute(
            select(Delivery, Alert)
            .outerjoin(Alert, Alert.id == Delivery.alert_id)
            .where(Delivery.chat_id == chat_id)
            .order_by(Delivery.id)
        )
        return [(d, a) for d, a in rows]


async def test_a_burst_is_folded_into_one_digest_key_persons_first(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    await burst(storage, w, 25)  # 25 vehicles + 1 key person for group -100
    async with storage.services() as svc:
        assert await svc.alerts.fold_saturated(20) == 7
    rows = await deliveries(storage, -100)
    pending = [(d, a) for d, a in rows if d.status is DeliveryStatus.PENDING and a is not None]
    folded = [(d, a) for d, a in rows if d.status is DeliveryStatus.FOLDED]
    digests = [d for d, _ in rows if d.kind == "alert.digest"]
    assert len(pending) == 19  # with the digest: 20 messages this minute
    assert any(a.kind is AlertKind.PERSON_OF_INTEREST for _, a in pending if a)
    assert len(folded) == 7
    assert all(a is not None and a.kind is AlertKind.WATCHED_VEHICLE for _, a in folded)
    # The oldest vehicles are kept; the newest are folded.
    assert max(d.id for d, _ in pending if _ and _.kind is AlertKind.WATCHED_VEHICLE) < min(
        d.id for d, _ in folded
    )
    [digest] = digests
    [(notice, recipient)] = [(n, r) for n, r in told if n.kind == "alert.digest"]
    assert recipient.chat_id == -100
    assert sorted(v.id for v in notice.params["views"]) == sorted(
        a.id for _, a in folded if a is not None
    )
    assert digest.status is DeliveryStatus.PENDING
    # Folded alerts stay open (🚨) and a later change does not try to edit a message never sent.
    async with storage.services() as svc:
        assert await svc.alerts.fold_saturated(20) == 0  # nothing more to fold
        guard = await svc.members.add(SYSTEM, telegram_id=555, role="guard", name="李保安")
    from core.services import actor_for

    first_folded = folded[0][1]
    assert first_folded is not None
    async with storage.services() as svc:
        await svc.alerts.act(actor_for(guard), first_folded.id, "ack")
        edits = await svc.session.scalars(
            select(Delivery).where(
                Delivery.kind == "alert.edit", Delivery.alert_id == first_folded.id
            )
        )
        assert list(edits) == []


async def test_messages_sent_this_minute_count_and_a_quiet_group_is_left_alone(
    storage: Storage, told: Told
) -> None:
    w = await world(storage)
    await burst(storage, w, 5)
    async with storage.services() as svc:
        assert await svc.alerts.fold_saturated(20) == 0  # 6 fit easily
        # 15 messages went to the group in the last minute: room for 5, so 6 do not fit.
        for n in range(15):
            svc.session.add(
                Delivery(
                    chat_id=-100,
                    kind="message",
                    payload={"text": str(n)},
                    status=DeliveryStatus.SENT,
                    sent_at=datetime.now(UTC) - timedelta(seconds=30),
                )
            )
    async with storage.services() as svc:
        assert await svc.alerts.fold_saturated(20) == 2  # 4 kept + the digest = 5
    rows = await deliveries(storage, -200)
    assert rows == []  # the other grid's group was not involved
