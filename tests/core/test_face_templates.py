"""A person's face templates: one place adds them, within the per-person limit (the newest
stays, the least sharp older one goes, audited); dropping one leaves the alerts and verdicts
about the person; and a camera match uses the closest template (real models, real photos)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import numpy as np
import pytest
from PIL import Image, ImageOps
from sqlalchemy import select

from core.bootstrap import Storage
from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import (
    Alert,
    AlertVerdict,
    AuditEntry,
    FaceTemplate,
    MatchBand,
    Passage,
    PhotoKind,
    Role,
    StoredPhoto,
    WatchlistKind,
)
from core.roles import Actor
from core.services import ServiceFactory, actor_for
from core.services.face_templates import FaceEnrolment
from core.services.visits import NewResident, VisitPlan
from recognition import RecognitionConfig, RecognitionCore
from recognition.faces import MatchBand as Band  # the core's bands, not the stored ones
from tests.conftest import shared_data
from tests.core.notices import Told
from tests.core.supervision_factories import FrozenClock, local, with_context
from tests.core.test_camera_events import face, post, record, world
from tests.core.test_visits import _seed as seed_house
from tests.core.test_watchlists import jpeg

SYSTEM = Actor.system("test")


def enrolment(quality: float, backend: str = "dlib", photo: bytes | None = None) -> FaceEnrolment:
    vector = np.ones(128, np.float32) / np.sqrt(128)
    return FaceEnrolment(photo or jpeg(), vector.tobytes(), backend, 128, quality)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(local(2026, 12, 2, 10, 0))


def limited(storage: Storage, clock: FrozenClock, limit: int) -> ServiceFactory:
    return with_context(storage.services, clock=clock, face_templates_per_person=limit)


async def add(
    services: ServiceFactory, person_id: int, face: FaceEnrolment, actor: Actor = SYSTEM
) -> tuple[int, tuple[int, ...], int]:
    """Store the photo and add the template: (template id, dropped ids, count)."""
    async with services() as svc:
        photo = await svc.photos.store(actor, PhotoKind.FACE, face.data, person_id=person_id)
        added = await svc.persons.add_template(actor, person_id, face, photo.id, flow="test")
    return added.template_id, added.dropped, added.count


async def templates(services: ServiceFactory, person_id: int) -> dict[int, float]:
    async with services() as svc:
        rows = await svc.session.execute(
            select(FaceTemplate.id, FaceTemplate.quality).where(
                FaceTemplate.person_id == person_id
            )
        )
        return {row[0]: row[1] for row in rows}


async def test_past_the_limit_the_newest_stays_and_the_least_sharp_older_one_goes(
    storage: Storage, clock: FrozenClock
) -> None:
    services = limited(storage, clock, 3)
    async with services() as svc:
        person = (await svc.persons.add(SYSTEM, name="张三")).id
    ids: dict[float, int] = {}
    for quality in (50.0, 20.0, 80.0):
        template_id, dropped, count = await add(services, person, enrolment(quality))
        ids[quality] = template_id
        assert dropped == ()
        clock.advance(days=30)
    assert count == 3
    # A blurrier photo than any: still kept (the newest), the sharpness-20 one goes.
    newest, dropped, count = await add(services, person, enrolment(10.0))
    assert (dropped, count) == ((ids[20.0],), 3)
    assert await templates(services, person) == {ids[50.0]: 50.0, ids[80.0]: 80.0, newest: 10.0}
    clock.advance(days=30)
    # Now older, the sharpness-10 one is the least sharp: it goes next.
    latest, dropped, count = await add(services, person, enrolment(90.0))
    assert (dropped, count) == ((newest,), 3)
    assert set(await templates(services, person)) == {ids[50.0], ids[80.0], latest}
    async with services() as svc:
        drops = (
            await svc.session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == "drop_face_template")
                .order_by(AuditEntry.id)
            )
        ).all()
        photos = (await svc.session.scalars(select(StoredPhoto))).all()
    assert [(d.subject_type, d.subject_id, d.flow) for d in drops] == [
        ("person", str(person), "test")
    ] * 2
    assert [d.details for d in drops] == [
        {"template_id": ids[20.0], "reason": "limit"},
        {"template_id": newest, "reason": "limit"},
    ]
    assert len(photos) == 5, "a dropped template's photo stays with its record"


async def test_ties_drop_the_oldest_and_other_backends_do_not_count(
    storage: Storage, clock: FrozenClock
) -> None:
    services = limited(storage, clock, 2)
    async with services() as svc:
        person = (await svc.persons.add(SYSTEM, name="李四")).id
    first, _, _ = await add(services, person, enrolment(50.0))
    clock.advance(hours=1)
    other, _, _ = await add(services, person, enrolment(1.0, backend="insightface"))
    clock.advance(hours=1)
    second, _, _ = await add(services, person, enrolment(50.0))
    clock.advance(hours=1)
    third, dropped, count = await add(services, person, enrolment(50.0))
    assert (dropped, count) == ((first,), 2)
    assert set(await templates(services, person)) == {other, second, third}


async def test_a_limit_of_one_keeps_only_the_newest(storage: Storage, clock: FrozenClock) -> None:
    services = limited(storage, clock, 1)
    async with services() as svc:
        person = (await svc.persons.add(SYSTEM, name="王五")).id
    kept = [await add(services, person, enrolment(q)) for q in (90.0, 10.0, 50.0)]
    assert [k[2] for k in kept] == [1, 1, 1]
    assert list(await templates(services, person)) == [kept[-1][0]]


async def test_cadres_and_police_may_add_a_template_guards_may_not(
    storage: Storage, clock: FrozenClock
) -> None:
    services = limited(storage, clock, 5)
    async with services() as svc:
        person = (await svc.persons.add(SYSTEM, name="赵六")).id
        members = {
            role: actor_for(
                await svc.members.add(SYSTEM, telegram_id=700 + n, role=role, name=role.value)
            )
            for n, role in enumerate((Role.CADRE, Role.POLICE, Role.GUARD))
        }
    for role in (Role.CADRE, Role.POLICE):
        await add(services, person, enrolment(40.0), members[role])
    with pytest.raises(PermissionDenied):
        await add(services, person, enrolment(40.0), members[Role.GUARD])
    with pytest.raises(NotFound):
        async with services() as svc:
            await svc.persons.add_template(SYSTEM, person + 100, enrolment(40.0), None)
    assert len(await templates(services, person)) == 2


async def test_police_add_a_photo_to_a_watched_person_but_not_to_a_plate_or_ended_entry(
    storage: Storage, clock: FrozenClock
) -> None:
    services = limited(storage, clock, 5)
    async with services() as svc:
        key = await svc.watchlists.find(SYSTEM, "persons_of_interest", create=True)
        watched = await svc.watchlists.add_face(
            SYSTEM, key.id, name="钱七", face=enrolment(30.0), reason="布控", authority="协查 1"
        )
        added = await svc.watchlists.add_photo(SYSTEM, watched.entry.id, enrolment(60.0))
        faces = await svc.watchlists.faces(SYSTEM, watched.entry.id, "dlib")
        vehicles = await svc.watchlists.find(SYSTEM, "vehicles", create=True)
        plate = await svc.watchlists.add_plate(
            SYSTEM, vehicles.id, "浙A12345", reason="套牌", authority="协查 2"
        )
        with pytest.raises(InvalidInput):
            await svc.watchlists.add_photo(SYSTEM, plate.id, enrolment(60.0))
        await svc.watchlists.end(SYSTEM, watched.entry.id)
        with pytest.raises(InvalidInput):
            await svc.watchlists.add_photo(SYSTEM, watched.entry.id, enrolment(60.0))
        with pytest.raises(NotFound):
            await svc.watchlists.add_photo(SYSTEM, 999, enrolment(60.0))
    assert (added.template.count, added.template.limit, added.template.dropped) == (2, 5, ())
    assert added.entry.subject == "钱七"
    assert (faces.count, faces.limit) == (2, 5)
    assert watched.entry.person_id is not None
    async with services() as svc:
        enrolled = await svc.audit.entries(SYSTEM, subject_type="person", limit=50)
    assert [e.details.get("template_id") for e in enrolled if e.action == "enrol_face"] == [
        added.template.template_id,
        watched.template_id,
    ]


async def test_a_dropped_template_leaves_the_alerts_and_verdicts_about_the_person(
    storage: Storage, clock: FrozenClock, told: Told
) -> None:
    w = await world(storage)
    token, old = str(w["token"]), int(w["template"])
    [alert] = await record(storage, await post(storage, token), face(old, MatchBand.POSSIBLE))
    async with storage.services() as svc:
        guard = actor_for(await svc.members.add(SYSTEM, telegram_id=9, role=Role.GUARD, name="李"))
        await svc.alerts.act(guard, alert.id, "not")
    services = with_context(storage.services, face_templates_per_person=1)
    async with services() as svc:
        added = await svc.watchlists.add_photo(SYSTEM, int(w["entry"]), enrolment(70.0))
    assert added.template.dropped == (old,)
    async with services() as svc:
        assert await svc.session.get(FaceTemplate, old) is None
        kept = await svc.session.get(Alert, alert.id)
        assert kept is not None
        assert kept.person_id == w["person"]
        verdict = await svc.session.scalar(select(AlertVerdict))
        assert verdict is not None
        assert (verdict.alert_id, verdict.person_id) == (alert.id, w["person"])
        passages = (await svc.session.scalars(select(Passage))).all()
        assert [p.person_id for p in passages] == [None]  # a possible match names nobody
    new = added.template.template_id
    # The verdict is about the person, not the template: the look-alike stays quiet…
    assert await record(storage, await post(storage, token), face(new, MatchBand.POSSIBLE)) == []
    # …and a sure match through the new template alerts on the same person.
    [again] = await record(storage, await post(storage, token), face(new))
    assert again.person_id == w["person"]


# --- a match uses the closest template: real models on real photos -----------------------------


def photo(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
async def core() -> AsyncIterator[RecognitionCore]:
    async with RecognitionCore(RecognitionConfig(workers=0)) as started:
        yield started


async def enrol(
    services: ServiceFactory, core: RecognitionCore, person_id: int, data: bytes
) -> int:
    """The photo through the quality gate, added as a template and put in the gallery."""
    result = await core.enrol_face(data)
    vector = np.asarray(result.embedding, dtype=np.float32)
    face = FaceEnrolment(data, vector.tobytes(), core.face_info.backend, int(vector.size), 1.0)
    template_id, _dropped, _count = await add(services, person_id, face)
    async with services() as svc:  # the gallery from what the database holds, as at start
        rows = await svc.persons.face_templates(core.face_info.backend)
    await core.load_gallery((t, np.frombuffer(v, dtype=np.float32)) for t, _p, v in rows)
    return template_id


@pytest.mark.slow
async def test_of_two_photos_of_a_person_the_snapshot_matches_the_closer_one(
    storage: Storage, clock: FrozenClock, core: RecognitionCore
) -> None:
    from skimage import data

    services = limited(storage, clock, 5)
    async with services() as svc:
        person = (await svc.persons.add(SYSTEM, name="宇航员")).id
    astronaut = Image.fromarray(data.astronaut())
    mirrored = ImageOps.mirror(astronaut)
    straight = await enrol(services, core, person, photo(astronaut))
    # Cropped to the face: the mirrored picture shows a second, false face on the suit.
    turned = await enrol(services, core, person, photo(mirrored.crop((150, 0, 450, 300))))
    snapshot = photo(mirrored.crop((170, 20, 430, 280)).resize((210, 210)))
    [seen] = await core.identify(snapshot)
    assert [c.key for c in seen.candidates] == [turned, straight]
    assert seen.candidates[0].similarity > seen.candidates[1].similarity
    assert seen.candidates[0].band is Band.MATCH


@pytest.mark.slow
async def test_a_second_photo_turns_a_look_alike_into_a_sure_match(
    storage: Storage, clock: FrozenClock, core: RecognitionCore
) -> None:
    faces = shared_data() / "faces_east_asian"
    services = limited(storage, clock, 5)
    async with services() as svc:
        jay = (await svc.persons.add(SYSTEM, name="周杰伦")).id
        noh = (await svc.persons.add(SYSTEM, name="盧洪哲")).id
        key = await svc.watchlists.ensure(SYSTEM, WatchlistKind.PERSONS_OF_INTEREST, "重点人员")
        await svc.watchlists.add_person(SYSTEM, key.id, jay, reason="布控", authority="协查")
    first = await enrol(services, core, jay, (faces / "jay_chou_2.jpg").read_bytes())
    look_alike = await enrol(services, core, noh, (faces / "noh_hongchul_2.jpg").read_bytes())
    snapshot = (faces / "jay_chou_3.jpg").read_bytes()
    [before] = await core.identify(snapshot)
    assert {c.key for c in before.candidates} == {first, look_alike}
    assert all(c.band is not Band.MATCH for c in before.candidates), "only look-alikes"
    clock.advance(days=1)
    second = await enrol(services, core, jay, (faces / "jay_chou_1.jpg").read_bytes())
    [after] = await core.identify(snapshot)
    best = after.best
    assert best is not None
    assert (best.key, best.band) == (second, Band.MATCH)
    by_key = {c.key: c.similarity for c in after.candidates}
    assert by_key[second] > by_key[first]
    assert by_key[second] > by_key[look_alike]
    async with services() as svc:
        owner = await svc.session.get(FaceTemplate, second)
    assert owner is not None
    assert owner.person_id == jay


async def test_a_visit_enrolling_a_known_face_at_the_limit_reports_the_dropped_one(
    storage: Storage, clock: FrozenClock, admin: Actor
) -> None:
    cadre, _other, house_id, _residency = await seed_house(storage, admin)
    services = limited(storage, clock, 1)
    async with services() as svc:
        person = (await svc.persons.add(admin, name="孙八")).id
    old, _dropped, _count = await add(services, person, enrolment(90.0))
    plan = VisitPlan(
        house_id,
        clock.now,
        new_residents=(
            NewResident("孙八", existing_person_id=person, face=enrolment(10.0, photo=jpeg())),
        ),
    )
    async with services() as svc:
        outcome = await svc.visits.commit(cadre, plan)
    [(new, _embedding)] = outcome.enrolled
    assert outcome.dropped == (old,)
    assert list(await templates(services, person)) == [new]
