"""Persons (实有人口), their residencies and enrolled face templates."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, StrEnumType, UTCDateTime, utcnow
from core.models.enums import PersonKind, ResidencyRole, ResidencyStatus

if TYPE_CHECKING:
    from core.models.places import House


class Person(Base):
    """A person; the ID number and phone are stored only encrypted, with a keyed hash."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[PersonKind] = mapped_column(
        StrEnumType(PersonKind), default=PersonKind.REGISTERED
    )
    id_number_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    id_number_masked: Mapped[str | None] = mapped_column(String(24))
    phone_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_masked: Mapped[str | None] = mapped_column(String(24))
    notes: Mapped[str] = mapped_column(Text, default="")
    # Retention removed the pictures and face templates of a moved-out resident (record kept).
    pictures_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Erased on request (PIPL art. 47): personal fields gone, the fact and the reason kept.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erasure_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    residencies: Mapped[list[Residency]] = relationship(back_populates="person")
    face_templates: Mapped[list[FaceTemplate]] = relationship(back_populates="person")


class Residency(Base):
    __tablename__ = "residencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    house_id: Mapped[int] = mapped_column(ForeignKey("houses.id"), index=True)
    role: Mapped[ResidencyRole] = mapped_column(
        StrEnumType(ResidencyRole), default=ResidencyRole.TENANT
    )
    relation: Mapped[str] = mapped_column(String(40), default="")
    moved_in: Mapped[date | None] = mapped_column(Date)
    moved_out: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ResidencyStatus] = mapped_column(
        StrEnumType(ResidencyStatus), default=ResidencyStatus.ACTIVE
    )

    person: Mapped[Person] = relationship(back_populates="residencies")
    house: Mapped[House] = relationship(back_populates="residencies")


class FaceTemplate(Base):
    """One enrolled face embedding of a person, tied to the backend that produced it.

    `vector` is the float32 embedding sealed with the vault under key version `key_id`
    (None: a raw vector from before templates were encrypted, sealed at the next start).
    """

    __tablename__ = "face_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    backend: Mapped[str] = mapped_column(String(32))
    dimensions: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    key_id: Mapped[str | None] = mapped_column(String(16), index=True)
    quality: Mapped[float] = mapped_column(Float, default=0.0)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("photos.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    person: Mapped[Person] = relationship(back_populates="face_templates")
