"""Community → grids → buildings → houses."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow
from core.models.enums import HouseKind, RiskColour

if TYPE_CHECKING:
    from core.models.members import Member
    from core.models.people import Person, Residency


class Community(Base):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(255), default="")

    grids: Mapped[list[Grid]] = relationship(back_populates="community")


class Grid(Base):
    """网格: a sub-area with its own cadres, cameras and staff group."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    community: Mapped[Community] = relationship(back_populates="grids")
    buildings: Mapped[list[Building]] = relationship(back_populates="grid")


class Building(Base):
    __tablename__ = "buildings"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(255), default="")

    grid: Mapped[Grid] = relationship(back_populates="buildings")
    houses: Mapped[list[House]] = relationship(back_populates="building")


class House(Base):
    """实有房屋: one dwelling with a standard address; rental houses carry a QR card."""

    __tablename__ = "houses"

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    standard_address: Mapped[str] = mapped_column(String(255))
    kind: Mapped[HouseKind] = mapped_column(StrEnumType(HouseKind), default=HouseKind.RENTAL)
    risk_colour: Mapped[RiskColour] = mapped_column(
        StrEnumType(RiskColour), default=RiskColour.GREEN
    )
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    cadre_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    # The card token is an HMAC over (house id, card version); bumping the version revokes it.
    card_version: Mapped[int] = mapped_column(Integer, default=1)
    card_token: Mapped[str | None] = mapped_column(String(80), unique=True)
    last_visit_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    building: Mapped[Building] = relationship(back_populates="houses")
    grid: Mapped[Grid] = relationship()
    landlord: Mapped[Person | None] = relationship(foreign_keys=[landlord_id])
    cadre: Mapped[Member | None] = relationship(foreign_keys=[cadre_id])
    residencies: Mapped[list[Residency]] = relationship(back_populates="house")
