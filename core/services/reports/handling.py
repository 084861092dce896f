"""Handling a report: the state machine (FixMyStreet's), reopening, the questionnaire, lists.

Staff steps need HANDLE_REPORTS (police: public-order reports only) and are audited; the
reporter's steps (reopen, questionnaire) are checked against the reporter's Telegram id. Every
step records a `ReportStatusChange` and tells the reporter and followers in the same
transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import or_, select

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import (
    Grid,
    Member,
    PhotoKind,
    Report,
    ReportCategory,
    ReportClosure,
    ReportFollower,
    ReportStatus,
    Role,
)
from core.notify import Audience, Notice
from core.roles import Actor, Permission
from core.services.reports.base import ReportBase, ReportStateError
from core.services.reports.views import (
    ASSIGNED_KIND,
    MAX_NOTE,
    MAX_REFERRED,
    NEW_KIND,
    OPEN,
    Reporter,
    ReportView,
)
from core.text import clean_block, clean_line

S = ReportStatus
# Which staff steps each state allows.
ALLOWED: dict[str, frozenset[ReportStatus]] = {
    "take": OPEN,
    "assign": OPEN,
    "update": OPEN,
    "resolve": OPEN,
    "close": OPEN,
    "reopen": frozenset({S.RESOLVED, S.CLOSED}),
}
HANDLER_ROLES = (Role.ADMIN, Role.CADRE, Role.POLICE)
LIST_LIMIT = 20


def clean_note(text: str, field: str = "note") -> str:
    return clean_block(text, field=field, max_length=MAX_NOTE, compatibility=False)


class HandlingMixin(ReportBase):
    def _allow(self, report: Report, action: str) -> None:
        if report.status not in ALLOWED[action]:
            raise ReportStateError(action, state=report.status.value, action=action)

    async def staff_view(self, actor: Actor, report_id: int) -> ReportView:
        report = await self._report(report_id)
        self._require_handler(actor, report)
        return await self._view(report)

    async def voice(self, actor: Actor, report_id: int) -> bytes:
        """The reporter's voice note for staff to play (OGG/Opus); the read is audited.

        NotFound when the report has none (or it was purged with the report's photos).
        """
        report = await self._report(report_id)
        self._require_handler(actor, report)
        voice_id = await self._voice_id(report.id)
        if voice_id is None:
            raise NotFound("voice", report_id=report_id)
        _row, data = await self.uow.photos.read(actor, voice_id, flow="report", reason="voice")
        return data

    async def reporter_photos(self, actor: Actor, report_id: int) -> list[bytes]:
        """Every photo the reporter sent (not the staff's), oldest first; each read audited."""
        report = await self._report(report_id)
        self._require_handler(actor, report)
        pictures = []
        for row in await self._photo_rows(report.id):
            _row, data = await self.uow.photos.read(actor, row.id, flow="report")
            pictures.append(data)
        return pictures

    async def handlers_for(self, actor: Actor, report_id: int) -> list[tuple[int, str]]:
        """Members a report may be assigned to: the grid's cadres, then the admins."""
        report = await self._report(report_id)
        self._require_handler(actor, report)
        query = select(Member).where(
            Member.active.is_(True), Member.role.in_([Role.CADRE, Role.ADMIN])
        )
        if report.grid_id is not None:
            query = query.where(or_(Member.grid_id == report.grid_id, Member.role == Role.ADMIN))
        rows = await self.session.scalars(query.order_by(Member.role, Member.name).limit(12))
        return [(m.id, m.name) for m in rows]

    async def take(self, actor: Actor, report_id: int) -> ReportView:
        """The acting staff member takes the report (acknowledges it)."""
        return await self._acknowledge(actor, report_id, actor.member_id, "take")

    async def assign(self, actor: Actor, report_id: int, member_id: int) -> ReportView:
        member = await self.session.get(Member, member_id)
        if member is None or not member.active or member.role not in HANDLER_ROLES:
            raise NotFound("member", id=member_id)
        view = await self._acknowledge(actor, report_id, member.id, "assign")
        if member.id != actor.member_id:
            await self.uow.notifications.notify(
                Notice(ASSIGNED_KIND, Audience.member(member.id), {"view": view})
            )
        return view

    async def _acknowledge(
        self, actor: Actor, report_id: int, assignee_id: int | None, action: str
    ) -> ReportView:
        report = await self._report(report_id)
        self._require_handler(actor, report)
        self._allow(report, action)
        report.assignee_id = assignee_id
        event = "assigned"
        if report.status is S.NEW:
            report.status, report.acknowledged_at = S.ACKNOWLEDGED, self.now()
            event = "acknowledged"
        change = await self._record(report, event, actor)
        await self.uow.audit.record(actor, action, "report", report.id)
        await self._tell(report, change)
        return await self._view(report)

    async def update(
        self, actor: Actor, report_id: int, note: str, photo: bytes | None = None
    ) -> ReportView:
        """A progress note (optionally a photo): the report is in progress."""
        return await self._step(actor, report_id, "update", S.IN_PROGRESS, note, photo)

    async def resolve(
        self, actor: Actor, report_id: int, note: str, photo: bytes | None = None
    ) -> ReportView:
        """Resolved with a note (optionally an after-photo); the reporter is asked about it."""
        return await self._step(actor, report_id, "resolve", S.RESOLVED, note, photo)

    async def _step(
        self,
        actor: Actor,
        report_id: int,
        action: str,
        status: ReportStatus,
        note: str,
        photo: bytes | None,
    ) -> ReportView:
        cleaned = clean_note(note)
        report = await self._report(report_id)
        self._require_handler(actor, report)
        self._allow(report, action)
        now = self.now()
        if report.acknowledged_at is None:
            report.acknowledged_at = now
        if report.assignee_id is None:
            report.assignee_id = actor.member_id
        report.status = status
        if status is S.RESOLVED:
            report.resolved_at, report.fixed, report.satisfaction = now, None, None
        stored = None
        if photo is not None:
            stored = await self.uow.photos.store(
                actor, PhotoKind.REPORT, photo, report_id=report.id
            )
        event = "resolved" if status is S.RESOLVED else "update"
        change = await self._record(report, event, actor, cleaned, stored.id if stored else None)
        await self.uow.audit.record(actor, action, "report", report.id)
        await self._tell(report, change, photo=stored.path if stored else None)
        return await self._view(report)

    async def close(
        self,
        actor: Actor,
        report_id: int,
        closure: ReportClosure,
        *,
        note: str = "",
        duplicate_of: int | None = None,
        referred_to: str = "",
    ) -> ReportView:
        """Closed: a duplicate of #N (its reporter follows #N), not ours (referred), no action."""
        report = await self._report(report_id)
        self._require_handler(actor, report)
        self._allow(report, "close")
        cleaned = clean_note(note) if note.strip() else ""
        original: Report | None = None
        if closure is ReportClosure.DUPLICATE:
            if duplicate_of is None or duplicate_of == report.id:
                raise InvalidInput("duplicate_of", field="duplicate_of")
            original = await self._report(duplicate_of)
            report.duplicate_of_id = original.id
        elif closure is ReportClosure.NOT_RESPONSIBLE:
            report.referred_to = clean_line(
                referred_to, field="referred_to", max_length=MAX_REFERRED, compatibility=False
            )
        report.status, report.closure, report.closed_at = S.CLOSED, closure, self.now()
        change = await self._record(report, "closed", actor, cleaned)
        await self.uow.audit.record(actor, "close", "report", report.id, closure=closure.value)
        if original is not None and report.reporter_telegram_id is not None:
            reporter = Reporter(
                report.reporter_telegram_id, report.reporter_locale, "", report.reporter_id
            )
            await self._add_follower(original, reporter)
        await self._tell(report, change)
        return await self._view(report)

    # -- the reporter's side ------------------------------------------------------------------

    async def _own(self, telegram_id: int, report_id: int) -> Report:
        report = await self._report(report_id)
        if report.reporter_telegram_id != telegram_id:
            raise PermissionDenied("own_report")
        return report

    async def reopen(self, telegram_id: int, report_id: int, reason: str) -> ReportView:
        """The reporter reopens a resolved or closed report within the window, with a reason."""
        cleaned = clean_note(reason, "reason")
        report = await self._own(telegram_id, report_id)
        self._allow(report, "reopen")
        ended = report.resolved_at if report.status is S.RESOLVED else report.closed_at
        window = timedelta(days=self.context.reports.reopen_days)
        if ended is not None and self.now() > ended + window:
            raise ReportStateError("reopen", state="too_late", action="reopen")
        await self._reopen(report, cleaned)
        return await self._view(report)

    async def _reopen(self, report: Report, reason: str) -> None:
        report.status = S.ACKNOWLEDGED if report.acknowledged_at else S.NEW
        report.closure, report.reopen_count = None, report.reopen_count + 1
        report.escalated_at = None
        change = await self._record(report, "reopened", None, reason)
        view = await self._view(report)
        await self.uow.notifications.notify(
            Notice(
                NEW_KIND,
                await self._staff_audience(report),
                {"view": view, "event": "reopened", "note": reason},
                dedup=f"{NEW_KIND}:{report.id}:reopened:{change.id}",
                photo=view.photos[0] if view.photos else None,
                report_id=report.id,
            )
        )
        await self._tell(report, change)

    async def answer_fixed(self, telegram_id: int, report_id: int, fixed: bool) -> ReportView:
        """Questionnaire, first question (once per resolution): fixed? No → reopened."""
        report = await self._own(telegram_id, report_id)
        if report.status is not S.RESOLVED or report.fixed is not None:
            raise ReportStateError("answered", state=report.status.value, action="fixed")
        report.fixed = fixed
        if not fixed:
            report.fixed = None
            await self._reopen(report, "")
        else:
            await self._record(report, "confirmed_fixed", None)
        return await self._view(report)

    async def rate(self, telegram_id: int, report_id: int, score: int) -> ReportView:
        """Questionnaire, second question: satisfaction 1–5 (once)."""
        if not 1 <= score <= 5:
            raise InvalidInput("score", field="score")
        report = await self._own(telegram_id, report_id)
        if report.fixed is not True or report.satisfaction is not None:
            raise ReportStateError("answered", state=report.status.value, action="rate")
        report.satisfaction = score
        await self._record(report, "rated", None, str(score))
        return await self._view(report)

    async def comment(self, telegram_id: int, report_id: int, text: str) -> ReportView:
        """Questionnaire, optional comment after the rating (once)."""
        cleaned = clean_note(text, "comment")
        report = await self._own(telegram_id, report_id)
        if report.satisfaction is None or report.feedback:
            raise ReportStateError("answered", state=report.status.value, action="comment")
        report.feedback = cleaned
        await self._record(report, "commented", None, cleaned)
        return await self._view(report)

    # -- lists ------------------------------------------------------------------------------

    async def mine(self, telegram_id: int) -> list[ReportView]:
        """The reporter's own reports and those they follow, newest first."""
        followed = select(ReportFollower.report_id).where(
            ReportFollower.telegram_id == telegram_id
        )
        rows = await self.session.scalars(
            select(Report)
            .where(or_(Report.reporter_telegram_id == telegram_id, Report.id.in_(followed)))
            .order_by(Report.id.desc())
            .limit(LIST_LIMIT)
        )
        return [await self._view(r) for r in rows]

    async def visible_to(self, telegram_id: int, report_id: int) -> ReportView:
        """One report for its reporter or a follower; anyone else: NotFound."""
        report = await self._report(report_id)
        if report.reporter_telegram_id != telegram_id:
            follows = await self.session.scalar(
                select(ReportFollower.id).where(
                    ReportFollower.report_id == report_id,
                    ReportFollower.telegram_id == telegram_id,
                )
            )
            if follows is None:
                raise NotFound("report", id=report_id)
        return await self._view(report)

    async def staff_list(
        self, actor: Actor, *, status: ReportStatus | None = None, grid_code: str | None = None
    ) -> Sequence[ReportView]:
        """Reports for staff: open ones unless a status is given; police: public order."""
        actor.require(Permission.HANDLE_REPORTS)
        query = select(Report)
        if status is None:
            query = query.where(Report.status.in_(list(OPEN)))
        else:
            query = query.where(Report.status == status)
        if grid_code:
            grid = await self.session.scalar(select(Grid).where(Grid.code == grid_code))
            if grid is None:
                raise NotFound("grid", code=grid_code)
            query = query.where(Report.grid_id == grid.id)
        if actor.role is Role.POLICE:
            query = query.where(Report.category == ReportCategory.PUBLIC_ORDER)
        rows = await self.session.scalars(query.order_by(Report.id.desc()).limit(LIST_LIMIT))
        return [await self._view(r) for r in rows]
