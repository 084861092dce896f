"""A resident who stays gives a fresh face photo during a visit: the photo is kept with the
person, the house and the visit, and one more template is added within the per-person limit,
audited, in the visit's one transaction; from the draft, a real face then matches a snapshot."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime

import numpy as np
import pytest
from PIL import Image, ImageOps
from sqlalchemy import func, select

from core.bootstrap import Storage
from core.errors import InvalidInput
from core.flows.visit import FaceDraft, VisitFlow, to_plan
from core.models import (
    AuditEntry,
    FaceTemplate,
    PhotoKind,
    Residency,
    StoredPhoto,
    Visit,
    WatchlistEntry,
)
from core.roles import Actor
from core.services.visits import FaceEnrolment, ResidentAction, ResidentCheck, VisitPlan
from recognition import RecognitionCore
from recognition.faces import MatchBand as Band  # the core's bands, not the stored ones
from tests.core.supervision_factories import FrozenClock, local
from tests.core.test_face_templates import add, core, enrolment, limited, photo, templates
from tests.core.test_visits import _seed as seed_house

__all__ = ["core"]  # the real recognition core, for the last test


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(local(2026, 12, 2, 10, 0))


async def tenant_of(storage: Storage, residency: int) -> int:
    async with storage.services() as svc:
        row = await svc.session.get(Residency, residency)
        assert row is not None
        return row.person_id


@pytest.mark.parametrize("action", [ResidentAction.STAYS, ResidentAction.CORRECTED])
async def test_a_staying_resident_s_fresh_face_is_kept_and_enrolled(
    storage: Storage, admin: Actor, action: ResidentAction
) -> None:
    cadre, _other, house_id, residency = await seed_house(storage, admin)
    person = await tenant_of(storage, residency)
    name = "张叁" if action is ResidentAction.CORRECTED else None
    check = ResidentCheck(residency, action, name=name, face=enrolment(0.8))
    async with storage.services() as svc:
        outcome = await svc.visits.commit(
            cadre, VisitPlan(house_id, datetime.now(UTC), checks=(check,))
        )
    assert (outcome.refreshed, outcome.photos, outcome.added) == (1, 1, 0)
    assert outcome.confirmed + outcome.corrected == 1
    [(template_id, embedding)] = outcome.enrolled
    assert embedding == enrolment(0.8).embedding
    assert outcome.dropped == ()
    async with storage.services() as svc:
        template = await svc.session.get(FaceTemplate, template_id)
        assert template is not None
        assert template.person_id == person
        stored = await svc.session.get(StoredPhoto, template.photo_id)
        assert stored is not None
        assert stored.kind is PhotoKind.FACE
        assert (stored.person_id, stored.house_id) == (person, house_id)
        assert stored.visit_id == outcome.visit_id
        visit = await svc.session.get(Visit, outcome.visit_id)
        assert visit is not None
        assert visit.verified[str(residency)]["face"] is True
        assert visit.photographed == {"count": 1}
        audit = await svc.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "enrol_face")
        )
        assert audit is not None
        assert (audit.flow, audit.subject_id) == ("visit", str(person))
        assert audit.details["template_id"] == template_id
        watched = await svc.session.scalar(
            select(func.count())
            .select_from(WatchlistEntry)
            .where(WatchlistEntry.person_id == person)
        )
        assert watched == 1  # on the residents list the gate cameras check against
        [resident] = await svc.persons.residents_of(admin, house_id)
        assert resident.person.name == (name or "张三")


async def test_at_the_limit_the_least_sharp_older_face_goes(
    storage: Storage, admin: Actor, clock: FrozenClock
) -> None:
    cadre, _other, house_id, residency = await seed_house(storage, admin)
    person = await tenant_of(storage, residency)
    services = limited(storage, clock, 2)
    sharp, _d, _c = await add(services, person, enrolment(90.0))
    clock.advance(days=1)
    blurred, _d, _c = await add(services, person, enrolment(10.0))
    clock.advance(days=365)  # the yearly visit
    check = ResidentCheck(residency, ResidentAction.STAYS, face=enrolment(50.0))
    async with services() as svc:
        outcome = await svc.visits.commit(cadre, VisitPlan(house_id, clock.now, checks=(check,)))
    [(fresh, _embedding)] = outcome.enrolled
    assert outcome.dropped == (blurred,)  # for the running gallery
    assert set(await templates(services, person)) == {sharp, fresh}
    async with services() as svc:
        drop = await svc.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "drop_face_template")
        )
        assert drop is not None
        assert drop.flow == "visit"
        assert drop.details == {"template_id": blurred, "reason": "limit"}
        faces = await svc.session.scalar(
            select(func.count()).select_from(StoredPhoto).where(StoredPhoto.person_id == person)
        )
        assert faces == 3, "the dropped template's photo stays on record"


async def test_a_face_for_a_resident_moving_out_is_refused_and_nothing_is_written(
    storage: Storage, admin: Actor
) -> None:
    cadre, _other, house_id, residency = await seed_house(storage, admin)
    check = ResidentCheck(
        residency, ResidentAction.MOVED_OUT, date(2026, 11, 20), face=enrolment(0.8)
    )
    with pytest.raises(InvalidInput) as caught:
        async with storage.services() as svc:
            await svc.visits.commit(cadre, VisitPlan(house_id, datetime.now(UTC), checks=(check,)))
    assert caught.value.detail == "face_of_moved_out"
    async with storage.services() as svc:
        for model in (Visit, FaceTemplate, StoredPhoto):
            assert await svc.session.scalar(select(func.count()).select_from(model)) == 0
        moved = await svc.session.get(Residency, residency)
        assert moved is not None
        assert moved.moved_out is None


@pytest.mark.slow
async def test_from_the_draft_a_fresh_photo_makes_the_snapshot_a_sure_match(
    storage: Storage, admin: Actor, clock: FrozenClock, core: RecognitionCore
) -> None:
    """The astronaut enrolled looking one way; a visit photographs her turned the other way
    (the draft sealed as the bot keeps it); a snapshot turned that way then matches her
    fresh template first, surely."""
    from skimage import data

    cadre, _other, house_id, residency = await seed_house(storage, admin)
    person = await tenant_of(storage, residency)
    services = limited(storage, clock, 5)
    astronaut = Image.fromarray(data.astronaut())
    mirrored = ImageOps.mirror(astronaut)
    straight = await core.enrol_face(photo(astronaut))
    vector = np.asarray(straight.embedding, np.float32)
    backend, dims = core.face_info.backend, int(vector.size)
    enrolled = FaceEnrolment(photo(astronaut), vector.tobytes(), backend, dims, 1.0)
    first, _dropped, _count = await add(services, person, enrolled)
    turned = photo(mirrored.crop((150, 0, 450, 300)))
    result = await core.enrol_face(turned)
    async with services() as svc:
        sheet = await svc.visits.sheet(cadre, house_id)
        sealed = svc.visits.seal(
            base64.b64encode(result.embedding.astype(np.float32).tobytes()).decode()
        )
    flow = VisitFlow.start(1, clock.now)
    flow.open(sheet, clock.now)
    flow.stays(residency)
    assert flow.ask_photo(None, PhotoKind.FACE, residency)
    flow.accept_face(None, FaceDraft("f1", sealed, 1.0, backend, dims), residency)
    async with services() as svc:
        outcome = await svc.visits.commit(cadre, to_plan(flow, svc.visits, {"f1": turned}))
        rows = await svc.persons.face_templates(backend)
    [(fresh, _embedding)] = outcome.enrolled
    await core.load_gallery((t, np.frombuffer(v, dtype=np.float32)) for t, _p, v in rows)
    snapshot = photo(mirrored.crop((170, 20, 430, 280)).resize((210, 210)))
    [seen] = await core.identify(snapshot)
    assert [c.key for c in seen.candidates] == [fresh, first]
    assert seen.candidates[0].band is Band.MATCH
