"""Residents' reports (事件上报): filing, handling, following, SLA, digests, export.

One service (`uow.reports`) made of mixins by concern, each under ~400 lines:
`filing` (limits, places, similar reports, following), `handling` (the state machine, the
reporter's reopen and questionnaire, lists), `digests` (SLA escalation, daily and weekly
digests), `export` (CSV and Open311 GeoReport v2). Nothing here returns text for users.
"""

from core.services.reports.base import ReportStateError
from core.services.reports.digests import DigestMixin
from core.services.reports.export import ExportMixin, ExportRow, to_csv, to_open311
from core.services.reports.filing import FilingMixin
from core.services.reports.handling import ALLOWED, HandlingMixin
from core.services.reports.views import (
    ASSIGNED_KIND,
    CHANGE_KIND,
    DIGEST_KIND,
    ESCALATION_KIND,
    MAX_NOTE,
    MAX_PHOTOS,
    MAX_PLACE,
    MAX_TEXT,
    NEW_KIND,
    SATISFACTION_TARGET,
    WEEKLY_KIND,
    Change,
    Digest,
    DigestLine,
    NewReport,
    Place,
    Reporter,
    ReportView,
    Satisfaction,
    Similar,
    WeeklyStats,
)


class ReportService(ExportMixin, DigestMixin, HandlingMixin, FilingMixin):
    """`uow.reports`."""


__all__ = [
    "ALLOWED",
    "ASSIGNED_KIND",
    "CHANGE_KIND",
    "DIGEST_KIND",
    "ESCALATION_KIND",
    "MAX_NOTE",
    "MAX_PHOTOS",
    "MAX_PLACE",
    "MAX_TEXT",
    "NEW_KIND",
    "SATISFACTION_TARGET",
    "WEEKLY_KIND",
    "Change",
    "Digest",
    "DigestLine",
    "ExportRow",
    "NewReport",
    "Place",
    "ReportService",
    "ReportStateError",
    "ReportView",
    "Reporter",
    "Satisfaction",
    "Similar",
    "WeeklyStats",
    "to_csv",
    "to_open311",
]
