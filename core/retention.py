"""How long personal data is kept (PIPL art. 19: no longer than the purpose needs)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class RetentionPolicy:
    """Built from the settings; `core.services.privacy.retention` enforces it daily."""

    snapshot_days: int = 30  # camera snapshots (and unknown-face embeddings)
    moved_out_months: int = 6  # a moved-out resident's ID card pictures and face templates
    report_photo_months: int = 12  # photos of resolved or closed reports
    audit_months: int = 36  # the audit log: longer than anything it describes

    def longest_data_days(self) -> int:
        return max(self.snapshot_days, 31 * self.moved_out_months, 31 * self.report_photo_months)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (clamped to the month's end)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
