"""Every service call, with every role: allowed exactly where the role matrix says so."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from core.bootstrap import Storage
from core.errors import PermissionDenied
from core.models import (
    CameraKind,
    ChannelKind,
    GroupRole,
    PhotoKind,
    ReportCategory,
    RiskColour,
    Role,
    WatchlistKind,
)
from core.roles import ROLE_PERMISSIONS, Actor, Permission
from core.services import UnitOfWork
from core.services.reports import NewReport, Reporter
from core.services.visits import FaceEnrolment
from tests.core.notices import Told
from tests.core.pictures import picture

VALID_ID = "11010519491231002X"
ROBOT_URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"


@dataclass
class World:
    house_id: int
    person_id: int
    residency_id: int
    grid_code: str
    watchlist_id: int
    vehicles_id: int
    house_message_id: int
    member_id: int
    group_chat_id: int
    camera_id: str
    photo_id: int
    erasable_id: int
    entry_id: int
    report_id: int


FACE = FaceEnrolment(
    data=picture("face"), embedding=b"\0" * 8, backend="t", dimensions=2, quality=1.0
)


Call = Callable[[UnitOfWork, Actor, World], Awaitable[Any]]

CALLS: list[tuple[str, Permission, Call]] = [
    (
        "members.add",
        Permission.MANAGE_MEMBERS,
        lambda s, a, w: s.members.add(a, telegram_id=None, role=Role.RESIDENT, name="新人"),
    ),
    ("members.list", Permission.MANAGE_MEMBERS, lambda s, a, w: s.members.list(a)),
    (
        "members.set_role",
        Permission.MANAGE_MEMBERS,
        lambda s, a, w: s.members.set_role(a, w.member_id, Role.CADRE),
    ),
    (
        "members.set_grid",
        Permission.MANAGE_MEMBERS,
        lambda s, a, w: s.members.set_grid(a, w.member_id, w.grid_code),
    ),
    (
        "members.deactivate",
        Permission.MANAGE_MEMBERS,
        lambda s, a, w: s.members.deactivate(a, w.member_id),
    ),
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
    ("groups.get", Permission.MANAGE_GROUPS, lambda s, a, w: s.groups.get(a, w.group_chat_id)),
    (
        "groups.remove",
        Permission.MANAGE_GROUPS,
        lambda s, a, w: s.groups.remove(a, w.group_chat_id),
    ),
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
        "channels.add",
        Permission.MANAGE_CHANNELS,
        lambda s, a, w: s.channels.add(a, name="new", kind=ChannelKind.FEISHU, url=ROBOT_URL),
    ),
    ("channels.list", Permission.MANAGE_CHANNELS, lambda s, a, w: s.channels.list(a)),
    ("channels.get", Permission.MANAGE_CHANNELS, lambda s, a, w: s.channels.get(a, "robot")),
    (
        "channels.for_test",
        Permission.MANAGE_CHANNELS,
        lambda s, a, w: s.channels.for_test(a, "robot"),
    ),
    (
        "channels.disable",
        Permission.MANAGE_CHANNELS,
        lambda s, a, w: s.channels.disable(a, "robot"),
    ),
    ("cameras.get", Permission.MANAGE_CAMERAS, lambda s, a, w: s.cameras.get(a, w.camera_id)),
    (
        "cameras.rotate_token",
        Permission.MANAGE_CAMERAS,
        lambda s, a, w: s.cameras.rotate_token(a, w.camera_id),
    ),
    (
        "cameras.disable",
        Permission.MANAGE_CAMERAS,
        lambda s, a, w: s.cameras.disable(a, w.camera_id),
    ),
    (
        "watchlists.create",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.create(a, kind=WatchlistKind.MISSING, name="走失"),
    ),
    (
        "watchlists.add_person",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.add_person(
            a, w.watchlist_id, w.person_id, reason="布控", authority="协查"
        ),
    ),
    (
        "watchlists.add_plate",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.add_plate(
            a, w.vehicles_id, "浙A12345", reason="套牌", authority="协查"
        ),
    ),
    (
        "watchlists.entries",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.entries(a, w.watchlist_id),
    ),
    (
        "watchlists.add_face",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.add_face(
            a, w.watchlist_id, name="李四", face=FACE, reason="布控", authority="协查"
        ),
    ),
    ("watchlists.lists", Permission.MANAGE_WATCHLISTS, lambda s, a, w: s.watchlists.lists(a)),
    (
        "watchlists.find",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.find(a, "车辆"),
    ),
    (
        "watchlists.get",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.get(a, w.entry_id),
    ),
    (
        "watchlists.end",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.end(a, w.entry_id),
    ),
    (
        "watchlists.purge_expired",
        Permission.MANAGE_WATCHLISTS,
        lambda s, a, w: s.watchlists.purge_expired(a),
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
    (
        "person_records.search",
        Permission.VIEW_PERSON_RECORDS,
        lambda s, a, w: s.person_records.search(a, "张三"),
    ),
    (
        "person_records.record",
        Permission.VIEW_PERSON_RECORDS,
        lambda s, a, w: s.person_records.record(a, w.person_id),
    ),
    (
        "person_records.reveal_id_number",
        Permission.VIEW_PERSON_RECORDS,
        lambda s, a, w: s.person_records.reveal_id_number(a, w.person_id, "协查"),
    ),
    (
        "person_records.picture",
        Permission.VIEW_PERSON_RECORDS,
        lambda s, a, w: s.person_records.picture(a, w.person_id, w.photo_id, "辨认"),
    ),
    (
        "person_requests.export",
        Permission.MANAGE_PERSONAL_DATA,
        lambda s, a, w: s.person_requests.export(a, w.person_id),
    ),
    (
        "person_requests.erase",
        Permission.MANAGE_PERSONAL_DATA,
        lambda s, a, w: s.person_requests.erase(a, w.erasable_id, "本人申请"),
    ),
    ("audit.page", Permission.VIEW_AUDIT, lambda s, a, w: s.audit.page(a)),
    ("retention.due", Permission.MANAGE_PERSONAL_DATA, lambda s, a, w: s.retention.due(a)),
    ("retention.purge", Permission.MANAGE_PERSONAL_DATA, lambda s, a, w: s.retention.purge(a)),
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
        photo = await svc.photos.store(admin, PhotoKind.FACE, picture("face"), person_id=person.id)
        erasable = await svc.persons.add(admin, name="王五")
        poi = await svc.watchlists.create(
            admin, kind=WatchlistKind.PERSONS_OF_INTEREST, name="重点"
        )
        vehicles = await svc.watchlists.create(admin, kind=WatchlistKind.VEHICLES, name="车辆")
        entry = await svc.watchlists.add_plate(
            admin, vehicles.id, "浙B54321", reason="盗抢", authority="协查 9"
        )
        # Someone must be able to receive a tenant's message, or none is stored.
        await svc.members.add(admin, telegram_id=900, role=Role.ADMIN, name="值班管理员")
        message = await svc.house_messages.submit(
            house_id=house.id,
            sender_telegram_id=777,
            sender_name="小李",
            sender_locale=None,
            text="楼道被堵",
        )
        member = await svc.members.add(admin, telegram_id=None, role=Role.RESIDENT, name="甲")
        group = await svc.groups.add(admin, chat_id=-1001, role=GroupRole.STAFF)
        camera, _token = await svc.cameras.add(
            admin, camera_id="gate", kind=CameraKind.FACE, name="大门"
        )
        await svc.channels.add(admin, name="robot", kind=ChannelKind.WECOM, url=ROBOT_URL)
        report = await svc.reports.file(  # public order: police may handle it too
            admin, Reporter(4241), NewReport(ReportCategory.PUBLIC_ORDER, "深夜有人聚赌")
        )
    assert message is not None
    return World(
        house.id,
        person.id,
        residency,
        grid.code,
        poi.id,
        vehicles.id,
        message.id,
        member.id,
        group.chat_id,
        camera.id,
        photo.id,
        erasable.id,
        entry.id,
        report.id,
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
