"""The houses CSV import over the services, and binding the cadres it creates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.bootstrap import Storage
from core.errors import AlreadyExists, InvalidInput, NotFound
from core.models import House, Member, Person, Role
from core.roles import Actor
from core.services import ImportResult
from core.services.member_binding import MemberBindingService

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "houses.csv"


def example_rows() -> list[dict[str, str]]:
    with EXAMPLES.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


async def _import(storage: Storage, admin: Actor, rows: list[dict[str, str]]) -> ImportResult:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        return await svc.houses.import_rows(admin, rows)


async def test_import_the_example(storage: Storage, admin: Actor) -> None:
    result = await _import(storage, admin, example_rows())
    assert result.errors == []
    assert (result.houses_created, result.houses_updated, result.persons_added) == (12, 0, 14)
    async with storage.services() as svc:
        assert await svc.session.scalar(select(func.count(House.id))) == 12
        # 7 landlords (two of them let several houses) and 14 tenants
        assert await svc.session.scalar(select(func.count(Person.id))) == 21
        cadres = await svc.members.list(admin, role=Role.CADRE)
        assert sorted(c.name for c in cadres) == ["潘静", "许丽", "邵杰"]
        assert all(c.telegram_id is None for c in cadres)
        kinds = {row["tenant_kind"] for row in example_rows() if row["tenant_kind"]}
        assert kinds == {"registered", "floating", "foreign"}


async def test_a_bad_row_is_reported_and_the_others_kept(storage: Storage, admin: Actor) -> None:
    rows = example_rows()
    good = rows[4]["tenant_id_number"]
    rows[4]["tenant_id_number"] = good[:17] + ("1" if good[17] != "1" else "2")
    rows[8]["grid_code"] = ""
    result = await _import(storage, admin, rows)
    assert [line for line, _ in result.errors] == [6, 10]
    assert "InvalidIdNumber" in result.errors[0][1]
    assert "grid_code" in result.errors[1][1]
    assert result.houses_created == 10
    async with storage.services() as svc:
        assert await svc.session.scalar(select(func.count(House.id))) == 10


async def test_member_add_binds_the_imported_cadre(storage: Storage, admin: Actor) -> None:
    await _import(storage, admin, example_rows())
    async with storage.services() as svc:
        binding = MemberBindingService(svc)
        member, bound = await binding.bind_or_add(
            admin, telegram_id=2001, role=Role.CADRE, name=" 许丽 ", phone="138 0000 1111"
        )
        assert bound
        assert (member.telegram_id, member.phone) == (2001, "13800001111")
        other, bound = await binding.bind_or_add(
            admin, telegram_id=2002, role=Role.CADRE, name="新来的"
        )
        assert not bound
        with pytest.raises(AlreadyExists):
            await binding.bind_or_add(admin, telegram_id=2001, role=Role.CADRE, name="许丽")
        with pytest.raises(NotFound):
            await binding.bind_or_add(
                admin, telegram_id=9, role=Role.CADRE, name="x", grid_code="nope"
            )
    async with storage.services() as svc:
        cadres = await svc.members.list(admin, role=Role.CADRE)
        assert len(cadres) == 4
        houses = await svc.houses.list(admin, grid_code="A01")
        assert {h.cadre_id for h in houses} == {member.id}
        assert other.id not in {h.cadre_id for h in houses}


async def test_binding_is_by_role_and_refuses_ambiguity(storage: Storage, admin: Actor) -> None:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        await svc.houses.ensure_grid(admin, "G1")
        await svc.houses.ensure_grid(admin, "G2")
        for grid in ("G1", "G2"):
            await svc.members.add(
                admin, telegram_id=None, role=Role.CADRE, name="王芳", grid_code=grid
            )
    async with storage.services() as svc:
        binding = MemberBindingService(svc)
        guard, bound = await binding.bind_or_add(
            admin, telegram_id=1, role=Role.GUARD, name="王芳"
        )
        assert (bound, guard.role) == (False, Role.GUARD)
        with pytest.raises(InvalidInput):
            await binding.bind_or_add(admin, telegram_id=2, role=Role.CADRE, name="王芳")
        member, bound = await binding.bind_or_add(
            admin, telegram_id=3, role=Role.CADRE, name="王芳", grid_code="G2"
        )
        assert bound
        assert member.grid_id == (await svc.houses.ensure_grid(admin, "G2")).id
        assert (
            await svc.session.scalar(
                select(func.count(Member.id)).where(Member.telegram_id.is_(None))
            )
            == 1
        )


async def test_typed_forms_of_an_imported_person_and_cadre_find_them_again(
    storage: Storage, admin: Actor
) -> None:
    rows = example_rows()
    await _import(storage, admin, rows[:1])
    full_width = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
    again = dict(rows[0], house_code="A01-12-3-403", standard_address="翠苑一区12幢3单元403室")
    again["tenant_id_number"] = rows[0]["tenant_id_number"].translate(full_width)
    again["landlord_id_number"] = "\u200b" + rows[0]["landlord_id_number"]
    again["cadre_name"] = "\u202e" + rows[0]["cadre_name"] + "\u200b"
    result = await _import(storage, admin, [again])
    assert result.errors == []
    async with storage.services() as svc:
        assert await svc.session.scalar(select(func.count(Person.id))) == 2  # no new people
        assert len(await svc.members.list(admin, role=Role.CADRE)) == 1  # nor a second 许丽
    # A new tenant (no ID number to find them by) whose name shows nothing: the row is refused.
    blank = dict(again, house_code="A01-12-3-404", tenant_name="\u200b\u200c")
    blank["tenant_id_number"] = blank["tenant_phone"] = ""
    result = await _import(storage, admin, [blank])
    assert [line for line, _ in result.errors] == [2]
    assert "InvalidInput: empty" in result.errors[0][1]
