"""The visit's draft: a JSON-safe dict in ``user_data["flow"]``, persisted between updates.

It survives a restart (PTB persistence) and an hour away, and is written to the database
only at the upload step (`to_plan`). Personal data typed by the cadre (ID numbers, phones)
is sealed by the service before it enters the draft, and the cadre's message holding it is
deleted; names and masked numbers stay readable (the form shows them anyway); photos are kept
as Telegram file ids.

Shape::

    {"name": "visit", "step": "verify", "ask": {...} | None, "chat_id": …, "message_id": …,
     "house": {"id", "code", "address", "colour", "grid", "landlord", "cadre", "last_at",
               "last_by", "assigned"},
     "residents": [{"rid", "pid", "moved_in", "name", "id_masked", "phone_masked", "kind"}],
     "checks": {"<rid>": {"action", "moved_out", "name", "phone", "kind", "id_number"}},
     "new": [{"name", "id_number", "id_masked", "phone", "phone_masked", "kind", "role",
              "relation", "moved_in", "existing_id", "existing_name", "photos": {kind: id},
              "face": {"file_id", "embedding", "quality", "backend", "dims"} | None}],
     "house_photos": {kind: file_id}, "started_at": iso, "steps": [{"step", "at"}]}
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from core.flows import Flow
from core.models import PersonKind, PhotoKind, ResidencyRole
from core.serial import persistable
from core.services.visits import (
    FaceEnrolment,
    HouseSheet,
    NewResident,
    PhotoUpload,
    ResidentAction,
    ResidentCheck,
    VisitPlan,
    VisitService,
)

FLOW_NAME = "visit"
STEPS = ("scan", "verify", "update", "photograph", "upload")
Draft = dict[str, Any]


class _LegacyStep(enum.StrEnum):
    ANY = "any"


@persistable("flow.visit.legacy")
@dataclass(kw_only=True)
class LegacyVisit(Flow[_LegacyStep]):
    """Interim holder of the visit's dict draft while the visit moves to a typed flow."""

    name: ClassVar[str] = FLOW_NAME
    step: _LegacyStep = _LegacyStep.ANY
    draft: dict[str, Any] = field(default_factory=dict)


def new_draft(chat_id: int, now: datetime) -> Draft:
    return {
        "name": FLOW_NAME,
        "step": "scan",
        "ask": None,
        "chat_id": chat_id,
        "message_id": None,
        "house": None,
        "residents": [],
        "checks": {},
        "new": [],
        "house_photos": {},
        "started_at": now.isoformat(),
        "steps": [{"step": "scan", "at": now.isoformat()}],
    }


def enter(draft: Draft, step: str, now: datetime) -> None:
    """Move to `step`, logging the first time each step is reached (for the visit log)."""
    draft["step"], draft["ask"] = step, None
    if all(entry["step"] != step for entry in draft["steps"]):
        draft["steps"].append({"step": step, "at": now.isoformat()})


def step_number(step: str) -> int:
    return STEPS.index(step) + 1


def load_house(draft: Draft, sheet: HouseSheet) -> None:
    """Copy what the screens show of the house (masked data only) into the draft."""
    landlord = ""
    if sheet.landlord is not None:
        landlord = " · ".join(
            part for part in (sheet.landlord.name, sheet.landlord.phone_masked or "") if part
        )
    draft["house"] = {
        "id": sheet.house_id,
        "code": sheet.code,
        "address": sheet.address,
        "colour": sheet.risk_colour,
        "grid": sheet.grid_code,
        "landlord": landlord,
        "cadre": sheet.cadre_name,
        "last_at": sheet.last_visit_at.isoformat() if sheet.last_visit_at else None,
        "last_by": sheet.last_visit_by,
        "assigned": sheet.assigned_to_actor,
    }
    draft["residents"] = [
        {
            "rid": r.residency_id,
            "pid": r.person.id,
            "moved_in": r.moved_in.isoformat() if r.moved_in else None,
            "name": r.person.name,
            "id_masked": r.person.id_number_masked or "",
            "phone_masked": r.person.phone_masked or "",
            "kind": r.person.kind.value,
        }
        for r in sheet.residents
    ]
    draft["checks"] = {}


def reload_residents(draft: Draft, sheet: HouseSheet) -> None:
    """Fresh residents from the database, keeping the checks of those still living here."""
    checks = draft["checks"]
    load_house(draft, sheet)
    current = {str(r["rid"]) for r in draft["residents"]}
    draft["checks"] = {rid: check for rid, check in checks.items() if rid in current}


