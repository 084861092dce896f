"""A person's record for the police and admins: search, the record with masked fields, and
the full ID number or a picture revealed only for a stated reason (audited with it).

A search takes what an officer has at hand: a name (or part of it), a full ID number, its
last digits, a phone, or a plate. Nothing is decrypted in bulk: an ID suffix or a phone is
narrowed by the stored masks first (they keep the last four digits), and only those
candidates are opened to compare the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select

from core.errors import NotFound
from core.idnumber import mask_phone
from core.models import (
    Camera,
    FaceTemplate,
    House,
    Member,
    Passage,
    Person,
    Report,
    Residency,
    StoredPhoto,
    Visit,
    Visitor,
    Watchlist,
    WatchlistEntry,
)
from core.roles import Actor, Permission
from core.services.base import Service
from core.services.persons import ID_CONTEXT, PHONE_CONTEXT
from core.services.privacy.record_lines import (
    REASON_MAX,
    PassageLine,
    PersonMatch,
    PersonRecord,
    PictureLine,
    ReportLine,
    ResidencyLine,
    SearchKind,
    VisitLine,
    WatchLine,
    classify,
    latest_picture,
    match_of,
    stated_reason,
)

FLOW = "person_record"
SEARCH_LIMIT = 20
PASSAGE_DAYS = 30
LIST_LIMIT = 20


class PersonRecordService(Service):
    async def search(self, actor: Actor, query: str, *, flow: str = FLOW) -> list[PersonMatch]:
        """Persons matching `query` (at most SEARCH_LIMIT); the search is audited, not its
        text (the kind of query and the persons found are)."""
        actor.require(Permission.VIEW_PERSON_RECORDS)
        kind, value = classify(query)
        persons = await self._find(kind, value)
        await self.uow.audit.record(
            actor,
            "search",
            "person",
            persons[0].id if len(persons) == 1 else "-",
            flow=flow,
            query_kind=kind,
            found=[p.id for p in persons],
        )
        return [match_of(p) for p in persons]

    async def _find(self, kind: str, value: str) -> list[Person]:
        vault = self.context.vault
        if kind == SearchKind.ID_NUMBER:
            digests = vault.lookup_hashes(value, context=ID_CONTEXT)
            query = select(Person).where(Person.id_number_hash.in_(digests))
        elif kind == SearchKind.ID_SUFFIX:
            candidates = await self.session.scalars(
                select(Person).where(Person.id_number_masked.like(f"%{value[-4:]}"))
            )
            return [
                p
                for p in candidates
                if p.id_number_encrypted is not None
                and vault.decrypt(p.id_number_encrypted, context=ID_CONTEXT).endswith(value)
            ][:SEARCH_LIMIT]
        elif kind == SearchKind.PHONE:
            candidates = await self.session.scalars(
                select(Person).where(Person.phone_masked == mask_phone(value))
            )
            return [
                p
                for p in candidates
                if p.phone_encrypted is not None
                and vault.decrypt(p.phone_encrypted, context=PHONE_CONTEXT) == value
            ][:SEARCH_LIMIT]
        elif kind == SearchKind.PLATE:
            by_visitor = select(Visitor.person_id).where(Visitor.plate == value)
            by_passage = select(Passage.person_id).where(Passage.plate == value)
            query = select(Person).where(or_(Person.id.in_(by_visitor), Person.id.in_(by_passage)))
        else:
            pattern = "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = select(Person).where(Person.name.like(pattern + "%", escape="\\"))
        rows = await self.session.scalars(query.order_by(Person.id).limit(SEARCH_LIMIT))
        return list(rows)

    async def matches(
        self, actor: Actor, person_ids: Sequence[int], *, flow: str = FLOW
    ) -> list[PersonMatch]:
        """The masked lines of persons a search found (shown again); audited as one read."""
        actor.require(Permission.VIEW_PERSON_RECORDS)
        rows = await self.session.scalars(
            select(Person).where(Person.id.in_(list(person_ids))).order_by(Person.id)
        )
        found = [match_of(p) for p in rows]
        await self.uow.audit.record(
            actor, "read_results", "person", "-", flow=flow, found=[m.id for m in found]
        )
        return found

    async def record(
        self, actor: Actor, person_id: int, *, days: int = PASSAGE_DAYS, flow: str = FLOW
    ) -> PersonRecord:
        """Everything the product holds about a person, masked; the read is audited."""
        actor.require(Permission.VIEW_PERSON_RECORDS)
        record = await self.collect(person_id, days=days)
        await self.uow.audit.record(actor, "read_record", "person", person_id, flow=flow)
        return record

    async def collect(self, person_id: int, *, days: int, limit: int = LIST_LIMIT) -> PersonRecord:
        """The record without a check or an audit entry (callers do both)."""
        person = await self.session.get(Person, person_id)
        if person is None:
            raise NotFound("person", id=person_id)
        residencies = (
            await self.session.execute(
                select(Residency, House)
                .join(House, House.id == Residency.house_id)
                .where(Residency.person_id == person_id)
                .order_by(Residency.id.desc())
            )
        ).all()
        house_ids = [house.id for _, house in residencies]
        visits = (
            await self.session.execute(
                select(Visit, House.code, Member.name)
                .join(House, House.id == Visit.house_id)
                .join(Member, Member.id == Visit.cadre_id)
                .where(Visit.house_id.in_(house_ids))
                .order_by(Visit.started_at.desc())
                .limit(limit)
            )
        ).all()
        members = select(Member.id).where(Member.person_id == person_id)
        reports = await self.session.scalars(
            select(Report)
            .where(Report.reporter_id.in_(members))
            .order_by(Report.created_at.desc())
            .limit(limit)
        )
        since = self.now() - timedelta(days=days)
        passages = (
            await self.session.execute(
                select(Passage, Camera.name)
                .join(Camera, Camera.id == Passage.camera_id)
                .where(Passage.person_id == person_id, Passage.seen_at >= since)
                .order_by(Passage.seen_at.desc())
                .limit(limit)
            )
        ).all()
        pictures = await self.session.scalars(
            select(StoredPhoto).where(StoredPhoto.person_id == person_id).order_by(StoredPhoto.id)
        )
        templates = len(
            list(
                await self.session.scalars(
                    select(FaceTemplate.id).where(FaceTemplate.person_id == person_id)
                )
            )
        )
        return PersonRecord(
            person=match_of(person),
            erased_at=person.erased_at,
            erasure_reason=person.erasure_reason,
            pictures_purged_at=person.pictures_purged_at,
            residencies=tuple(
                ResidencyLine(
                    house.id,
                    house.code,
                    house.standard_address,
                    r.role,
                    r.relation,
                    r.moved_in,
                    r.moved_out,
                    r.status,
                )
                for r, house in residencies
            ),
            visits=tuple(
                VisitLine(v.id, code, v.started_at, cadre, v.status) for v, code, cadre in visits
            ),
            reports=tuple(ReportLine(r.id, r.category, r.status, r.created_at) for r in reports),
            watchlist=tuple(await self.watch_lines(person_id)),
            passages=tuple(
                PassageLine(p.id, camera, p.seen_at, p.band, p.plate, p.direction)
                for p, camera in passages
            ),
            passage_days=days,
            pictures=tuple(PictureLine(p.id, p.kind, p.created_at) for p in pictures),
            templates=templates,
        )

    async def watch_lines(self, person_id: int) -> list[WatchLine]:
        """The person's watchlist entries, newest first, with who put them there."""
        now = self.now()
        rows = (
            await self.session.execute(
                select(WatchlistEntry, Watchlist, Member)
                .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
                .outerjoin(Member, Member.id == WatchlistEntry.created_by_id)
                .where(WatchlistEntry.person_id == person_id)
                .order_by(WatchlistEntry.id.desc())
            )
        ).all()
        return [
            WatchLine(
                entry_id=entry.id,
                watchlist=watchlist.name,
                kind=watchlist.kind,
                note=entry.note,
                valid_until=entry.valid_until,
                active=entry.valid_until is None or entry.valid_until > now,
                authority=entry.authority
                or (f"{member.name} ({member.role.value})" if member else ""),
            )
            for entry, watchlist, member in rows
        ]

    async def reveal_id_number(
        self, actor: Actor, person_id: int, reason: str, *, flow: str = FLOW
    ) -> str:
        """The full ID number for a stated reason (refused without one); audited with it."""
        actor.require(Permission.VIEW_PERSON_RECORDS)
        why = stated_reason(reason)
        return await self.uow.persons.reveal_id_number(actor, person_id, flow=flow, reason=why)

    async def picture(
        self, actor: Actor, person_id: int, photo_id: int, reason: str, *, flow: str = FLOW
    ) -> tuple[StoredPhoto, bytes]:
        """One of the person's pictures, opened for a stated reason; audited with it."""
        actor.require(Permission.VIEW_PERSON_RECORDS)
        why = stated_reason(reason)
        owner = await self.session.scalar(
            select(StoredPhoto.person_id).where(StoredPhoto.id == photo_id)
        )
        if owner != person_id:
            raise NotFound("photo", id=photo_id)
        return await self.uow.photos.read(actor, photo_id, flow=flow, reason=why)


__all__ = [
    "REASON_MAX",
    "PassageLine",
    "PersonMatch",
    "PersonRecord",
    "PersonRecordService",
    "PictureLine",
    "ReportLine",
    "ResidencyLine",
    "SearchKind",
    "VisitLine",
    "WatchLine",
    "classify",
    "latest_picture",
    "match_of",
    "stated_reason",
]
