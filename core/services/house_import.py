"""The houses CSV: one row per person living in a house; house columns repeat per row.

Columns: grid_code, grid_name, building, house_code, standard_address, kind, risk_colour,
landlord_name, landlord_id_number, landlord_phone, cadre_name, tenant_name,
tenant_id_number, tenant_phone, tenant_kind, moved_in (YYYY-MM-DD). Tenant and landlord
columns may be empty. A cadre named here who is not a member yet is created unbound
(`safecommunity member add` with the same name and role binds them later).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from core.errors import DomainError
from core.models import HouseKind, Member, PersonKind, ResidencyRole, RiskColour, Role
from core.roles import Actor
from core.text import clean_name

if TYPE_CHECKING:
    from core.services.houses import ImportResult
    from core.services.uow import UnitOfWork

REQUIRED_COLUMNS = ("grid_code", "building", "house_code", "standard_address")
FLOW = "house_import"


async def import_house_rows(
    uow: UnitOfWork, actor: Actor, rows: Iterable[dict[str, str]]
) -> ImportResult:
    from core.services.houses import ImportResult

    result = ImportResult()
    seen_houses: set[str] = set()
    for line, raw in enumerate(rows, start=2):
        row = {key.strip(): (value or "").strip() for key, value in raw.items() if key}
        try:
            missing = [c for c in REQUIRED_COLUMNS if not row.get(c)]
            if missing:
                raise DomainError("missing " + ", ".join(missing))
            async with uow.session.begin_nested():
                created = await _import_row(uow, actor, row, seen_houses, result)
        except (DomainError, ValueError) as exc:
            result.errors.append((line, f"{type(exc).__name__}: {exc}"))
            continue
        if created is True:
            result.houses_created += 1
        elif created is False:
            result.houses_updated += 1
    return result


async def _import_row(
    uow: UnitOfWork,
    actor: Actor,
    row: dict[str, str],
    seen_houses: set[str],
    result: ImportResult,
) -> bool | None:
    houses, persons = uow.houses, uow.persons
    grid = await houses.ensure_grid(actor, row["grid_code"], row.get("grid_name", ""))
    building = await houses.ensure_building(actor, grid, row["building"])
    code = row["house_code"]
    created: bool | None = None
    if code not in seen_houses:
        landlord_id = None
        if row.get("landlord_name"):
            landlord = await _person(uow, actor, row, "landlord")
            landlord_id = landlord
        cadre_id = await _cadre(uow, actor, row.get("cadre_name", ""), grid.code)
        house, created = await houses.save_house(
            actor,
            building=building,
            code=code,
            standard_address=row["standard_address"],
            kind=HouseKind(row.get("kind") or "rental"),
            risk_colour=RiskColour(row.get("risk_colour") or "green"),
            landlord_id=landlord_id,
            cadre_id=cadre_id,
        )
        seen_houses.add(code)
    else:
        house = await houses.by_code(actor, code)
    if row.get("tenant_name"):
        person_id = await _person(uow, actor, row, "tenant")
        if await uow.persons.lives_in(person_id, house.id):
            return created  # re-importing the same file must not add the residency twice
        moved_in = date.fromisoformat(row["moved_in"]) if row.get("moved_in") else None
        await persons.add_residency(
            actor,
            person_id=person_id,
            house_id=house.id,
            role=ResidencyRole.TENANT,
            moved_in=moved_in,
            flow=FLOW,
        )
        result.persons_added += 1
    return created


async def _person(uow: UnitOfWork, actor: Actor, row: dict[str, str], prefix: str) -> int:
    """Find the person by ID number, else add them."""
    id_number = row.get(f"{prefix}_id_number") or None
    if id_number:
        existing = await uow.persons.find_by_id_number(actor, id_number, flow=FLOW)
        if existing is not None:
            return existing.id
    view = await uow.persons.add(
        actor,
        name=row[f"{prefix}_name"],
        id_number=id_number,
        phone=row.get(f"{prefix}_phone") or None,
        kind=PersonKind(row.get(f"{prefix}_kind") or "registered"),
        flow=FLOW,
    )
    return view.id


async def _cadre(uow: UnitOfWork, actor: Actor, name: str, grid_code: str) -> int | None:
    if not name:
        return None
    name = clean_name(name)  # as `members.add` stores it, so that a re-import finds them
    cadre: Member | None = await uow.houses.cadre_by_name(name)
    if cadre is None:
        cadre = await uow.members.add(
            actor, telegram_id=None, role=Role.CADRE, name=name, grid_code=grid_code
        )
    return cadre.id
