"""From the visit's draft to the service's plan, and the dates a cadre types."""

from __future__ import annotations

import base64
from datetime import date

from core.flows.visit.flow import VisitFlow
from core.flows.visit.state import FaceDraft
from core.models import PhotoKind
from core.services.visits import (
    FaceEnrolment,
    NewResident,
    PhotoUpload,
    ResidentCheck,
    VisitPlan,
    VisitService,
)


def parse_date(text: str, today: date) -> date | None:
    """2026-11-20, 2026/11/20, 11-20, 11月20日 → a date not in the future; else None."""
    cleaned = text.strip().replace("/", "-").replace(".", "-")
    cleaned = cleaned.replace("年", "-").replace("月", "-").replace("日", "")
    parts = [p for p in cleaned.split("-") if p]
    try:
        if len(parts) == 3:
            value = date(int(parts[0]), int(parts[1]), int(parts[2]))
        elif len(parts) == 2:
            value = date(today.year, int(parts[0]), int(parts[1]))
            if value > today:
                value = value.replace(year=today.year - 1)
        else:
            return None
    except ValueError:
        return None
    return value if value <= today and value.year >= 1950 else None


def to_plan(flow: VisitFlow, visits: VisitService, files: dict[str, bytes]) -> VisitPlan:
    """The service's plan from the draft; `files` maps each file id to its downloaded bytes."""
    assert flow.house is not None

    def unseal(value: str | None) -> str | None:
        return visits.unseal(value) if value else None

    def enrolment(face: FaceDraft | None) -> FaceEnrolment | None:
        if face is None:
            return None
        return FaceEnrolment(
            data=files[face.file_id],
            embedding=base64.b64decode(visits.unseal(face.embedding)),
            backend=face.backend,
            dimensions=face.dims,
            quality=face.quality,
        )

    checks = [
        ResidentCheck(
            residency_id=int(rid),
            action=check.action,
            moved_out=check.moved_out,
            name=check.name,
            phone=unseal(check.phone),
            kind=check.kind,
            id_number=unseal(check.id_number),
            face=enrolment(check.face),
        )
        for rid, check in flow.checks.items()
    ]
    residents = []
    for item in flow.new:
        residents.append(
            NewResident(
                name=item.name,
                kind=item.kind,
                role=item.role,
                relation=item.relation,
                moved_in=item.moved_in,
                id_number=unseal(item.id_number),
                phone=unseal(item.phone),
                existing_person_id=item.existing_id,
                photos=tuple(
                    PhotoUpload(PhotoKind(kind), files[file_id])
                    for kind, file_id in item.photos.items()
                ),
                face=enrolment(item.face),
            )
        )
    return VisitPlan(
        house_id=flow.house.id,
        started_at=flow.started_at,
        checks=tuple(sorted(checks, key=lambda c: c.residency_id)),
        new_residents=tuple(residents),
        house_photos=tuple(
            PhotoUpload(PhotoKind(kind), files[file_id])
            for kind, file_id in flow.house_photos.items()
        ),
        steps=tuple({"step": log.step.value, "at": log.at.isoformat()} for log in flow.steps),
    )
