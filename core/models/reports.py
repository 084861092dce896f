"""Residents' reports (事件上报) with their status history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow
from core.models.enums import HazardKind, ReportCategory, ReportClosure, ReportStatus


class Report(Base):
    """A report (事件上报) by a member or a tenant holding a house card.

    The reporter is a member (`reporter_id`) or only a Telegram account (a tenant): either
    way `reporter_telegram_id` and `reporter_locale` say where its updates go. `anonymous`
    hides the reporter from staff, never from the updates.
    """

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ReportCategory] = mapped_column(StrEnumType(ReportCategory))
    hazard: Mapped[HazardKind | None] = mapped_column(StrEnumType(HazardKind))
    text: Mapped[str] = mapped_column(Text)
    # Not written any more: the voice note is stored sealed (PhotoKind.REPORT_VOICE). Kept
    # until the next migration so that the branches' join migration stays as it is.
    audio_file_id: Mapped[str | None] = mapped_column(String(255))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_text: Mapped[str] = mapped_column(String(255), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ReportStatus] = mapped_column(
        StrEnumType(ReportStatus), default=ReportStatus.NEW, index=True
    )
    closure: Mapped[ReportClosure | None] = mapped_column(StrEnumType(ReportClosure))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    referred_to: Mapped[str] = mapped_column(String(120), default="")
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    reporter_telegram_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    reporter_locale: Mapped[str | None] = mapped_column(String(8))
    reporter_name: Mapped[str] = mapped_column(String(80), default="")
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    house_id: Mapped[int | None] = mapped_column(ForeignKey("houses.id"))
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The questionnaire after resolution: asked once, answered once.
    fixed: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str] = mapped_column(Text, default="")
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)

    history: Mapped[list[ReportStatusChange]] = relationship(
        back_populates="report", order_by="ReportStatusChange.id"
    )


class ReportStatusChange(Base):
    """One step of a report's history: what happened (`event`), the status after it, a note."""

    __tablename__ = "report_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    event: Mapped[str] = mapped_column(String(32), default="")
    status: Mapped[ReportStatus] = mapped_column(StrEnumType(ReportStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report: Mapped[Report] = relationship(back_populates="history")


class ReportFollower(Base):
    """Someone who follows a report they did not file (a similar report's reporter)."""

    __tablename__ = "report_followers"
    __table_args__ = (UniqueConstraint("report_id", "telegram_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HouseMessage(Base):
    """A tenant's message sent from a house card to the grid's staff, and the staff's answer.

    The tenant need not be a member: they are known only by their Telegram id and name.
    """

    __tablename__ = "house_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    sender_telegram_id: Mapped[int] = mapped_column(BigInteger, index=True)
    sender_name: Mapped[str] = mapped_column(String(80), default="")
    sender_locale: Mapped[str | None] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
