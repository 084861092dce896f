"""Persons' face templates: the one place a template is added, the per-person limit, and the
sealed vectors the recognition gallery is rebuilt from.

A person may have several templates (a good face photo from each visit or enrolment adds
one) and a camera match uses the closest. Past `face_templates_per_person` of one backend the
newest stays (faces change with age) and the least sharp of the older ones goes; the photo it
came from stays with its visit or the person's record. Nothing refers to a template row (alerts,
verdicts and passages name the person), so dropping one only takes it out of matching.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from core.errors import NotFound
from core.models import FaceTemplate, Person
from core.roles import Actor, Permission
from core.services.base import Service

TEMPLATE_CONTEXT = "face_template.vector"


@dataclass(frozen=True)
class FaceEnrolment:
    data: bytes  # the photo
    embedding: bytes  # float32, L2-normalised, as the recognition core returned it
    backend: str
    dimensions: int
    quality: float


@dataclass(frozen=True)
class TemplateAdded:
    """A new template, and what the running gallery must drop to stay in step."""

    template_id: int
    embedding: bytes
    dropped: tuple[int, ...]  # older templates of the person over the limit, now deleted
    count: int  # the person's templates of this backend now
    limit: int


class FaceTemplates(Service):
    """The template side of `PersonService`."""

    async def add_template(
        self,
        actor: Actor,
        person_id: int,
        face: FaceEnrolment,
        photo_id: int | None,
        *,
        flow: str = "",
    ) -> TemplateAdded:
        """Enrol `face` (its photo already stored as `photo_id`) for the person, within the
        limit; registering a resident (EDIT_PERSONS) or watching a person may do it."""
        if not actor.can(Permission.MANAGE_WATCHLISTS):
            actor.require(Permission.EDIT_PERSONS)
        # Row lock (PostgreSQL; SQLite writes are serial anyway): two photos added at once
        # must not both count the other out and leave the person over the limit.
        found = await self.session.scalar(
            select(Person.id).where(Person.id == person_id).with_for_update()
        )
        if found is None:
            raise NotFound("person", id=person_id)
        sealed, key_id = self.seal_template(face.embedding)  # biometric: sealed at rest
        template = FaceTemplate(
            person_id=person_id,
            backend=face.backend,
            dimensions=face.dimensions,
            vector=sealed,
            key_id=key_id,
            quality=face.quality,
            photo_id=photo_id,
            created_at=self.now(),
        )
        self.session.add(template)
        await self.session.flush()
        await self.uow.audit.record(
            actor, "enrol_face", "person", person_id, flow=flow, template_id=template.id
        )
        limit = self.context.face_templates_per_person
        dropped = await self._over_limit(person_id, face.backend, template.id, limit)
        if dropped:
            await self.session.execute(delete(FaceTemplate).where(FaceTemplate.id.in_(dropped)))
        for template_id in dropped:
            await self.uow.audit.record(
                actor,
                "drop_face_template",
                "person",
                person_id,
                flow=flow,
                template_id=template_id,
                reason="limit",
            )
        count = await self.template_count(person_id, face.backend)
        return TemplateAdded(template.id, face.embedding, tuple(dropped), count, limit)

    async def _over_limit(
        self, person_id: int, backend: str, newest: int, limit: int
    ) -> list[int]:
        """The older templates to drop so `limit` remain: least sharp first, then oldest."""
        older = await self.session.execute(
            select(FaceTemplate.id)
            .where(
                FaceTemplate.person_id == person_id,
                FaceTemplate.backend == backend,
                FaceTemplate.id != newest,
            )
            .order_by(
                FaceTemplate.quality.asc(), FaceTemplate.created_at.asc(), FaceTemplate.id.asc()
            )
        )
        ids = [row[0] for row in older]
        return ids[: max(0, len(ids) + 1 - limit)]

    async def template_count(self, person_id: int, backend: str) -> int:
        """How many templates of `backend` the person has (no personal data is read)."""
        count = await self.session.scalar(
            select(func.count(FaceTemplate.id)).where(
                FaceTemplate.person_id == person_id, FaceTemplate.backend == backend
            )
        )
        return int(count or 0)

    async def face_templates(
        self, backend: str, ids: Sequence[int] | None = None
    ) -> list[tuple[int, int, bytes]]:
        """(template id, person id, float32 vector bytes) of `backend`, to rebuild the gallery
        (only `ids` when given).

        System use: embeddings only, decrypted into memory; no personal fields are read.
        """
        query = select(
            FaceTemplate.id, FaceTemplate.person_id, FaceTemplate.vector, FaceTemplate.key_id
        ).where(FaceTemplate.backend == backend)
        if ids is not None:
            query = query.where(FaceTemplate.id.in_(list(ids)))
        rows = await self.session.execute(query.order_by(FaceTemplate.id))
        return [(row[0], row[1], self.open_template(row[2], row[3])) for row in rows]

    def seal_template(self, vector: bytes) -> tuple[bytes, str]:
        """(sealed vector, key version) to store an embedding."""
        vault = self.context.vault
        return vault.encrypt_bytes(vector, context=TEMPLATE_CONTEXT), vault.key_id

    def open_template(self, stored: bytes, key_id: str | None) -> bytes:
        """The float32 vector of a stored template (raw when from before encryption)."""
        if key_id is None:
            return stored
        return self.context.vault.decrypt_bytes(stored, context=TEMPLATE_CONTEXT)

    async def face_template_ids(self, backend: str) -> set[int]:
        """The ids of `backend`'s templates, to keep a running gallery in step."""
        rows = await self.session.scalars(
            select(FaceTemplate.id).where(FaceTemplate.backend == backend)
        )
        return set(rows)
