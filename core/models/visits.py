"""Cadres' visits to houses and the photos stored along the way."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow
from core.models.enums import PhotoKind, VisitStatus


class Visit(Base):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    cadre_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    assigned: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[VisitStatus] = mapped_column(
        StrEnumType(VisitStatus), default=VisitStatus.IN_PROGRESS
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    photographed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    steps: Mapped[list[Any]] = mapped_column(JSON, default=list)


class StoredPhoto(Base):
    """A photo file under the data dir; the row says what it shows and whose it is.

    The file is sealed with the vault under the key version `key_id` (None: a file from
    before pictures were encrypted, converted at the next start). `sha256` holds the keyed
    hash of the picture that names the file (a plain hash would identify a known picture).
    """

    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PhotoKind] = mapped_column(StrEnumType(PhotoKind))
    path: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(64), default="image/jpeg")
    size: Mapped[int] = mapped_column(Integer, default=0)
    key_id: Mapped[str | None] = mapped_column(String(16), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    house_id: Mapped[int | None] = mapped_column(ForeignKey("houses.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
