"""Camera events: what a camera posted, stored before anything is done with it (the queue)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow


class EventStatus(enum.StrEnum):
    QUEUED = "queued"  # accepted and stored; not processed yet (or to be retried)
    DONE = "done"  # its passage, alerts and deliveries are written
    FAILED = "failed"  # given up after repeated errors; kept for the record


class CameraEvent(Base):
    """One snapshot a camera posted; becomes a passage (and alerts) when processed."""

    __tablename__ = "camera_events"
    __table_args__ = (
        UniqueConstraint("camera_id", "idempotency_key"),
        # The frames of a passage are looked up by track, or by time for cameras without.
        Index("ix_camera_events_camera_track", "camera_id", "track_id"),
        Index("ix_camera_events_camera_captured", "camera_id", "captured_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(ForeignKey("cameras.id"), index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(120))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    direction: Mapped[str] = mapped_column(String(8), default="")
    track_id: Mapped[str] = mapped_column(String(64), default="")
    plate_text: Mapped[str | None] = mapped_column(String(16))
    image_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    face_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    plate_image_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))  # a plate crop
    # What the device said beyond the fields above (plate colour, confidences, its event id…)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=dict)
    status: Mapped[EventStatus] = mapped_column(
        StrEnumType(EventStatus), default=EventStatus.QUEUED, index=True
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    passage_id: Mapped[int | None] = mapped_column(ForeignKey("passages.id"))
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
