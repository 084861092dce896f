"""Who uses the bot: members, group chats, invitations; the audit log; persisted bot state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow
from core.models.enums import GroupRole, Role
from core.models.places import Grid


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    name: Mapped[str] = mapped_column(String(80))
    role: Mapped[Role] = mapped_column(StrEnumType(Role))
    phone: Mapped[str] = mapped_column(String(40), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


group_chat_grids = Table(
    "group_chat_grids",
    Base.metadata,
    Column("group_chat_id", ForeignKey("group_chats.id", ondelete="CASCADE"), primary_key=True),
    Column("grid_id", ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True),
)


class GroupChat(Base):
    """A guard or staff group; with no grids it serves the whole community."""

    __tablename__ = "group_chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    title: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[GroupRole] = mapped_column(StrEnumType(GroupRole))
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    grids: Mapped[list[Grid]] = relationship(secondary=group_chat_grids)


class Invitation(Base):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(StrEnumType(Role))
    name: Mapped[str] = mapped_column(String(80), default="")
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AuditEntry(Base):
    """审计日志: who read or changed personal data, when, and in which flow."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    flow: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class BotState(Base):
    """PTB persistence (user/chat/bot data, conversations, callback data) as JSON rows."""

    __tablename__ = "bot_state"

    namespace: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


__all__ = ["AuditEntry", "BotState", "GroupChat", "Invitation", "Member"]
