"""`async with services() as svc:` commits on success and rolls back on error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from core.services.alerts import AlertService
    from core.services.alerts.rules import RuleService
    from core.services.audit import AuditService
    from core.services.base import ServiceContext
    from core.services.camera_events import CameraEventService
    from core.services.camera_health import CameraHealthService
    from core.services.cameras import CameraService
    from core.services.channels import ChannelService
    from core.services.groups import GroupService
    from core.services.house_messages import HouseMessageService
    from core.services.houses import HouseService
    from core.services.members import MemberService
    from core.services.notifications import NotificationService
    from core.services.outbox import OutboxService
    from core.services.passages import PassageService
    from core.services.persons import PersonService
    from core.services.photos import PhotoService
    from core.services.privacy.records import PersonRecordService
    from core.services.privacy.requests import PersonRequestService
    from core.services.privacy.retention import RetentionService
    from core.services.reminders import ReminderService
    from core.services.reports import ReportService
    from core.services.supervision import SupervisionService
    from core.services.visits import VisitService
    from core.services.watchlists import WatchlistService


log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, context: ServiceContext) -> None:
        self.context = context
        self.session: AsyncSession = context.session_factory()
        self._undo: list[Callable[[], None]] = []
        self.enqueued = False  # the outbox got deliveries: the front end sends after commit

    async def __aenter__(self) -> UnitOfWork:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self.session.commit()
                self._announce()
            else:
                await self.session.rollback()
                self._run_undo()
        except BaseException:
            if exc_type is None:  # the commit itself failed
                self._run_undo()
            raise
        finally:
            await self.session.close()

    def _announce(self) -> None:
        hook = self.context.notifier.on_enqueued
        if self.enqueued and hook is not None:
            try:
                hook()
            except Exception:  # the deliveries are stored: the next drain sends them
                log.exception("could not start sending the outbox")

    def on_rollback(self, undo: Callable[[], None]) -> None:
        """Undo a side effect outside the database (a written file) if this work rolls back."""
        self._undo.append(undo)

    def _run_undo(self) -> None:
        for undo in reversed(self._undo):
            try:
                undo()
            except OSError:
                log.warning("could not undo %r after a rollback", undo, exc_info=True)
        self._undo.clear()

    async def flush(self) -> None:
        await self.session.flush()

    @cached_property
    def audit(self) -> AuditService:
        from core.services.audit import AuditService

        return AuditService(self)

    @cached_property
    def members(self) -> MemberService:
        from core.services.members import MemberService

        return MemberService(self)

    @cached_property
    def groups(self) -> GroupService:
        from core.services.groups import GroupService

        return GroupService(self)

    @cached_property
    def houses(self) -> HouseService:
        from core.services.houses import HouseService

        return HouseService(self)

    @cached_property
    def channels(self) -> ChannelService:
        from core.services.channels import ChannelService

        return ChannelService(self)

    @cached_property
    def outbox(self) -> OutboxService:
        from core.services.outbox import OutboxService

        return OutboxService(self)

    @cached_property
    def notifications(self) -> NotificationService:
        from core.services.notifications import NotificationService

        return NotificationService(self)

    @cached_property
    def persons(self) -> PersonService:
        from core.services.persons import PersonService

        return PersonService(self)

    @cached_property
    def photos(self) -> PhotoService:
        from core.services.photos import PhotoService

        return PhotoService(self)

    @cached_property
    def retention(self) -> RetentionService:
        from core.services.privacy.retention import RetentionService

        return RetentionService(self)

    @cached_property
    def person_records(self) -> PersonRecordService:
        from core.services.privacy.records import PersonRecordService

        return PersonRecordService(self)

    @cached_property
    def person_requests(self) -> PersonRequestService:
        from core.services.privacy.requests import PersonRequestService

        return PersonRequestService(self)

    @cached_property
    def visits(self) -> VisitService:
        from core.services.visits import VisitService

        return VisitService(self)

    @cached_property
    def supervision(self) -> SupervisionService:
        from core.services.supervision import SupervisionService

        return SupervisionService(self)

    @cached_property
    def reminders(self) -> ReminderService:
        from core.services.reminders import ReminderService

        return ReminderService(self)

    @cached_property
    def house_messages(self) -> HouseMessageService:
        from core.services.house_messages import HouseMessageService

        return HouseMessageService(self)

    @cached_property
    def reports(self) -> ReportService:
        from core.services.reports import ReportService

        return ReportService(self)

    @cached_property
    def cameras(self) -> CameraService:
        from core.services.cameras import CameraService

        return CameraService(self)

    @cached_property
    def watchlists(self) -> WatchlistService:
        from core.services.watchlists import WatchlistService

        return WatchlistService(self)

    @cached_property
    def camera_events(self) -> CameraEventService:
        from core.services.camera_events import CameraEventService

        return CameraEventService(self)

    @cached_property
    def camera_health(self) -> CameraHealthService:
        from core.services.camera_health import CameraHealthService

        return CameraHealthService(self)

    @cached_property
    def alerts(self) -> AlertService:
        from core.services.alerts import AlertService

        return AlertService(self)

    @cached_property
    def passages(self) -> PassageService:
        from core.services.passages import PassageService

        return PassageService(self)

    @cached_property
    def rules(self) -> RuleService:
        from core.services.alerts.rules import RuleService

        return RuleService(self)


class ServiceFactory:
    """Call it to open a unit of work: `async with services() as svc: ...`."""

    def __init__(self, context: ServiceContext) -> None:
        self.context = context

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.context)
