"""The admin console's service calls: members, groups, cameras (audited, role-checked)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.bootstrap import Storage
from core.errors import InvalidInput, InvalidToken, NotFound
from core.models import AuditEntry, CameraKind, GroupRole, Role
from core.roles import Actor
from core.services import actor_for


async def _grids(storage: Storage, admin: Actor) -> None:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        await svc.houses.ensure_grid(admin, "G1", "一网格")
        await svc.houses.ensure_grid(admin, "G2", "二网格")


async def _audit(storage: Storage, action: str) -> list[AuditEntry]:
    async with storage.services() as svc:
        query = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await svc.session.scalars(query)).all())


async def test_members_by_role_grid_and_status(storage: Storage, admin: Actor) -> None:
    await _grids(storage, admin)
    async with storage.services() as svc:
        a = await svc.members.add(admin, telegram_id=1, role=Role.CADRE, name="甲", grid_code="G1")
        await svc.members.add(admin, telegram_id=2, role=Role.CADRE, name="乙", grid_code="G2")
        await svc.members.add(admin, telegram_id=3, role=Role.GUARD, name="丙", grid_code="G1")
        await svc.members.deactivate(admin, a.id)
    async with storage.services() as svc:
        names = [m.name for m in await svc.members.list(admin, role=Role.CADRE)]
        assert sorted(names) == ["乙", "甲"]
        in_g1 = await svc.members.list(admin, grid_code="G1")
        assert {m.name for m in in_g1} == {"甲", "丙"}
        active = await svc.members.list(admin, grid_code="G1", active=True)
        assert [m.name for m in active] == ["丙"]
        assert [g.code for g in await svc.members.grids()] == ["G1", "G2"]
        with pytest.raises(NotFound):
            await svc.members.list(admin, grid_code="G9")


async def test_role_and_grid_changes_are_audited(storage: Storage, admin: Actor) -> None:
    await _grids(storage, admin)
    async with storage.services() as svc:
        boss = await svc.members.add(admin, telegram_id=10, role=Role.ADMIN, name="管理员")
        worker = await svc.members.add(admin, telegram_id=11, role=Role.RESIDENT, name="小王")
    by_boss = actor_for(boss)
    async with storage.services() as svc:
        assert await svc.members.set_role(by_boss, worker.id, Role.CADRE) is Role.RESIDENT
        await svc.members.set_grid(by_boss, worker.id, "G2")
    async with storage.services() as svc:
        changed = await svc.members.get(admin, worker.id)
        assert changed.role is Role.CADRE
        grid_id = await svc.members.grid_id("G2")
        assert changed.grid_id == grid_id
        await svc.members.set_grid(by_boss, worker.id, None)
        await svc.members.set_role(by_boss, worker.id, Role.CADRE)  # unchanged: no entry
    (role_entry,) = await _audit(storage, "set_role")
    assert role_entry.actor_id == boss.id
    assert role_entry.subject_id == str(worker.id)
    assert role_entry.details == {"old": "resident", "new": "cadre"}
    grid_entries = await _audit(storage, "set_grid")
    assert [e.details for e in grid_entries] == [
        {"old": None, "new": grid_id},
        {"old": grid_id, "new": None},
    ]


async def test_an_admin_cannot_change_or_deactivate_themselves(
    storage: Storage, admin: Actor
) -> None:
    async with storage.services() as svc:
        boss = await svc.members.add(admin, telegram_id=10, role=Role.ADMIN, name="管理员")
    for change in (
        lambda s: s.members.set_role(actor_for(boss), boss.id, Role.GUARD),
        lambda s: s.members.set_grid(actor_for(boss), boss.id, None),
        lambda s: s.members.deactivate(actor_for(boss), boss.id),
    ):
        with pytest.raises(InvalidInput):
            async with storage.services() as svc:
                await change(svc)
    async with storage.services() as svc:
        assert (await svc.members.get(admin, boss.id)).active
        with pytest.raises(NotFound):
            await svc.members.set_role(admin, 999, Role.GUARD)


async def test_deactivation_is_audited_once(storage: Storage, admin: Actor) -> None:
    async with storage.services() as svc:
        member = await svc.members.add(admin, telegram_id=12, role=Role.GUARD, name="保安")
    for _ in range(2):
        async with storage.services() as svc:
            await svc.members.deactivate(admin, member.id)
    async with storage.services() as svc:
        assert await svc.members.by_telegram_id(12) is None
    assert len(await _audit(storage, "deactivate")) == 1


async def test_groups_are_removed_with_an_audit_entry(storage: Storage, admin: Actor) -> None:
    await _grids(storage, admin)
    async with storage.services() as svc:
        await svc.groups.add(
            admin,
            chat_id=-100,
            role=GroupRole.GUARDS,
            grid_codes=["G1", "G2", "G1"],
            title=" 北门 ",
        )
        with pytest.raises(InvalidInput):
            await svc.groups.add(admin, chat_id=42, role=GroupRole.STAFF)
    async with storage.services() as svc:
        group = await svc.groups.get(admin, -100)
        assert (group.title, [g.code for g in group.grids]) == ("北门", ["G1", "G2"])
        removed = await svc.groups.remove(admin, -100)
        assert removed.role is GroupRole.GUARDS
    async with storage.services() as svc:
        assert await svc.groups.by_chat_id(-100) is None
        with pytest.raises(NotFound):
            await svc.groups.remove(admin, -100)
        await svc.groups.add(admin, chat_id=-100, role=GroupRole.STAFF)  # bound again
    (entry,) = await _audit(storage, "remove")
    assert (entry.subject_type, entry.subject_id) == ("group", "-100")
    assert entry.details == {"role": "guards", "title": "北门"}


async def test_camera_tokens_rotate_and_cameras_disable(storage: Storage, admin: Actor) -> None:
    async with storage.services() as svc:
        camera, old = await svc.cameras.add(
            admin, camera_id=None, kind=CameraKind.FACE, name=" 北门 "
        )
        other, _ = await svc.cameras.add(admin, camera_id="", kind=CameraKind.FACE, name="南门")
        assert (camera.id, camera.name, other.id) == ("face-1", "北门", "face-2")
        with pytest.raises(InvalidInput):
            await svc.cameras.add(admin, camera_id="北门", kind=CameraKind.FACE, name="x")
        with pytest.raises(InvalidInput):
            await svc.cameras.add(admin, camera_id="c", kind=CameraKind.FACE, name="  ")
    async with storage.services() as svc:
        new = await svc.cameras.rotate_token(admin, "face-1")
    assert new != old
    async with storage.services() as svc:
        with pytest.raises(InvalidToken):
            await svc.cameras.authenticate("face-1", old)
        assert (await svc.cameras.authenticate("face-1", new)).last_seen_at is not None
    for _ in range(2):
        async with storage.services() as svc:
            assert not (await svc.cameras.disable(admin, "face-1")).enabled
    async with storage.services() as svc:
        with pytest.raises(InvalidToken):
            await svc.cameras.authenticate("face-1", new)
        with pytest.raises(NotFound):
            await svc.cameras.rotate_token(admin, "nope")
    assert len(await _audit(storage, "rotate_token")) == 1
    assert len(await _audit(storage, "disable")) == 1
