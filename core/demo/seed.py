"""Seed the demo community through the services, in one unit of work."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from core.demo.data import (
    ADMIN_ID,
    CADRE_IDS,
    CAMERAS_FILE_NAME,
    CAO,
    COMMUNITY_NAME,
    COMMUNITY_PHONE,
    DEMO_CAMERAS,
    DEMO_GRIDS,
    DEMO_GROUPS,
    DEMO_HOUSES,
    DEMO_MEMBERS,
    DEMO_PLATES,
    FLOW,
    HE,
    LIN,
    PERSON_OF_INTEREST,
    QIAN,
    RESIDENT_IDS,
    DemoHouse,
    DemoPerson,
)
from core.errors import AlreadyExists
from core.models import (
    AlertKind,
    AlertRule,
    House,
    HouseKind,
    Member,
    ResidencyRole,
    Visit,
    VisitStatus,
    WatchlistKind,
)
from core.roles import Actor, Permission
from core.services import ServiceFactory, UnitOfWork

DEMO_AUTHORITY = "公安协查函 2026-118"  # the police request the demo's entries rest on


@dataclass(frozen=True)
class DemoSummary:
    already_seeded: bool
    cameras_file: Path
    community: str = COMMUNITY_NAME
    grids: int = 0
    houses: int = 0
    overdue_houses: int = 0
    persons: int = 0
    members: int = 0
    groups: int = 0
    cameras: int = 0
    watchlists: int = 0
    alert_rules: int = 0


async def seed_demo(
    services: ServiceFactory,
    actor: Actor,
    data_dir: Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Seed the sample community (idempotent); camera tokens go to `demo-cameras.json`."""
    cameras_file = Path(data_dir) / CAMERAS_FILE_NAME
    step = progress or (lambda _label: None)
    async with services() as svc:
        if await svc.members.by_telegram_id(ADMIN_ID) is not None:
            return DemoSummary(already_seeded=True, cameras_file=cameras_file)
        await _refuse_conflicts(svc)
        seeder = _Seeder(svc, actor)
        await seeder.community()
        step("community")
        await seeder.members()
        step("members")
        for house in DEMO_HOUSES:
            await seeder.house(house)
            step(house.code)
        await seeder.bind_resident_members()
        await seeder.groups()
        step("groups")
        tokens = await seeder.cameras()
        step("cameras")
        await seeder.watchlists()
        step("watchlists")
        await seeder.alert_rules()
        _write_tokens(cameras_file, tokens)
        step("alert rules")
        return seeder.summary(cameras_file)


async def _refuse_conflicts(svc: UnitOfWork) -> None:
    ids = [telegram_id for telegram_id, _name, _role in DEMO_MEMBERS]
    taken = await svc.session.scalar(select(Member.telegram_id).where(Member.telegram_id.in_(ids)))
    if taken is not None:
        raise AlreadyExists("demo_member", telegram_id=taken)
    if await svc.session.scalar(select(func.count(House.id))):
        raise AlreadyExists("houses", hint="seed the demo into an empty data dir")