def parse_date(text: str, today_: date) -> date | None:
    """2026-11-20, 2026/11/20, 11-20, 11月20日 → a date not in the future; else None."""
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    cleaned = cleaned.replace("年", "-").replace("月", "-").replace("日", "")
    parts = [p for p in cleaned.split("-") if p]
    try:
        if len(parts) == 3:
            value = date(int(parts[0]), int(parts[1]), int(parts[2]))
        elif len(parts) == 2:
            value = date(today_.year, int(parts[0]), int(parts[1]))
            if value > today_:
                value = value.replace(year=today_.year - 1)
        else:
            return None
    except ValueError:
        return None
    return value if value <= today_ and value.year >= 1950 else None


def new_resident() -> dict[str, Any]:
    return {
        "name": "",
        "id_number": None,
        "id_masked": "",
        "phone": None,
        "phone_masked": "",
        "kind": PersonKind.FLOATING.value,
        "role": ResidencyRole.TENANT.value,
        "relation": "",
        "moved_in": None,
        "existing_id": None,
        "existing_name": "",
        "photos": {},
        "face": None,
    }


def unchecked(draft: Draft) -> list[dict[str, Any]]:
    return [r for r in draft["residents"] if str(r["rid"]) not in draft["checks"]]


def photo_slots(draft: Draft) -> list[tuple[int | None, PhotoKind]]:
    """The photos this visit asks for: per new resident, then the house's contact card."""
    slots: list[tuple[int | None, PhotoKind]] = []
    for index, resident in enumerate(draft["new"]):
        slots.append((index, PhotoKind.FACE))
        slots += [(index, PhotoKind.ID_FRONT), (index, PhotoKind.ID_BACK)]
        if resident["kind"] != PersonKind.REGISTERED.value:
            slots.append((index, PhotoKind.RESIDENCE_PERMIT))
        slots.append((index, PhotoKind.GUARANTEE_LETTER))
    slots.append((None, PhotoKind.CONTACT_CARD))
    return slots


def slot_file(draft: Draft, index: int | None, kind: PhotoKind) -> str | None:
    if index is None:
        return draft["house_photos"].get(kind.value)  # type: ignore[no-any-return]
    resident = draft["new"][index]
    if kind is PhotoKind.FACE:
        return resident["face"]["file_id"] if resident["face"] else None
    return resident["photos"].get(kind.value)  # type: ignore[no-any-return]


def file_ids(draft: Draft) -> set[str]:
    found = set(draft["house_photos"].values())
    for resident in draft["new"]:
        found.update(resident["photos"].values())
        if resident["face"]:
            found.add(resident["face"]["file_id"])
    return found


def to_plan(draft: Draft, visits: VisitService, files: dict[str, bytes]) -> VisitPlan:
    """The service's plan from the draft; `files` maps each file id to its downloaded bytes."""
    checks = []
    for rid, check in draft["checks"].items():
        checks.append(
            ResidentCheck(
                residency_id=int(rid),
                action=ResidentAction(check["action"]),
                moved_out=date.fromisoformat(check["moved_out"])
                if check.get("moved_out")
                else None,
                name=check.get("name"),
                phone=visits.unseal(check["phone"]) if check.get("phone") else None,
                kind=PersonKind(check["kind"]) if check.get("kind") else None,
                id_number=visits.unseal(check["id_number"]) if check.get("id_number") else None,
            )
        )
    residents = []
    for item in draft["new"]:
        face = item["face"]
        residents.append(
            NewResident(
                name=item["name"],
                kind=PersonKind(item["kind"]),
                role=ResidencyRole(item["role"]),
                relation=item["relation"],
                moved_in=date.fromisoformat(item["moved_in"]) if item["moved_in"] else None,
                id_number=visits.unseal(item["id_number"]) if item["id_number"] else None,
                phone=visits.unseal(item["phone"]) if item["phone"] else None,
                existing_person_id=item["existing_id"],
                photos=tuple(
                    PhotoUpload(PhotoKind(kind), files[file_id])
                    for kind, file_id in item["photos"].items()
                ),
                face=FaceEnrolment(
                    data=files[face["file_id"]],
                    embedding=base64.b64decode(visits.unseal(face["embedding"])),
                    backend=face["backend"],
                    dimensions=face["dims"],
                    quality=face["quality"],
                )
                if face
                else None,
            )
        )
    return VisitPlan(
        house_id=draft["house"]["id"],
        started_at=datetime.fromisoformat(draft["started_at"]),
        checks=tuple(sorted(checks, key=lambda c: c.residency_id)),
        new_residents=tuple(residents),
        house_photos=tuple(
            PhotoUpload(PhotoKind(kind), files[file_id])
            for kind, file_id in draft["house_photos"].items()
        ),
        steps=tuple(draft["steps"]),
    )
