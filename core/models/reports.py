"""Residents' reports (事件上报) with their status history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow
from core.models.enums import ReportCategory, ReportStatus


class Report(Base):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ReportCategory] = mapped_column(StrEnumType(ReportCategory))
    text: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    location_text: Mapped[str] = mapped_column(String(255), default="")
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ReportStatus] = mapped_column(
        StrEnumType(ReportStatus), default=ReportStatus.NEW
    )
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    house_id: Mapped[int | None] = mapped_column(ForeignKey("houses.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    history: Mapped[list[ReportStatusChange]] = relationship(
        back_populates="report", order_by="ReportStatusChange.id"
    )


class ReportStatusChange(Base):
    __tablename__ = "report_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    status: Mapped[ReportStatus] = mapped_column(StrEnumType(ReportStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    report: Mapped[Report] = relationship(back_populates="history")


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