class _Seeder:
    def __init__(self, svc: UnitOfWork, actor: Actor) -> None:
        self.svc, self.actor = svc, actor
        self.persons: dict[str, int] = {}
        self.occupants: list[int] = []
        self.cadres: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def _count(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    async def community(self) -> None:
        await self.svc.houses.ensure_community(self.actor, COMMUNITY_NAME, COMMUNITY_PHONE)
        for code, name in DEMO_GRIDS:
            await self.svc.houses.ensure_grid(self.actor, code, name)
            self._count("grids")

    async def members(self) -> None:
        cadre_grids = dict(zip(CADRE_IDS, (code for code, _ in DEMO_GRIDS), strict=True))
        for telegram_id, name, role in DEMO_MEMBERS:
            grid = cadre_grids.get(telegram_id)
            member = await self.svc.members.add(
                self.actor,
                telegram_id=telegram_id,
                role=role,
                name=name,
                grid_code=grid,
                phone=f"1380571{telegram_id:04d}",
            )
            if grid is not None:
                self.cadres[grid] = member.id
            self._count("members")

    async def person(self, spec: DemoPerson) -> int:
        if spec.id_number not in self.persons:
            view = await self.svc.persons.add(
                self.actor,
                name=spec.name,
                id_number=spec.id_number,
                phone=spec.phone or None,
                kind=spec.kind,
                flow=FLOW,
            )
            self.persons[spec.id_number] = view.id
        return self.persons[spec.id_number]

    async def house(self, spec: DemoHouse) -> None:
        houses = self.svc.houses
        grid = await houses.ensure_grid(self.actor, spec.grid)
        building = await houses.ensure_building(self.actor, grid, spec.building)
        landlord_id = await self.person(spec.landlord) if spec.landlord else None
        house, _created = await houses.save_house(
            self.actor,
            building=building,
            code=spec.code,
            standard_address=spec.address,
            kind=spec.kind,
            risk_colour=spec.colour,
            landlord_id=landlord_id,
            cadre_id=self.cadres[spec.grid],
        )
        role = ResidencyRole.OWNER if spec.kind is HouseKind.OWNER else ResidencyRole.TENANT
        for occupant in spec.occupants:
            person_id = await self.person(occupant)
            await self.svc.persons.add_residency(
                self.actor,
                person_id=person_id,
                house_id=house.id,
                role=role,
                moved_in=date(2023, 3, 1) + timedelta(days=37 * len(self.occupants)),
                flow=FLOW,
            )
            self.occupants.append(person_id)
        if spec.visited_days_ago is not None:
            started = houses.now() - timedelta(days=spec.visited_days_ago, hours=2)
            visit = Visit(
                house_id=house.id,
                cadre_id=self.cadres[spec.grid],
                status=VisitStatus.COMPLETED,
                started_at=started,
                finished_at=started + timedelta(minutes=25),
                verified={"residents": len(spec.occupants)},
            )
            self.svc.session.add(visit)
            house.last_visit_at = visit.finished_at
        if self._overdue(spec):
            self._count("overdue_houses")
        self._count("houses")
        await self.svc.flush()

    def _overdue(self, spec: DemoHouse) -> bool:
        if spec.kind is not HouseKind.RENTAL:
            return False
        if spec.visited_days_ago is None:
            return True
        context = self.svc.context
        limit = context.visit_interval_days[spec.colour.value] + context.overdue_grace_days
        return spec.visited_days_ago > limit

    async def bind_resident_members(self) -> None:
        """Resident members 4001/4002 are the tenants of the same name."""
        for telegram_id, person in zip(RESIDENT_IDS, (LIN, HE), strict=True):
            person_id = self.persons.get(person.id_number)
            member = await self.svc.members.by_telegram_id(telegram_id)
            if person_id is not None and member is not None and member.person_id is None:
                member.person_id = person_id

    async def groups(self) -> None:
        for chat_id, role, title in DEMO_GROUPS:
            await self.svc.groups.add(self.actor, chat_id=chat_id, role=role, title=title)
            self._count("groups")

    async def cameras(self) -> list[dict[str, Any]]:
        tokens: list[dict[str, Any]] = []
        for camera_id, kind, name, grid, layer in DEMO_CAMERAS:
            camera, token = await self.svc.cameras.add(
                self.actor, camera_id=camera_id, kind=kind, name=name, grid_code=grid, layer=layer
            )
            tokens.append(
                {
                    "id": camera.id,
                    "kind": kind.value,
                    "name": name,
                    "grid": grid,
                    "layer": layer,
                    "token": token,
                }
            )
            self._count("cameras")
        return tokens

    async def watchlists(self) -> None:
        self.actor.require(Permission.MANAGE_WATCHLISTS)
        lists = self.svc.watchlists
        await lists.create(self.actor, kind=WatchlistKind.RESIDENTS, name="本社区住户")
        for person_id in dict.fromkeys(self.occupants):
            await lists.enrol_resident(self.actor, person_id)
        interest = await lists.create(
            self.actor, kind=WatchlistKind.PERSONS_OF_INTEREST, name="重点人员"
        )
        await lists.add_person(
            self.actor,
            interest.id,
            await self.person(PERSON_OF_INTEREST),
            reason="民警布控",
            authority=DEMO_AUTHORITY,
        )
        care = await lists.create(self.actor, kind=WatchlistKind.CARE, name="关注人员（独居老人）")
        await lists.add_person(
            self.actor, care.id, self.persons[CAO.id_number], reason="独居", authority="社区走访"
        )
        missing = await lists.create(self.actor, kind=WatchlistKind.MISSING, name="走失人员")
        await lists.add_person(
            self.actor,
            missing.id,
            self.persons[QIAN.id_number],
            reason="阿尔茨海默症，易走失",
            authority="家属报告",
        )
        vehicles = await lists.create(self.actor, kind=WatchlistKind.VEHICLES, name="布控车辆")
        for plate, note in DEMO_PLATES:
            await lists.add_plate(
                self.actor, vehicles.id, plate, reason=note, authority=DEMO_AUTHORITY
            )
        self._count("watchlists", 5)

    async def alert_rules(self) -> None:
        """One rule per alert kind: the defaults (appears for each built-in list, missing
        persons everywhere) and the demo's stranger, long-absence and tailgating rules."""
        self.actor.require(Permission.MANAGE_WATCHLISTS)
        lists = self.svc.watchlists
        rules: list[tuple[AlertKind, WatchlistKind | None, dict[str, Any], int]] = [
            (
                AlertKind.STRANGER,
                WatchlistKind.RESIDENTS,
                {"layers": [1, 3], "min_sightings": 2, "window_minutes": 30},
                1800,
            ),
            (AlertKind.LONG_ABSENCE, WatchlistKind.CARE, {"days": 3}, 86400),
            (AlertKind.TAILGATING, None, {"layers": [3], "window_seconds": 5}, 300),
        ]
        # A fresh install already has the default rules (one per built-in list): the demo
        # keeps them instead of adding a second rule of the same kind (two alerts per sighting).
        await self.svc.alerts.ensure_default_rules()
        have = set(await self.svc.session.scalars(select(AlertRule.kind)))
        self._count("alert_rules", len(have))
        for kind, list_kind, params, cooldown in rules:
            if kind in have:
                continue
            watchlist = await lists.of_kind(list_kind) if list_kind else None
            rule = AlertRule(
                kind=kind,
                enabled=True,
                watchlist_id=watchlist.id if watchlist else None,
                params=params,
                cooldown_seconds=cooldown,
            )
            self.svc.session.add(rule)
            await self.svc.flush()
            await self.svc.audit.record(self.actor, "create", "alert_rule", rule.id, flow=FLOW)
            self._count("alert_rules")

    def summary(self, cameras_file: Path) -> DemoSummary:
        counts = self.counts.get
        return DemoSummary(
            already_seeded=False,
            cameras_file=cameras_file,
            grids=counts("grids", 0),
            houses=counts("houses", 0),
            overdue_houses=counts("overdue_houses", 0),
            persons=len(self.persons),
            members=counts("members", 0),
            groups=counts("groups", 0),
            cameras=counts("cameras", 0),
            watchlists=counts("watchlists", 0),
            alert_rules=counts("alert_rules", 0),
        )


def _write_tokens(path: Path, cameras: list[dict[str, Any]]) -> None:
    """Write the camera tokens readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"community": COMMUNITY_NAME, "cameras": cameras}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(payload, handle, ensure_ascii=False, indent=2)
        handle.write("\n")
