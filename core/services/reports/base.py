"""What the reports' mixins share: loading, views, who hears about a report."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select

from core.errors import DomainError, NotFound, PermissionDenied
from core.models import (
    Building,
    House,
    Member,
    PhotoKind,
    Report,
    ReportCategory,
    ReportFollower,
    ReportStatusChange,
    Role,
    StoredPhoto,
)
from core.notify import Audience, Notice
from core.roles import Actor, Permission
from core.services.base import Service
from core.services.reports.views import CHANGE_KIND, Change, Reporter, ReportView


class ReportStateError(DomainError):
    """The step is not allowed in the report's state (params: `state`, `action`)."""

    code = "report_state"


class ReportBase(Service):
    async def _report(self, report_id: int) -> Report:
        report = await self.session.get(Report, report_id)
        if report is None:
            raise NotFound("report", id=report_id)
        return report

    def _require_handler(self, actor: Actor, report: Report | None = None) -> None:
        """Staff handle reports; police only public-order ones."""
        actor.require(Permission.HANDLE_REPORTS)
        if (
            report is not None
            and actor.role is Role.POLICE
            and report.category is not ReportCategory.PUBLIC_ORDER
        ):
            raise PermissionDenied(Permission.HANDLE_REPORTS.value, category=report.category)

    def sla(self, category: ReportCategory) -> timedelta:
        return timedelta(hours=self.context.reports.sla_hours.get(category.value, 24))

    async def _place(self, report: Report) -> str:
        if report.location_text:
            return report.location_text
        if report.house_id is not None:
            house = await self.session.get(House, report.house_id)
            if house is not None:
                return house.standard_address
        if report.building_id is not None:
            building = await self.session.get(Building, report.building_id)
            if building is not None:
                return building.address or building.name
        return ""

    async def _photo_rows(self, report_id: int) -> Sequence[StoredPhoto]:
        """The reporter's photos (not the staff's update photos), oldest first."""
        rows = await self.session.scalars(
            select(StoredPhoto)
            .where(StoredPhoto.report_id == report_id, StoredPhoto.kind == PhotoKind.REPORT)
            .where(
                StoredPhoto.id.not_in(
                    select(ReportStatusChange.photo_id).where(
                        ReportStatusChange.report_id == report_id,
                        ReportStatusChange.photo_id.is_not(None),
                    )
                )
            )
            .order_by(StoredPhoto.id)
        )
        return rows.all()

    async def _photos(self, report_id: int) -> tuple[str, ...]:
        return tuple(row.path for row in await self._photo_rows(report_id))

    async def _voice_id(self, report_id: int) -> int | None:
        """The stored voice note of a report (None: none, or purged with its photos)."""
        found: int | None = await self.session.scalar(
            select(StoredPhoto.id)
            .where(StoredPhoto.report_id == report_id, StoredPhoto.kind == PhotoKind.REPORT_VOICE)
            .limit(1)
        )
        return found

    async def _view(self, report: Report) -> ReportView:
        assignee = (
            await self.session.get(Member, report.assignee_id) if report.assignee_id else None
        )
        return ReportView(
            id=report.id,
            category=report.category,
            hazard=report.hazard,
            text=report.text,
            has_voice=await self._voice_id(report.id) is not None,
            place=await self._place(report),
            latitude=report.latitude,
            longitude=report.longitude,
            anonymous=report.anonymous,
            reporter_name="" if report.anonymous else report.reporter_name,
            status=report.status,
            closure=report.closure,
            duplicate_of_id=report.duplicate_of_id,
            referred_to=report.referred_to,
            assignee_name=assignee.name if assignee is not None else "",
            grid_id=report.grid_id,
            created_at=report.created_at,
            updated_at=report.updated_at,
            photos=await self._photos(report.id),
            reopen_count=report.reopen_count,
            fixed=report.fixed,
            satisfaction=report.satisfaction,
        )

    async def _record(
        self,
        report: Report,
        event: str,
        actor: Actor | None,
        note: str = "",
        photo_id: int | None = None,
    ) -> ReportStatusChange:
        now = self.now()
        report.updated_at = now
        change = ReportStatusChange(
            report_id=report.id,
            event=event,
            status=report.status,
            note=note,
            photo_id=photo_id,
            by_id=actor.member_id if actor is not None else None,
            at=now,
        )
        self.session.add(change)
        await self.session.flush()
        return change

    async def _staff_audience(self, report: Report) -> Audience:
        """The grid's staff group; else the house's contacts; else the admins."""
        staff = Audience.grid_staff(report.grid_id)
        if await self.uow.notifications.recipients(staff):
            return staff
        if report.house_id is not None:
            return Audience.house_contacts(report.house_id)
        return Audience.admins()

    async def _add_follower(self, report: Report, reporter: Reporter) -> None:
        if report.reporter_telegram_id == reporter.telegram_id:
            return
        known = await self.session.scalar(
            select(func.count())
            .select_from(ReportFollower)
            .where(
                ReportFollower.report_id == report.id,
                ReportFollower.telegram_id == reporter.telegram_id,
            )
        )
        if known:
            return
        self.session.add(
            ReportFollower(
                report_id=report.id,
                member_id=reporter.member_id,
                telegram_id=reporter.telegram_id,
                locale=reporter.locale,
                created_at=self.now(),
            )
        )
        await self.session.flush()

    async def _followers(self, report_id: int) -> Sequence[ReportFollower]:
        rows = await self.session.scalars(
            select(ReportFollower)
            .where(ReportFollower.report_id == report_id)
            .order_by(ReportFollower.id)
        )
        return rows.all()

    async def _tell(
        self, report: Report, change: ReportStatusChange, *, photo: str | None = None
    ) -> None:
        """Tell the reporter and every follower, each in their own language."""
        view = await self._view(report)
        told = Change(change.event, change.status, change.note, change.at, photo)
        audiences: list[tuple[Audience, bool]] = []
        if report.reporter_id is not None:
            audiences.append((Audience.member(report.reporter_id), True))
        elif report.reporter_telegram_id is not None:
            chat = Audience.chat(report.reporter_telegram_id, report.reporter_locale)
            audiences.append((chat, True))
        for follower in await self._followers(report.id):
            if follower.member_id is not None:
                audiences.append((Audience.member(follower.member_id), False))
            else:
                audiences.append((Audience.chat(follower.telegram_id, follower.locale), False))
        for audience, is_reporter in audiences:
            await self.uow.notifications.notify(
                Notice(
                    CHANGE_KIND,
                    audience,
                    {"view": view, "change": told, "reporter": is_reporter},
                    dedup=f"{CHANGE_KIND}:{change.id}:{'r' if is_reporter else 'f'}",
                    photo=photo,
                    report_id=report.id,
                )
            )
