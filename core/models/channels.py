"""Alert channels: group robots and webhooks outside Telegram (WeCom, DingTalk, Feishu, …)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow


class ChannelKind(enum.StrEnum):
    WEBHOOK = "webhook"  # our own JSON, signed with HMAC-SHA256
    WECOM = "wecom"  # 企业微信 group robot
    DINGTALK = "dingtalk"  # 钉钉 custom robot
    FEISHU = "feishu"  # 飞书 custom bot


class Channel(Base):
    """One robot or webhook alerts are posted to; its URL and secret are sealed (they are
    credentials: WeCom's key and DingTalk's token are in the URL)."""

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[ChannelKind] = mapped_column(StrEnumType(ChannelKind))
    url_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), index=True)
    # Alerts below this severity (core.channels.severity) are not posted here.
    min_severity: Mapped[int] = mapped_column(Integer, default=0)
    locale: Mapped[str | None] = mapped_column(String(16))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
