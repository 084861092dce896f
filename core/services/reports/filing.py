"""Filing a report: limits, places, similar reports nearby, following one instead."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from core.errors import InvalidInput, NotFound, PermissionDenied, RateLimited
from core.models import (
    Building,
    House,
    Member,
    PhotoKind,
    Report,
    ReportCategory,
    Residency,
    ResidencyStatus,
)
from core.notify import Notice
from core.roles import Actor, Permission
from core.services.reports.base import ReportBase, ReportStateError
from core.services.reports.views import (
    MAX_PHOTOS,
    MAX_PLACE,
    MAX_TEXT,
    NEW_KIND,
    OPEN,
    NewReport,
    Place,
    Reporter,
    ReportView,
    Similar,
    haversine_m,
)
from core.text import MAX_NAME, clean_block, clean_line, normalize

MAX_SIMILAR = 5
MAX_BUILDINGS = 30


def clean_text(text: str) -> str:
    """A description as stored (NFC: the writer's full-width punctuation stays)."""
    return clean_block(text, field="text", max_length=MAX_TEXT, compatibility=False)


def clean_place(text: str) -> str:
    return clean_line(text, field="place", max_length=MAX_PLACE, compatibility=False)


class FilingMixin(ReportBase):
    async def next_allowed(self, telegram_id: int) -> datetime | None:
        """When this reporter may file again; None when they may file now."""
        policy = self.context.reports
        since = self.now() - policy.rate_window
        recent = (
            await self.session.scalars(
                select(Report.created_at)
                .where(Report.reporter_telegram_id == telegram_id, Report.created_at > since)
                .order_by(Report.created_at)
            )
        ).all()
        if len(recent) < policy.rate_limit:
            return None
        return recent[len(recent) - policy.rate_limit] + policy.rate_window

    async def buildings(self) -> list[Place]:
        """The community's buildings to pick from (no personal data in them)."""
        rows = await self.session.scalars(
            select(Building).order_by(Building.grid_id, Building.name).limit(MAX_BUILDINGS)
        )
        return [Place(b.id, b.address or b.name) for b in rows]

    async def own_house(self, member_id: int | None) -> Place | None:
        """The house a member lives in (their person's active residency), if known."""
        if member_id is None:
            return None
        member = await self.session.get(Member, member_id)
        if member is None or member.person_id is None:
            return None
        house = await self.session.scalar(
            select(House)
            .join(Residency, Residency.house_id == House.id)
            .where(
                Residency.person_id == member.person_id,
                Residency.status == ResidencyStatus.ACTIVE,
            )
            .order_by(Residency.id.desc())
            .limit(1)
        )
        return Place(house.id, house.standard_address) if house is not None else None

    async def similar(
        self,
        category: ReportCategory,
        *,
        latitude: float | None = None,
        longitude: float | None = None,
        house_id: int | None = None,
        building_id: int | None = None,
    ) -> list[Similar]:
        """Open reports of the category from the last days in the same building or close by."""
        policy = self.context.reports
        if house_id is not None and building_id is None:
            house = await self.session.get(House, house_id)
            building_id = house.building_id if house is not None else None
        since = self.now() - timedelta(days=policy.nearby_days)
        rows = await self.session.scalars(
            select(Report)
            .where(
                Report.category == category,
                Report.created_at >= since,
                Report.status.in_(list(OPEN)),
            )
            .order_by(Report.created_at.desc())
            .limit(200)
        )
        found: list[Similar] = []
        for report in rows:
            other_building = report.building_id
            if other_building is None and report.house_id is not None:
                other = await self.session.get(House, report.house_id)
                other_building = other.building_id if other is not None else None
            meters: int | None = None
            if None not in (latitude, longitude, report.latitude, report.longitude):
                meters = round(
                    haversine_m(latitude, longitude, report.latitude, report.longitude)  # type: ignore[arg-type]
                )
            near = meters is not None and meters <= policy.nearby_meters
            same = building_id is not None and other_building == building_id
            if not (near or same):
                continue
            found.append(
                Similar(
                    id=report.id,
                    category=report.category,
                    hazard=report.hazard,
                    summary=_summary(report.text),
                    place=await self._place(report),
                    status=report.status,
                    created_at=report.created_at,
                    meters=meters,
                )
            )
            if len(found) == MAX_SIMILAR:
                break
        return found

    async def file(self, actor: Actor | None, reporter: Reporter, new: NewReport) -> ReportView:
        """Store a confirmed report and push it to the grid's staff group.

        A member files as themselves (FILE_REPORTS); without an Actor only a report about a
        house (a tenant holding its card) is taken. Rate-limited per Telegram account.
        """
        if actor is not None:
            actor.require(Permission.FILE_REPORTS)
        elif new.house_id is None:
            raise PermissionDenied(Permission.FILE_REPORTS.value)
        text = clean_text(new.text) if new.text.strip() or not new.voice else ""
        place_text = clean_place(new.place_text) if new.place_text.strip() else ""
        if new.voice is not None and not new.voice.startswith(b"OggS"):
            raise InvalidInput("voice_format", field="voice")  # before anything is written
        if len(new.photos) > MAX_PHOTOS:
            raise InvalidInput("too_many", field="photos", max=MAX_PHOTOS)
        retry_at = await self.next_allowed(reporter.telegram_id)
        if retry_at is not None:
            raise RateLimited("report", retry_at=retry_at)
        grid_id, building_id = await self._grid_of(new, reporter)
        now = self.now()
        report = Report(
            category=new.category,
            hazard=new.hazard if new.category is ReportCategory.HAZARD else None,
            text=text,
            latitude=new.latitude,
            longitude=new.longitude,
            location_text=place_text,
            anonymous=new.anonymous,
            reporter_id=reporter.member_id,
            reporter_telegram_id=reporter.telegram_id,
            reporter_locale=reporter.locale,
            reporter_name=normalize(reporter.name)[:MAX_NAME],
            house_id=new.house_id,
            building_id=building_id,
            grid_id=grid_id,
            created_at=now,
            updated_at=now,
        )
        self.session.add(report)
        await self.session.flush()
        storer = actor or Actor.system("report:tenant")
        for data in new.photos:
            await self.uow.photos.store(storer, PhotoKind.REPORT, data, report_id=report.id)
        if new.voice:
            await self.uow.photos.store(
                storer, PhotoKind.REPORT_VOICE, new.voice, report_id=report.id
            )
        await self._record(report, "filed", actor)
        view = await self._view(report)
        await self.uow.notifications.notify(
            Notice(
                NEW_KIND,
                await self._staff_audience(report),
                {"view": view, "event": "filed"},
                dedup=f"{NEW_KIND}:{report.id}",
                photo=view.photos[0] if view.photos else None,
                report_id=report.id,
            )
        )
        return view

    async def _grid_of(self, new: NewReport, reporter: Reporter) -> tuple[int | None, int | None]:
        """(grid, building) from the house, else the building, else the reporter's grid."""
        if new.house_id is not None:
            house = await self.session.get(House, new.house_id)
            if house is None:
                raise NotFound("house", id=new.house_id)
            return house.grid_id, house.building_id
        if new.building_id is not None:
            building = await self.session.get(Building, new.building_id)
            if building is None:
                raise NotFound("building", id=new.building_id)
            return building.grid_id, building.id
        if reporter.member_id is not None:
            member = await self.session.get(Member, reporter.member_id)
            return (member.grid_id if member is not None else None), None
        return None, None

    async def follow(self, reporter: Reporter, report_id: int) -> ReportView:
        """Follow an open report instead of filing a new one (its updates reach them too)."""
        report = await self._report(report_id)
        if report.status not in OPEN:
            raise ReportStateError("follow", state=report.status.value, action="follow")
        await self._add_follower(report, reporter)
        return await self._view(report)


def _summary(text: str, limit: int = 60) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
