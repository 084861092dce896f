"""Exports for the city's systems: a spreadsheet (CSV) or Open311 GeoReport v2 JSON.

No personal data leaves: no reporter (name, account, member), no assignee. Open311's
`status` is only ``open`` or ``closed`` (resolved and closed are both ``closed``), with
`status_notes` saying why; field names follow GeoReport v2's service request response.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.models import Grid, Report, ReportClosure, ReportStatus, ReportStatusChange
from core.roles import Actor, Permission
from core.services.reports.base import ReportBase

MAX_DESCRIPTION = 4000  # Open311's limit
CLOSED = frozenset({ReportStatus.RESOLVED, ReportStatus.CLOSED})


@dataclass(frozen=True)
class ExportRow:
    id: int
    category: str
    hazard: str
    status: str
    closure: str
    description: str
    place: str
    lat: float | None
    long: float | None
    grid: str
    requested: datetime
    updated: datetime
    acknowledged: datetime | None
    resolved: datetime | None
    closed: datetime | None
    satisfaction: int | None
    status_notes: str
    agency_responsible: str


def status_notes(report: Report, last_note: str) -> str:
    """Why a report stands where it does, in words a city system can show."""
    if report.closure is ReportClosure.DUPLICATE:
        return f"duplicate of #{report.duplicate_of_id}"
    if report.closure is ReportClosure.NOT_RESPONSIBLE:
        return f"not responsible: referred to {report.referred_to}"
    if report.closure is ReportClosure.NO_ACTION:
        return f"no action: {last_note}".rstrip(": ")
    if report.status is ReportStatus.RESOLVED:
        return f"resolved: {last_note}".rstrip(": ")
    return f"{report.status.value}: {last_note}".rstrip(": ")


class ExportMixin(ReportBase):
    async def export(self, actor: Actor, since: datetime) -> list[ExportRow]:
        """Reports filed since `since`, oldest first, without personal data (audited)."""
        actor.require(Permission.HANDLE_REPORTS)
        reports = (
            await self.session.scalars(
                select(Report).where(Report.created_at >= since).order_by(Report.id)
            )
        ).all()
        grids = dict((await self.session.execute(select(Grid.id, Grid.code))).all())
        rows = []
        for report in reports:
            note = await self.session.scalar(
                select(ReportStatusChange.note)
                .where(ReportStatusChange.report_id == report.id, ReportStatusChange.note != "")
                .where(ReportStatusChange.event.in_(["update", "resolved", "closed"]))
                .order_by(ReportStatusChange.id.desc())
                .limit(1)
            )
            rows.append(
                ExportRow(
                    id=report.id,
                    category=report.category.value,
                    hazard=report.hazard.value if report.hazard else "",
                    status=report.status.value,
                    closure=report.closure.value if report.closure else "",
                    description=report.text[:MAX_DESCRIPTION],
                    place=await self._place(report),
                    lat=report.latitude,
                    long=report.longitude,
                    grid=grids.get(report.grid_id, "") if report.grid_id else "",
                    requested=report.created_at,
                    updated=report.updated_at,
                    acknowledged=report.acknowledged_at,
                    resolved=report.resolved_at,
                    closed=report.closed_at,
                    satisfaction=report.satisfaction,
                    status_notes=status_notes(report, note or ""),
                    agency_responsible=report.referred_to,
                )
            )
        await self.uow.audit.record(actor, "export", "reports", len(rows), since=since.isoformat())
        return rows


CSV_FIELDS = [
    "id",
    "category",
    "hazard",
    "status",
    "closure",
    "description",
    "place",
    "lat",
    "long",
    "grid",
    "requested",
    "updated",
    "acknowledged",
    "resolved",
    "closed",
    "satisfaction",
    "status_notes",
    "agency_responsible",
]


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return "" if value is None else value


def to_csv(rows: list[ExportRow]) -> str:
    """A spreadsheet (UTF-8 with a BOM, so Excel shows the Chinese)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in asdict(row).items()})
    return "\ufeff" + buffer.getvalue()


def to_open311(rows: list[ExportRow], *, agency: str = "") -> list[dict[str, Any]]:
    """GeoReport v2 service requests (the GET requests.json response's shape)."""
    requests = []
    for row in rows:
        code = f"{row.category}.{row.hazard}" if row.hazard else row.category
        requests.append(
            {
                "service_request_id": str(row.id),
                "status": "closed" if row.status in CLOSED else "open",
                "status_notes": row.status_notes,
                "service_name": code.replace("_", " ").replace(".", ": "),
                "service_code": code,
                "description": row.description,
                "agency_responsible": row.agency_responsible or agency,
                "service_notice": "",
                "requested_datetime": _cell(row.requested),
                "updated_datetime": _cell(row.updated),
                "expected_datetime": None,
                "address": row.place,
                "address_id": "",
                "zipcode": "",
                "lat": row.lat,
                "long": row.long,
                "media_url": "",
            }
        )
    return requests
