"""Cameras, watchlists, passages, alert rules, alerts and verdicts, the outbox, visitors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow
from core.models.enums import (
    AlertKind,
    AlertStatus,
    CameraKind,
    CameraSource,
    DeliveryStatus,
    MatchBand,
    WatchlistKind,
)


class Camera(Base):
    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[CameraKind] = mapped_column(StrEnumType(CameraKind))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    defence_layer: Mapped[int] = mapped_column(Integer, default=1)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    source: Mapped[CameraSource] = mapped_column(
        StrEnumType(CameraSource), default=CameraSource.HTTP, server_default="http"
    )
    # Frigate's name for this camera (``front_door``); unique among Frigate cameras.
    external_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Set when the camera was reported silent to its grid's staff; cleared (and reported)
    # when it is heard from again.
    offline_since: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Watchlist(Base):
    __tablename__ = "watchlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[WatchlistKind] = mapped_column(StrEnumType(WatchlistKind))
    name: Mapped[str] = mapped_column(String(120))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WatchlistEntry(Base):
    """A person (matched by their face templates) or a plate on a watchlist."""

    __tablename__ = "watchlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    watchlist_id: Mapped[int] = mapped_column(ForeignKey("watchlists.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    plate: Mapped[str | None] = mapped_column(String(16), index=True)
    note: Mapped[str] = mapped_column(Text, default="")  # the reason it is on the list
    authority: Mapped[str] = mapped_column(String(120), default="")  # e.g. a police request no.
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Who added it as shown to people (a member's name, or "cli" for the operator).
    added_by: Mapped[str] = mapped_column(String(120), default="")
    # Ended early (removed, or a missing person found): it stops matching at once.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    end_reason: Mapped[str] = mapped_column(String(16), default="")
    # When the row and the face data it alone needed are deleted (None: at valid_until).
    purge_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class Passage(Base):
    """通行记录: one person or vehicle seen passing a camera."""

    __tablename__ = "passages"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    plate: Mapped[str | None] = mapped_column(String(16), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[MatchBand | None] = mapped_column(StrEnumType(MatchBand))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    direction: Mapped[str] = mapped_column(String(8), default="")
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AlertRule(Base):
    __tablename__ = "alert_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(StrEnumType(AlertKind))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    watchlist_id: Mapped[int | None] = mapped_column(ForeignKey("watchlists.id"))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cooldown_seconds: Mapped[int] = mapped_column(Integer, default=300)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AlertKind] = mapped_column(StrEnumType(AlertKind))
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("alert_rules.id"))
    camera_id: Mapped[str | None] = mapped_column(ForeignKey("cameras.id"))
    passage_id: Mapped[int | None] = mapped_column(ForeignKey("passages.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    plate: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    band: Mapped[MatchBand | None] = mapped_column(StrEnumType(MatchBand))
    snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    status: Mapped[AlertStatus] = mapped_column(StrEnumType(AlertStatus), default=AlertStatus.OPEN)
    dedup_key: Mapped[str] = mapped_column(String(120), default="", index=True)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Sightings folded into this alert during its rule's cool-down, and the latest one.
    sightings: Mapped[int] = mapped_column(Integer, default=1)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verify: Mapped[bool] = mapped_column(Boolean, default=False)  # possible band: "please verify"
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("watchlist_entries.id"))
    note: Mapped[str] = mapped_column(Text, default="")  # the dispatching guard's note


class AlertVerdict(Base):
    """A guard's verdict on a "please verify" alert: the face is that person, or is not.

    "Not this person" keeps that person's look-alike at that camera quiet until `quiet_until`;
    both verdicts are shown on later alerts for the person.
    """

    __tablename__ = "alert_verdicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    camera_id: Mapped[str | None] = mapped_column(ForeignKey("cameras.id"))
    same: Mapped[bool] = mapped_column(Boolean)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    quiet_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class StrangerSighting(Base):
    """An unknown face seen by a camera, under a short-lived key that the camera worker gives
    faces that look alike: the stranger rule counts passages per key. Kept a day at most."""

    __tablename__ = "stranger_sightings"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), index=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"))
    passage_id: Mapped[int | None] = mapped_column(ForeignKey("passages.id"))
    track: Mapped[str] = mapped_column(String(80), default="")  # one passage: counted once
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class Delivery(Base):
    """Outbox: one row per message to send; stored before sending, retried until sent."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), default="telegram", index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    house_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("house_messages.id"), index=True
    )
    # What the message is about ("overdue", "escalation", "house_message", …) and, when set,
    # a key that makes enqueueing the same message twice a no-op (a job that ran twice).
    kind: Mapped[str] = mapped_column(String(32), default="message")
    dedup_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(
        StrEnumType(DeliveryStatus), default=DeliveryStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Visitor(Base):
    __tablename__ = "visitors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    phone_encrypted: Mapped[bytes | None] = mapped_column()
    phone_masked: Mapped[str | None] = mapped_column(String(24))
    host_house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    plate: Mapped[str | None] = mapped_column(String(16))
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class CameraRawEvent(Base):
    """A pushed event we do not act on (an unknown type): kept as sent, and counted."""

    __tablename__ = "camera_raw_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    content_type: Mapped[str] = mapped_column(String(120), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # the text parts (pictures dropped)
