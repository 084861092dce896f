"""VisitService: open a house by card or code, then the whole visit in one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.bootstrap import Storage
from core.errors import InvalidIdNumber, InvalidInput, InvalidToken, PermissionDenied
from core.idnumber import check_digit
from core.models import (
    AuditEntry,
    FaceTemplate,
    House,
    Person,
    PersonKind,
    PhotoKind,
    Residency,
    ResidencyStatus,
    Role,
    StoredPhoto,
    Visit,
    VisitStatus,
    WatchlistEntry,
)
from core.roles import Actor
from core.services import actor_for
from core.services.visits import (
    FaceEnrolment,
    NewResident,
    PhotoUpload,
    ResidentAction,
    ResidentCheck,
    VisitPlan,
)
from tests.core.pictures import JPEG, PNG, picture

ID_A = "11010519491231002X"
ID_B = "110105198001010016"


async def _seed(storage: Storage, admin: Actor) -> tuple[Actor, Actor, int, int]:
    """A house with a landlord and one tenant, its assigned cadre and another cadre."""
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        cadre = await svc.members.add(admin, telegram_id=501, role=Role.CADRE, name="王芳")
        other = await svc.members.add(admin, telegram_id=502, role=Role.CADRE, name="李强")
        landlord = await svc.persons.add(admin, name="赵六", phone="13800000000")
        house, _ = await svc.houses.save_house(
            admin,
            building=building,
            code="A-1-101",
            standard_address="安宁路1号1幢101室",
            landlord_id=landlord.id,
            cadre_id=cadre.id,
        )
        tenant = await svc.persons.add(admin, name="张三", id_number=ID_A)
        residency = await svc.persons.add_residency(
            admin, person_id=tenant.id, house_id=house.id, moved_in=date(2026, 1, 1)
        )
    return actor_for(cadre), actor_for(other), house.id, residency


async def test_open_by_card_shows_masked_residents_and_audits(
    storage: Storage, admin: Actor
) -> None:
    cadre, _other, house_id, _ = await _seed(storage, admin)
    async with storage.services() as svc:
        token = (await svc.session.get(House, house_id)).card_token  # type: ignore[union-attr]
        sheet = await svc.visits.open_by_token(cadre, token)
    assert sheet.code == "A-1-101"
    assert sheet.assigned_to_actor
    assert sheet.landlord is not None
    assert sheet.landlord.phone_masked == "138****0000"
    assert [r.person.id_number_masked for r in sheet.residents] == ["1101**********002X"]
    assert sheet.last_visit_at is None
    assert sheet.cadre_name == "王芳"
    async with storage.services() as svc:
        reads = await svc.session.scalar(
            select(func.count()).where(AuditEntry.flow == "visit", AuditEntry.action == "read")
        )
    assert reads == 2  # the landlord and the tenant


async def test_forged_or_revoked_cards_are_refused(storage: Storage, admin: Actor) -> None:
    cadre, _other, house_id, _ = await _seed(storage, admin)
    async with storage.services() as svc:
        token = (await svc.session.get(House, house_id)).card_token  # type: ignore[union-attr]
        await svc.houses.reissue_card(admin, house_id)
    forged = token[:-1] + ("a" if token[-1] != "a" else "b")
    for bad, detail in ((token, "revoked"), (forged, "forged"), ("hello", "malformed")):
        async with storage.services() as svc:
            with pytest.raises(InvalidToken) as caught:
                await svc.visits.open_by_token(cadre, bad)
        assert caught.value.detail == detail


async def test_residents_and_guards_cannot_visit(storage: Storage, admin: Actor) -> None:
    _cadre, _other, _house_id, _ = await _seed(storage, admin)
    for role in (Role.RESIDENT, Role.GUARD, Role.POLICE):
        async with storage.services() as svc:
            with pytest.raises(PermissionDenied):
                await svc.visits.open_by_code(Actor(role, member_id=None), "A-1-101")


async def test_commit_writes_everything_in_one_go(storage: Storage, admin: Actor) -> None:
    cadre, _other, house_id, residency = await _seed(storage, admin)
    started = datetime.now(UTC) - timedelta(minutes=9)
    embedding = (np.ones(128) / np.sqrt(128)).astype(np.float32)
    plan = VisitPlan(
        house_id=house_id,
        started_at=started,
        checks=(ResidentCheck(residency, ResidentAction.MOVED_OUT, date(2026, 11, 20)),),
        new_residents=(
            NewResident(
                name="李四",
                kind=PersonKind.FLOATING,
                relation="租客",
                moved_in=date(2026, 11, 21),
                id_number=ID_B,
                phone="13912345678",
                photos=(
                    PhotoUpload(PhotoKind.ID_FRONT, JPEG),
                    PhotoUpload(PhotoKind.ID_BACK, PNG),
                ),
                face=FaceEnrolment(picture("face"), embedding.tobytes(), "dlib", 128, 0.9),
            ),
        ),
        house_photos=(PhotoUpload(PhotoKind.CONTACT_CARD, picture("card")),),
        steps=({"step": "scan", "at": started.isoformat()},),
    )
    async with storage.services() as svc:
        outcome = await svc.visits.commit(cadre, plan)
    assert outcome.assigned
    assert outcome.moved_out == 1
    assert outcome.added == 1
    assert outcome.photos == 4
    assert len(outcome.enrolled) == 1
    async with storage.services() as svc:
        visit = await svc.session.get(Visit, outcome.visit_id)
        assert visit is not None
        assert visit.status is VisitStatus.COMPLETED
        assert visit.finished_at is not None
        assert visit.started_at <= visit.finished_at
        assert visit.verified == {str(residency): {"action": "moved_out", "date": "2026-11-20"}}
        residents = await svc.persons.residents_of(admin, house_id)
        assert [r.person.name for r in residents] == ["李四"]
        assert residents[0].person.id_number_masked == "1101**********0016"
        moved = await svc.session.get(Residency, residency)
        assert moved is not None
        assert moved.status is ResidencyStatus.MOVED_OUT
        template = await svc.session.scalar(select(FaceTemplate))
        assert template is not None
        assert template.id == outcome.enrolled[0][0]
        assert template.key_id == svc.context.vault.key_id
        assert embedding.tobytes() not in template.vector  # sealed at rest
        vector = svc.persons.open_template(template.vector, template.key_id)
        assert np.allclose(np.frombuffer(vector, dtype=np.float32), embedding)
        photos = (await svc.session.scalars(select(StoredPhoto))).all()
        assert sorted(p.kind.value for p in photos) == [
            "contact_card",
            "face",
            "id_back",
            "id_front",
        ]
        assert all((storage_dir(svc) / p.path).is_file() for p in photos)
        assert await svc.session.scalar(select(func.count()).select_from(WatchlistEntry)) == 1
        house = await svc.session.get(House, house_id)
        assert house is not None
        assert house.last_visit_at == visit.finished_at
        sheet = await svc.visits.sheet(cadre, house_id)
        assert sheet.last_visit_by == "王芳"


def storage_dir(svc: object) -> object:
    return svc.context.data_dir  # type: ignore[attr-defined]


async def test_a_colleague_covering_is_recorded_as_not_assigned(
    storage: Storage, admin: Actor
) -> None:
    _cadre, other, house_id, residency = await _seed(storage, admin)
    plan = VisitPlan(
        house_id, datetime.now(UTC), checks=(ResidentCheck(residency, ResidentAction.STAYS),)
    )
    async with storage.services() as svc:
        outcome = await svc.visits.commit(other, plan)
    assert not outcome.assigned
    assert outcome.confirmed == 1


async def test_a_bad_item_leaves_nothing_written(storage: Storage, admin: Actor) -> None:
    cadre, _other, house_id, residency = await _seed(storage, admin)
    plan = VisitPlan(
        house_id,
        datetime.now(UTC),
        checks=(ResidentCheck(residency, ResidentAction.STAYS),),
        new_residents=(
            NewResident(name="李四", photos=(PhotoUpload(PhotoKind.ID_FRONT, JPEG),)),
            NewResident(name="王五", id_number="110105194912310021"),  # bad check digit
        ),
    )
    with pytest.raises(InvalidIdNumber):
        async with storage.services() as svc:
            await svc.visits.commit(cadre, plan)
    async with storage.services() as svc:
        assert await svc.session.scalar(select(func.count()).select_from(Visit)) == 0
        assert len(await svc.persons.residents_of(admin, house_id)) == 1
        photos_dir = svc.context.data_dir / "photos"
    assert not any(p.is_file() for p in photos_dir.rglob("*"))  # the ID photo was removed
    moved_before_in = VisitPlan(
        house_id,
        datetime.now(UTC),
        checks=(ResidentCheck(residency, ResidentAction.MOVED_OUT, date(2025, 1, 1)),),
    )
    with pytest.raises(InvalidInput):
        async with storage.services() as svc:
            await svc.visits.commit(cadre, moved_before_in)


async def test_a_known_id_number_links_the_existing_person(storage: Storage, admin: Actor) -> None:
    cadre, _other, house_id, _ = await _seed(storage, admin)
    plan = VisitPlan(
        house_id, datetime.now(UTC), new_residents=(NewResident("张三", id_number=ID_A),)
    )
    async with storage.services() as svc:
        outcome = await svc.visits.commit(cadre, plan)
    assert outcome.added == 1
    async with storage.services() as svc:  # already living there: no second residency
        assert len(await svc.persons.residents_of(admin, house_id)) == 1


async def test_corrections_and_sealed_draft_values(storage: Storage, admin: Actor) -> None:
    cadre, _other, house_id, residency = await _seed(storage, admin)
    async with storage.services() as svc:
        sealed = svc.visits.seal(ID_B)
        assert ID_B not in sealed
        assert svc.visits.unseal(sealed) == ID_B
        plan = VisitPlan(
            house_id,
            datetime.now(UTC),
            checks=(
                ResidentCheck(
                    residency, ResidentAction.CORRECTED, name="张叁", phone="13700000000"
                ),
            ),
        )
        outcome = await svc.visits.commit(cadre, plan)
    assert outcome.corrected == 1
    async with storage.services() as svc:
        [resident] = await svc.persons.residents_of(admin, house_id)
        assert resident.person.name == "张叁"
        assert resident.person.phone_masked == "137****0000"


# --- typed input is normalised before it is checked (the probe of issue #9) -------------------

PROBE_ID = "41272６199007080578"  # one full-width digit: the same number as below
PROBE_ID_ASCII = "412726199007080578"
# Well formed, with the right check digit, born on 31 December next year.
_UNBORN = f"330106{date.today().year + 1}1231123"  # noqa: DTZ011 - a calendar year
UNBORN_ID = _UNBORN + check_digit(_UNBORN)


async def _person_count(storage: Storage) -> int:
    async with storage.services() as svc:
        return await svc.session.scalar(select(func.count()).select_from(Person)) or 0


async def test_a_full_width_id_number_finds_the_existing_person(
    storage: Storage, admin: Actor
) -> None:
    cadre, _other, house_id, _ = await _seed(storage, admin)
    async with storage.services() as svc:
        existing = await svc.persons.add(admin, name="陈七", id_number=PROBE_ID_ASCII)
    before = await _person_count(storage)
    async with storage.services() as svc:
        found = await svc.persons.find_by_id_number(admin, PROBE_ID)
    assert found is not None
    assert found.id == existing.id
    plan = VisitPlan(
        house_id, datetime.now(UTC), new_residents=(NewResident("陈七", id_number=PROBE_ID),)
    )
    async with storage.services() as svc:
        outcome = await svc.visits.commit(cadre, plan)
        visit = await svc.session.get(Visit, outcome.visit_id)
        assert visit is not None
        assert visit.changed["added"][0] == {
            "person_id": existing.id,
            "created": False,
            "photos": 0,
        }
    assert await _person_count(storage) == before  # no second record of 陈七
    async with storage.services() as svc:
        residents = await svc.persons.residents_of(admin, house_id)
        assert existing.id in {r.person.id for r in residents}
        assert await svc.persons.reveal_id_number(admin, existing.id) == PROBE_ID_ASCII


async def test_a_person_added_with_full_width_numbers_is_stored_in_ascii(
    storage: Storage, admin: Actor
) -> None:
    await _seed(storage, admin)
    async with storage.services() as svc:
        view = await svc.persons.add(
            admin, name="周八", id_number=PROBE_ID, phone="１３９ ０００１ ２２２２"
        )
        assert (view.id_number_masked, view.phone_masked) == ("4127**********0578", "139****2222")
        assert await svc.persons.reveal_id_number(admin, view.id) == PROBE_ID_ASCII
        assert await svc.persons.find_by_id_number(admin, PROBE_ID_ASCII) == view


@pytest.mark.parametrize(
    ("resident", "error", "detail"),
    [
        (NewResident("\u200b\u200c\u200d\ufeff"), InvalidInput, "empty"),
        (NewResident("长" * 5000), InvalidInput, "too_long"),
        (NewResident("孙九", id_number=UNBORN_ID), InvalidIdNumber, "birth_date"),
    ],
)
async def test_new_residents_with_a_blank_or_long_name_or_unborn_are_refused(
    storage: Storage, admin: Actor, resident: NewResident, error: type[Exception], detail: str
) -> None:
    cadre, _other, house_id, _ = await _seed(storage, admin)
    before = await _person_count(storage)
    with pytest.raises(error) as caught:
        async with storage.services() as svc:
            await svc.visits.commit(
                cadre, VisitPlan(house_id, datetime.now(UTC), new_residents=(resident,))
            )
    assert isinstance(caught.value, InvalidInput)
    assert caught.value.detail == detail
    if detail == "too_long":
        assert caught.value.params == {"field": "name", "max": 80, "length": 5000}
    assert await _person_count(storage) == before
    async with storage.services() as svc:
        assert await svc.session.scalar(select(func.count()).select_from(Visit)) == 0


async def test_a_corrected_name_loses_its_bidi_and_zero_width_characters(
    storage: Storage, admin: Actor
) -> None:
    cadre, _other, house_id, residency = await _seed(storage, admin)
    name = "\u202e张\u200b叁\u202c\u2066 \u3000\u2069"
    check = ResidentCheck(
        residency, ResidentAction.CORRECTED, name=name, phone="１３７００００００００"
    )
    async with storage.services() as svc:
        await svc.visits.commit(cadre, VisitPlan(house_id, datetime.now(UTC), checks=(check,)))
    async with storage.services() as svc:
        [resident] = await svc.persons.residents_of(admin, house_id)
    assert (resident.person.name, resident.person.phone_masked) == ("张叁", "137****0000")
    blank = ResidentCheck(residency, ResidentAction.CORRECTED, name="\u2800\u3164")
    with pytest.raises(InvalidInput) as caught:
        async with storage.services() as svc:
            await svc.visits.commit(cadre, VisitPlan(house_id, datetime.now(UTC), checks=(blank,)))
    assert caught.value.detail == "empty"
