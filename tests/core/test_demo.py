"""The sample community: complete, valid, idempotent; on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.bootstrap import Storage
from core.demo import (
    ADMIN_ID,
    CADRE_IDS,
    DEMO_GROUPS,
    DEMO_HOUSES,
    DEMO_MEMBERS,
    GUARD_GROUP_ID,
    PERSON_OF_INTEREST,
    RESIDENT_IDS,
    SEED_STEPS,
    STAFF_GROUP_ID,
    demo_id_number,
    seed_demo,
)
from core.errors import AlreadyExists
from core.idnumber import is_valid_id_number
from core.models import AlertKind, AlertRule, GroupRole, House, Person, Role, WatchlistKind
from core.roles import Actor


def test_the_demo_constants() -> None:
    ids = {telegram_id: role for telegram_id, _name, role in DEMO_MEMBERS}
    assert ids[ADMIN_ID] is Role.ADMIN
    assert ids[1002] is Role.POLICE
    assert [ids[i] for i in CADRE_IDS] == [Role.CADRE] * 3
    assert [ids[i] for i in (3001, 3002)] == [Role.GUARD] * 2
    assert [ids[i] for i in RESIDENT_IDS] == [Role.RESIDENT] * 2
    assert (GUARD_GROUP_ID, GroupRole.GUARDS) in [(c, r) for c, r, _ in DEMO_GROUPS]
    assert (STAFF_GROUP_ID, GroupRole.STAFF) in [(c, r) for c, r, _ in DEMO_GROUPS]


def test_every_demo_id_number_is_valid() -> None:
    people = [PERSON_OF_INTEREST]
    for house in DEMO_HOUSES:
        people += [*house.occupants, *([house.landlord] if house.landlord else [])]
    assert all(is_valid_id_number(person.id_number) for person in people)
    assert demo_id_number("110105", "19491231", 2) == "11010519491231002X"


def test_the_demo_houses_are_mixed() -> None:
    colours = {house.colour.value for house in DEMO_HOUSES}
    assert colours == {"red", "yellow", "green"}
    rentals = [house for house in DEMO_HOUSES if house.kind.value == "rental"]
    assert len(rentals) > len(DEMO_HOUSES) / 2
    assert len({house.code for house in DEMO_HOUSES}) == len(DEMO_HOUSES) == 12


async def test_seed_demo(storage: Storage, admin: Actor, tmp_path: Path) -> None:
    steps: list[str] = []
    summary = await seed_demo(storage.services, admin, tmp_path, progress=steps.append)
    assert not summary.already_seeded
    assert len(steps) == SEED_STEPS
    assert (summary.grids, summary.houses, summary.members) == (3, 12, 9)
    assert (summary.groups, summary.cameras, summary.watchlists) == (2, 4, 5)
    assert summary.alert_rules == len(AlertKind)
    assert summary.overdue_houses == 4
    assert summary.persons == 22

    async with storage.services() as svc:
        community = await svc.houses.community()
        assert (community.name, bool(community.phone)) == ("安宁社区", True)
        assert len(await svc.members.list(admin, role=Role.CADRE)) == 3
        houses = await svc.houses.list(admin)
        assert all(house.cadre is not None for house in houses)
        assert sum(house.last_visit_at is None for house in houses) == 2
        for telegram_id in RESIDENT_IDS:
            member = await svc.members.by_telegram_id(telegram_id)
            assert member is not None
            assert member.person_id is not None
        person_ids = (await svc.session.scalars(select(Person.id))).all()
        for person_id in person_ids:
            assert is_valid_id_number(await svc.persons.reveal_id_number(admin, person_id))
        rules = (await svc.session.scalars(select(AlertRule))).all()
        assert {rule.kind for rule in rules} == set(AlertKind)
        assert len(rules) == len(AlertKind), "no rule duplicates a default rule"
        assert await svc.alerts.ensure_default_rules() == 0
        vehicles = await svc.watchlists.of_kind(WatchlistKind.VEHICLES)
        assert vehicles is not None
        plates = [e.plate for e in await svc.watchlists.entries(admin, vehicles.id)]
        assert "浙A12345" in plates
        assert len(plates) == 2
        interest = await svc.watchlists.of_kind(WatchlistKind.PERSONS_OF_INTEREST)
        assert interest is not None
        assert len(await svc.watchlists.entries(admin, interest.id)) == 1
        groups = await svc.groups.list(admin)
        assert {g.chat_id for g in groups} == {GUARD_GROUP_ID, STAFF_GROUP_ID}

    cameras = json.loads(summary.cameras_file.read_text(encoding="utf-8"))["cameras"]
    layers = sorted((c["kind"], c["layer"]) for c in cameras)
    assert layers == [("face", 1), ("face", 1), ("face", 3), ("plate", 1)]
    async with storage.services() as svc:
        for camera in cameras:
            assert (await svc.cameras.authenticate(camera["id"], camera["token"])).enabled


async def test_seed_demo_is_idempotent(storage: Storage, admin: Actor, tmp_path: Path) -> None:
    await seed_demo(storage.services, admin, tmp_path)
    tokens = (tmp_path / "demo-cameras.json").read_text(encoding="utf-8")
    again = await seed_demo(storage.services, admin, tmp_path)
    assert again.already_seeded
    assert (tmp_path / "demo-cameras.json").read_text(encoding="utf-8") == tokens
    async with storage.services() as svc:
        assert await svc.session.scalar(select(func.count(House.id))) == 12


async def test_seed_demo_refuses_real_data(storage: Storage, admin: Actor, tmp_path: Path) -> None:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "别的社区")
        grid = await svc.houses.ensure_grid(admin, "X1")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        await svc.houses.save_house(admin, building=building, code="X", standard_address="某地")
    with pytest.raises(AlreadyExists):
        await seed_demo(storage.services, admin, tmp_path)
    assert not (tmp_path / "demo-cameras.json").exists()
    async with storage.services() as svc:
        assert await svc.members.by_telegram_id(ADMIN_ID) is None
