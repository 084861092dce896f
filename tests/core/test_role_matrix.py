"""Every service call, with every role: allowed exactly where the role matrix says so."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from core.bootstrap import Storage
from core.errors import PermissionDenied
from core.models import CameraKind, GroupRole, ReportCategory, RiskColour, Role, WatchlistKind
from core.roles import ROLE_PERMISSIONS, Actor, Permission
from core.services import UnitOfWork
from core.services.reports import NewReport, Reporter
from tests.core.notices import Told

VALID_ID = "11010519491231002X"


@dataclass
class World:
    house_id: int
    person_id: int
    residency_id: int
    grid_code: str
    watchlist_id: int
    vehicles_id: int
    house_message_id: int
    report_id: int


Call = Callable[[UnitOfWork, Actor, World], Awaitable[Any]]

CALLS: list[tuple[str, Permission, Call]] = [
    (
        "members.add",
        Permission.MANAGE_MEMBERS,
        lambda s, a, w: s.members.add(a, telegram_id=None, role=Role.RESIDENT, name="新人"),
    ),
    ("members.list", Permission.MANAGE_MEMBERS, lambda s, a, w: s.members.list(a)),
    (
        "members.invite",
        Permission.MANAGE_MEMBERS,
        lambda s, a, w: s.members.invite(a, role=Role.GUARD),
    ),
    (
        "groups.add",
        Permission.MANAGE_GROUPS,
        lambda s, a, w: s.groups.add(a, chat_id=-1009, role=GroupRole.GUARDS),
    ),
    ("groups.list", Permission.MANAGE_GROUPS, lambda s, a, w: s.groups.list(a)),
    (
        "houses.ensure_grid",
        Permission.MANAGE_HOUSES,
        lambda s, a, w: s.houses.ensure_grid(a, "G9"),
    ),
    ("houses.list", Permission.VIEW_HOUSES, lambda s, a, w: s.houses.list(a)),
    ("houses.get", Permission.VIEW_HOUSES, lambda s, a, w: s.houses.get(a, w.house_id)),
    (
        "houses.reissue_card",
        Permission.MANAGE_HOUSES,
        lambda s, a, w: s.houses.reissue_card(a, w.house_id),
    ),
    ("houses.import_rows", Permission.MANAGE_HOUSES, lambda s, a, w: s.houses.import_rows(a, [])),
    ("persons.add", Permission.EDIT_PERSONS, lambda s, a, w: s.persons.add(a, name="李四")),
    ("persons.get", Permission.VIEW_PERSONS, lambda s, a, w: s.persons.get(a, w.person_id)),
    (
        "persons.find_by_id_number",
        Permission.VIEW_PERSONS,
        lambda s, a, w: s.persons.find_by_id_number(a, VALID_ID),
    ),
    (
        "persons.reveal_id_number",
        Permission.REVEAL_ID_NUMBER,
        lambda s, a, w: s.persons.reveal_id_number(a, w.person_id),
    ),
    (
        "persons.update",
        Permission.EDIT_PERSONS,
        lambda s, a, w: s.persons.update(a, w.person_id, name="张三丰"),
    ),
    (
        "persons.add_residency",
        Permission.EDIT_PERSONS,
        lambda s, a, w: s.persons.add_residency(a, person_id=w.person_id, house_id=w.house_id),
    ),
    (
        "persons.residents_of",
        Permission.VIEW_PERSONS,
        lambda s, a, w: s.persons.residents_of(a, w.house_id),
    ),
    (
        "cameras.add",
        Permission.MANAGE_CAMERAS,
        lambda s, a, w: s.cameras.add(a, camera_id="cam-x", kind=CameraKind.FACE, name="东门"),
    ),
    ("cameras.list", Permission.MANAGE_CAMERAS, lambda s, a, w: s.cameras.list(a)),
    (
        "watchlists.create",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.create(a, kind=WatchlistKind.MISSING, name="走失"),
    ),
    (
        "watchlists.add_person",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.add_person(a, w.watchlist_id, w.person_id),
    ),
    (
        "watchlists.add_plate",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.add_plate(a, w.vehicles_id, "浙A12345"),
    ),
    (
        "watchlists.entries",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.entries(a, w.watchlist_id),
    ),
    ("audit.entries", Permission.VIEW_AUDIT, lambda s, a, w: s.audit.entries(a)),
    (
        "house_messages.answer",
        Permission.HANDLE_REPORTS,
        lambda s, a, w: s.house_messages.answer(a, w.house_message_id, "已处理"),
    ),
    (
        "reports.file",
        Permission.FILE_REPORTS,
        lambda s, a, w: s.reports.file(
            a, Reporter(4242), NewReport(ReportCategory.OTHER, "楼道灯坏了")
        ),
    ),
    ("reports.staff_list", Permission.HANDLE_REPORTS, lambda s, a, w: s.reports.staff_list(a)),
    (
        "reports.staff_view",
        Permission.HANDLE_REPORTS,
        lambda s, a, w: s.reports.staff_view(a, w.report_id),
    ),
    ("reports.take", Permission.HANDLE_REPORTS, lambda s, a, w: s.reports.take(a, w.report_id)),
    (
        "reports.update",
        Permission.HANDLE_REPORTS,
        lambda s, a, w: s.reports.update(a, w.report_id, "已联系"),
    ),
    (
        "reports.export",
        Permission.HANDLE_REPORTS,
        lambda s, a, w: s.reports.export(a, datetime(2000, 1, 1, tzinfo=UTC)),
    ),
    (
        "supervision.overdue",
        Permission.VIEW_ALL_VISITS,
        lambda s, a, w: s.supervision.overdue(a),
    ),
    (
        "supervision.reminder_plan",
        Permission.VIEW_ALL_VISITS,
        lambda s, a, w: s.supervision.reminder_plan(a),
    ),
    (
        "supervision.team_stats",
        Permission.VIEW_ALL_VISITS,
        lambda s, a, w: s.supervision.team_stats(a),
    ),
    (
        "supervision.my_overview",
        Permission.VISIT_HOUSES,
        lambda s, a, w: s.supervision.my_overview(a),
    ),
    (
        "houses.change_risk_colour",
        Permission.CHANGE_RISK_COLOUR,
        lambda s, a, w: s.houses.change_risk_colour(a, w.house_id, RiskColour.RED, "群租"),
    ),
    (
        "houses.card_infos",
        Permission.MANAGE_HOUSES,
        lambda s, a, w: s.houses.card_infos(a, bot_username="safecommunity_bot"),
    ),
    (
        "visits.open_by_code",
        Permission.VISIT_HOUSES,
        lambda s, a, w: s.visits.open_by_code(a, "H-1"),
    ),
    ("visits.sheet", Permission.VISIT_HOUSES, lambda s, a, w: s.visits.sheet(a, w.house_id)),
    (
        "watchlists.enrol_resident",
        Permission.EDIT_PERSONS,
        lambda s, a, w: s.watchlists.enrol_resident(a, w.person_id),
    ),
]


async def _world(storage: Storage, admin: Actor) -> World:
    async with storage.services() as svc:
        await svc.houses.ensure_community(admin, "安宁社区")
        grid = await svc.houses.ensure_grid(admin, "G1", "一网格")
        building = await svc.houses.ensure_building(admin, grid, "1幢")
        house, _ = await svc.houses.save_house(
            admin, building=building, code="H-1", standard_address="文三路1号1幢101室"
        )
        person = await svc.persons.add(admin, name="张三", id_number=VALID_ID)
        residency = await svc.persons.add_residency(admin, person_id=person.id, house_id=house.id)
        poi = await svc.watchlists.create(
            admin, kind=WatchlistKind.PERSONS_OF_INTEREST, name="重点"
        )
        vehicles = await svc.watchlists.create(admin, kind=WatchlistKind.VEHICLES, name="车辆")
        await svc.members.add(admin, telegram_id=601, role=Role.ADMIN, name="张明")  # hears it
        message = await svc.house_messages.submit(
            house_id=house.id,
            sender_telegram_id=777,
            sender_name="小李",
            sender_locale=None,
            text="楼道被堵",
        )
        report = await svc.reports.file(  # public order: police may handle it too
            admin, Reporter(4241), NewReport(ReportCategory.PUBLIC_ORDER, "深夜有人聚赌")
        )
    assert message is not None
    return World(
        house.id, person.id, residency, grid.code, poi.id, vehicles.id, message.id, report.id
    )


def test_every_permission_is_exercised() -> None:
    exercised = {permission for _, permission, _ in CALLS}
    bot_only = {
        Permission.USE_BOT,
        Permission.HANDLE_ALERTS,
    }
    assert exercised | bot_only == set(Permission)


@pytest.mark.parametrize("role", list(Role))
async def test_role_matrix(storage: Storage, admin: Actor, role: Role, told: Told) -> None:
    world = await _world(storage, admin)
    actor = Actor(role=role, member_id=None, label=f"test-{role}")
    outcomes: dict[str, bool] = {}
    for name, _permission, call in CALLS:
        try:
            async with storage.services() as svc:
                await call(svc, actor, world)
        except PermissionDenied:
            outcomes[name] = False
        else:
            outcomes[name] = True
    expected = {name: perm in ROLE_PERMISSIONS[role] for name, perm, _ in CALLS}
    assert outcomes == expected
