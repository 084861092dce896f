"""The cadre's visit (入户走访): open a house by its card, then write everything in one go.

The bot keeps the visit's draft (what the cadre checked, added and photographed) until the
cadre confirms; only then `commit` writes it, in the caller's single unit of work: residents
confirmed (with a fresh face photo, one more template), moved out or corrected, new residents
with their photos and face templates (and their place on the residents list for the gate
cameras), the house's photos and the visit log.
Personal data that has to sit in the draft meanwhile is sealed with `seal`.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.errors import InvalidInput, InvalidToken, NotFound
from core.models import (
    FaceTemplate,
    House,
    Member,
    PhotoKind,
    Residency,
    ResidencyStatus,
    Visit,
    VisitStatus,
)
from core.roles import Actor, Permission
from core.services.base import Service
from core.services.face_templates import FaceEnrolment, TemplateAdded
from core.services.visit_plan import (
    FaceOwner,
    HouseSheet,
    NewResident,
    PhotoUpload,
    ResidentAction,
    ResidentCheck,
    VisitOutcome,
    VisitPlan,
)

FLOW = "visit"
DRAFT_CONTEXT = "visit.draft"
COUNTED_AS = {  # the outcome's count each check adds to
    ResidentAction.STAYS: "confirmed",
    ResidentAction.MOVED_OUT: "moved_out",
    ResidentAction.CORRECTED: "corrected",
}


class VisitService(Service):
    # --- opening a house -------------------------------------------------------------------

    async def open_by_token(self, actor: Actor, token: str) -> HouseSheet:
        """The house of a scanned card; InvalidToken when forged, revoked or malformed."""
        actor.require(Permission.VISIT_HOUSES)
        house = await self.uow.houses.resolve_card(token)
        return await self.sheet(actor, house.id)

    async def open_by_code(self, actor: Actor, code: str) -> HouseSheet:
        actor.require(Permission.VISIT_HOUSES)
        house = await self.uow.houses.by_code(actor, code)
        return await self.sheet(actor, house.id)

    async def sheet(self, actor: Actor, house_id: int) -> HouseSheet:
        """The house with its landlord, current residents and last visit (reads are audited)."""
        actor.require(Permission.VISIT_HOUSES)
        house = await self._house(house_id)
        landlord = None
        if house.landlord_id is not None:
            landlord = await self.uow.persons.get(actor, house.landlord_id, flow=FLOW)
        residents = await self.uow.persons.residents_of(actor, house.id, flow=FLOW)
        cadre = await self.session.get(Member, house.cadre_id) if house.cadre_id else None
        last = await self.session.scalar(
            select(Visit)
            .where(Visit.house_id == house.id, Visit.status == VisitStatus.COMPLETED)
            .order_by(Visit.finished_at.desc())
            .limit(1)
        )
        last_by = await self.session.get(Member, last.cadre_id) if last else None
        await self.session.refresh(house, ["grid"])
        return HouseSheet(
            house_id=house.id,
            code=house.code,
            address=house.standard_address,
            grid_code=house.grid.code,
            risk_colour=house.risk_colour.value,
            landlord=landlord,
            cadre_name=cadre.name if cadre else "",
            residents=tuple(residents),
            last_visit_at=last.finished_at if last else house.last_visit_at,
            last_visit_by=last_by.name if last_by else "",
            assigned_to_actor=house.cadre_id is not None and house.cadre_id == actor.member_id,
        )

    # --- looking people up while the draft grows ---------------------------------------------

    async def face_owner(self, actor: Actor, template_id: int) -> FaceOwner:
        """The person behind an enrolled face template, with their current addresses."""
        actor.require(Permission.VISIT_HOUSES)
        template = await self.session.get(FaceTemplate, template_id)
        if template is None:
            raise NotFound("face_template", id=template_id)
        person = await self.uow.persons.get(actor, template.person_id, flow=FLOW)
        rows = await self.session.scalars(
            select(House.standard_address)
            .join(Residency, Residency.house_id == House.id)
            .where(
                Residency.person_id == template.person_id,
                Residency.status == ResidencyStatus.ACTIVE,
            )
        )
        return FaceOwner(person, template.photo_id, tuple(rows))

    async def template_person(self, actor: Actor, template_id: int) -> int | None:
        """The id of the person an enrolled face template belongs to (None: gone since); no
        personal data is read, so a resident's photo matching their own face is not a read."""
        actor.require(Permission.VISIT_HOUSES)
        return await self.session.scalar(
            select(FaceTemplate.person_id).where(FaceTemplate.id == template_id)
        )

    def seal(self, value: str) -> str:
        """Encrypt personal data that must wait in the bot's draft (persisted as JSON)."""
        blob = self.context.vault.encrypt(value, context=DRAFT_CONTEXT)
        return base64.urlsafe_b64encode(blob).decode()

    def unseal(self, sealed: str) -> str:
        return self.context.vault.decrypt(base64.urlsafe_b64decode(sealed), context=DRAFT_CONTEXT)

    # --- the upload ---------------------------------------------------------------------------

    async def commit(self, actor: Actor, plan: VisitPlan) -> VisitOutcome:
        """Write the whole visit; any error leaves nothing written (the caller rolls back)."""
        actor.require(Permission.VISIT_HOUSES)
        if actor.member_id is None:
            raise InvalidInput("visit_needs_member")
        house = await self._house(plan.house_id)
        now = self.now()
        assigned = house.cadre_id == actor.member_id
        visit = Visit(
            house_id=house.id,
            cadre_id=actor.member_id,
            assigned=assigned,
            status=VisitStatus.COMPLETED,
            started_at=min(plan.started_at, now),
            finished_at=now,
            steps=list(plan.steps),
        )
        self.session.add(visit)
        await self.session.flush()
        counts = dict.fromkeys(
            ("confirmed", "corrected", "moved_out", "added", "photos", "refreshed"), 0
        )
        verified: dict[str, Any] = {}
        enrolled: list[tuple[int, bytes]] = []
        dropped: list[int] = []
        for check in plan.checks:
            record, refreshed = await self._apply_check(actor, house, visit, check, now)
            verified[str(check.residency_id)] = record
            counts[COUNTED_AS[check.action]] += 1
            if refreshed is not None:
                enrolled.append((refreshed.template_id, refreshed.embedding))
                dropped += refreshed.dropped
                counts["photos"] += 1
                counts["refreshed"] += 1
        added: list[dict[str, Any]] = []
        for resident in plan.new_residents:
            record, template = await self._add_resident(actor, house, visit, resident)
            added.append(record)
            counts["photos"] += len(resident.photos) + (resident.face is not None)
            if template is not None:
                enrolled.append((template.template_id, template.embedding))
                dropped += template.dropped
        for upload in plan.house_photos:
            await self.uow.photos.store(
                actor, upload.kind, upload.data, house_id=house.id, visit_id=visit.id
            )
            counts["photos"] += 1
        counts["added"] = len(added)
        visit.verified, visit.changed = verified, {"added": added}
        visit.photographed = {"count": counts["photos"]}
        house.last_visit_at = now
        await self.uow.audit.record(
            actor, "visit", "house", house.id, flow=FLOW, visit_id=visit.id, assigned=assigned
        )
        # A template enrolled earlier in this visit may be dropped by a later one.
        kept = tuple(pair for pair in enrolled if pair[0] not in dropped)
        return VisitOutcome(visit.id, assigned, enrolled=kept, dropped=tuple(dropped), **counts)

    async def _apply_check(
        self, actor: Actor, house: House, visit: Visit, check: ResidentCheck, now: datetime
    ) -> tuple[dict[str, Any], TemplateAdded | None]:
        """The check's record for the visit log, and the template of a fresh face photo."""
        residency = await self.session.get(Residency, check.residency_id)
        if (
            residency is None
            or residency.house_id != house.id
            or residency.status is not ResidencyStatus.ACTIVE
        ):
            raise InvalidInput("residency", id=check.residency_id)
        if check.face is not None and check.action is ResidentAction.MOVED_OUT:
            raise InvalidInput("face_of_moved_out", id=check.residency_id)  # not a resident now
        record = await self._record_check(actor, residency, check, now)
        if check.face is None:
            return record, None
        template = await self._enrol_face(actor, residency.person_id, house, visit, check.face)
        return {**record, "face": True}, template

    async def _record_check(
        self, actor: Actor, residency: Residency, check: ResidentCheck, now: datetime
    ) -> dict[str, Any]:
        if check.action is ResidentAction.MOVED_OUT:
            moved_out = check.moved_out or now.astimezone(self.context.zone).date()
            if residency.moved_in is not None and moved_out < residency.moved_in:
                raise InvalidInput("moved_out_before_moved_in", id=check.residency_id)
            await self.uow.persons.move_out(actor, residency.id, moved_out, flow=FLOW)
            return {"action": "moved_out", "date": moved_out.isoformat()}
        if check.action is ResidentAction.CORRECTED:
            await self.uow.persons.update(
                actor,
                residency.person_id,
                name=check.name,
                phone=check.phone,
                kind=check.kind,
                id_number=check.id_number,
                flow=FLOW,
            )
            fields = [
                name
                for name, value in (
                    ("name", check.name),
                    ("phone", check.phone),
                    ("kind", check.kind),
                    ("id_number", check.id_number),
                )
                if value is not None
            ]
            return {"action": "corrected", "fields": fields}
        return {"action": "stays"}

    async def _add_resident(
        self, actor: Actor, house: House, visit: Visit, resident: NewResident
    ) -> tuple[dict[str, Any], TemplateAdded | None]:
        persons = self.uow.persons
        person_id = resident.existing_person_id
        if person_id is None and resident.id_number:
            found = await persons.find_by_id_number(actor, resident.id_number, flow=FLOW)
            person_id = found.id if found else None
        if person_id is None:  # a new person: `add` refuses an empty or overlong name
            view = await persons.add(
                actor,
                name=resident.name,
                id_number=resident.id_number,
                phone=resident.phone,
                kind=resident.kind,
                flow=FLOW,
            )
            person_id, created = view.id, True
        else:
            await persons.get(actor, person_id, flow=FLOW)  # exists, and the read is audited
            created = False
        if not await persons.lives_in(person_id, house.id):
            await persons.add_residency(
                actor,
                person_id=person_id,
                house_id=house.id,
                role=resident.role,
                relation=resident.relation,
                moved_in=resident.moved_in,
                flow=FLOW,
            )
        for upload in resident.photos:
            await self.uow.photos.store(
                actor,
                upload.kind,
                upload.data,
                person_id=person_id,
                house_id=house.id,
                visit_id=visit.id,
            )
        template = None
        if resident.face is not None:
            template = await self._enrol_face(actor, person_id, house, visit, resident.face)
        record = {"person_id": person_id, "created": created, "photos": len(resident.photos)}
        return record, template

    async def _enrol_face(
        self, actor: Actor, person_id: int, house: House, visit: Visit, face: FaceEnrolment
    ) -> TemplateAdded:
        photo = await self.uow.photos.store(
            actor,
            PhotoKind.FACE,
            face.data,
            person_id=person_id,
            house_id=house.id,
            visit_id=visit.id,
        )
        added = await self.uow.persons.add_template(actor, person_id, face, photo.id, flow=FLOW)
        await self.uow.watchlists.enrol_resident(actor, person_id)
        return added

    async def _house(self, house_id: int) -> House:
        house = await self.session.get(House, house_id)
        if house is None:
            raise NotFound("house", id=house_id)
        return house


__all__ = [
    "FaceEnrolment",
    "FaceOwner",
    "HouseSheet",
    "InvalidToken",
    "NewResident",
    "PhotoUpload",
    "ResidentAction",
    "ResidentCheck",
    "VisitOutcome",
    "VisitPlan",
    "VisitService",
]
