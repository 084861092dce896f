"""Persons and residencies. ID numbers and phones are encrypted; every access is audited.
Their face templates are in `core.services.face_templates`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import NotFound
from core.idnumber import mask_id_number, mask_phone, normalize_id_number, normalize_phone
from core.models import Person, PersonKind, Residency, ResidencyRole, ResidencyStatus
from core.roles import Actor, Permission
from core.services.face_templates import FaceTemplates
from core.text import clean_name

ID_CONTEXT = "person.id_number"
PHONE_CONTEXT = "person.phone"


@dataclass(frozen=True)
class PersonView:
    """What a screen may show of a person: masked personal data only."""

    id: int
    name: str
    kind: PersonKind
    id_number_masked: str | None
    phone_masked: str | None


@dataclass(frozen=True)
class ResidentView:
    person: PersonView
    residency_id: int
    role: ResidencyRole
    relation: str
    moved_in: date | None


def _view(person: Person) -> PersonView:
    return PersonView(
        id=person.id,
        name=person.name,
        kind=person.kind,
        id_number_masked=person.id_number_masked,
        phone_masked=person.phone_masked,
    )


class PersonService(FaceTemplates):
    """Persons, their residencies and (from `FaceTemplates`) their face templates."""

    async def add(
        self,
        actor: Actor,
        *,
        name: str,
        id_number: str | None = None,
        phone: str | None = None,
        kind: PersonKind = PersonKind.REGISTERED,
        flow: str = "",
    ) -> PersonView:
        actor.require(Permission.EDIT_PERSONS)
        person = Person(name=clean_name(name), kind=PersonKind(kind))
        person.created_at = person.updated_at = self.now()
        self._set_id_number(person, id_number)
        self._set_phone(person, phone)
        self.session.add(person)
        await self.session.flush()
        await self.uow.audit.record(actor, "create", "person", person.id, flow=flow)
        return _view(person)

    async def find_by_id_number(
        self, actor: Actor, id_number: str, *, flow: str = ""
    ) -> PersonView | None:
        actor.require(Permission.VIEW_PERSONS)
        value = normalize_id_number(id_number)
        # Every known key's hash: during a key rotation some rows still hold the old one.
        digests = self.context.vault.lookup_hashes(value, context=ID_CONTEXT)
        person = await self.session.scalar(
            select(Person).where(Person.id_number_hash.in_(digests)).limit(1)
        )
        await self.uow.audit.record(
            actor, "search", "person", person.id if person else "-", flow=flow
        )
        return _view(person) if person else None

    async def get(self, actor: Actor, person_id: int, *, flow: str = "") -> PersonView:
        actor.require(Permission.VIEW_PERSONS)
        person = await self._load(person_id)
        await self.uow.audit.record(actor, "read", "person", person.id, flow=flow)
        return _view(person)

    async def reveal_id_number(
        self, actor: Actor, person_id: int, *, flow: str = "", reason: str = ""
    ) -> str:
        """The full ID number, for roles that need it, on an explicit request; audited."""
        actor.require(Permission.REVEAL_ID_NUMBER)
        person = await self._load(person_id)
        extra = {"reason": reason} if reason else {}
        await self.uow.audit.record(
            actor, "reveal_id_number", "person", person.id, flow=flow, **extra
        )
        if person.id_number_encrypted is None:
            return ""
        return self.context.vault.decrypt(person.id_number_encrypted, context=ID_CONTEXT)

    async def update(
        self,
        actor: Actor,
        person_id: int,
        *,
        name: str | None = None,
        id_number: str | None = None,
        phone: str | None = None,
        kind: PersonKind | None = None,
        flow: str = "",
    ) -> PersonView:
        actor.require(Permission.EDIT_PERSONS)
        person = await self._load(person_id)
        changed: list[str] = []
        if name is not None:
            person.name = clean_name(name)
            changed.append("name")
        if id_number is not None:
            self._set_id_number(person, id_number)
            changed.append("id_number")
        if phone is not None:
            self._set_phone(person, phone)
            changed.append("phone")
        if kind is not None:
            person.kind = PersonKind(kind)
            changed.append("kind")
        person.updated_at = self.now()
        await self.uow.audit.record(
            actor, "update", "person", person.id, flow=flow, fields=changed
        )
        return _view(person)

    async def add_residency(
        self,
        actor: Actor,
        *,
        person_id: int,
        house_id: int,
        role: ResidencyRole = ResidencyRole.TENANT,
        relation: str = "",
        moved_in: date | None = None,
        flow: str = "",
    ) -> int:
        actor.require(Permission.EDIT_PERSONS)
        residency = Residency(
            person_id=person_id,
            house_id=house_id,
            role=ResidencyRole(role),
            relation=relation,
            moved_in=moved_in,
            status=ResidencyStatus.ACTIVE,
        )
        self.session.add(residency)
        await self.session.flush()
        await self.uow.audit.record(
            actor, "move_in", "person", person_id, flow=flow, house_id=house_id
        )
        return residency.id

    async def move_out(
        self, actor: Actor, residency_id: int, moved_out: date, *, flow: str = ""
    ) -> None:
        actor.require(Permission.EDIT_PERSONS)
        residency = await self.session.get(Residency, residency_id)
        if residency is None:
            raise NotFound("residency", id=residency_id)
        residency.moved_out, residency.status = moved_out, ResidencyStatus.MOVED_OUT
        await self.uow.audit.record(
            actor,
            "move_out",
            "person",
            residency.person_id,
            flow=flow,
            house_id=residency.house_id,
        )

    async def lives_in(self, person_id: int, house_id: int) -> bool:
        """Whether the person has an active residency in the house (no personal data read)."""
        found = await self.session.scalar(
            select(Residency.id).where(
                Residency.person_id == person_id,
                Residency.house_id == house_id,
                Residency.status == ResidencyStatus.ACTIVE,
            )
        )
        return found is not None

    async def residents_of(
        self, actor: Actor, house_id: int, *, flow: str = ""
    ) -> Sequence[ResidentView]:
        actor.require(Permission.VIEW_PERSONS)
        rows = await self.session.scalars(
            select(Residency)
            .where(Residency.house_id == house_id, Residency.status == ResidencyStatus.ACTIVE)
            .options(selectinload(Residency.person))
            .order_by(Residency.id)
        )
        residents = [
            ResidentView(_view(r.person), r.id, r.role, r.relation, r.moved_in) for r in rows
        ]
        for resident in residents:
            await self.uow.audit.record(
                actor, "read", "person", resident.person.id, flow=flow, house_id=house_id
            )
        return residents

    async def _load(self, person_id: int) -> Person:
        person = await self.session.get(Person, person_id)
        if person is None:
            raise NotFound("person", id=person_id)
        return person

    def _set_id_number(self, person: Person, id_number: str | None) -> None:
        if not id_number:
            person.id_number_encrypted = person.id_number_hash = person.id_number_masked = None
            return
        value = normalize_id_number(id_number)
        vault = self.context.vault
        person.id_number_encrypted = vault.encrypt(value, context=ID_CONTEXT)
        person.id_number_hash = vault.lookup_hash(value, context=ID_CONTEXT)
        person.id_number_masked = mask_id_number(value)

    def _set_phone(self, person: Person, phone: str | None) -> None:
        if not phone:
            person.phone_encrypted = person.phone_masked = None
            return
        value = normalize_phone(phone)
        person.phone_encrypted = self.context.vault.encrypt(value, context=PHONE_CONTEXT)
        person.phone_masked = mask_phone(value)
