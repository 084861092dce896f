"""Guards' verdicts on "please verify" alerts: stored, shown later, and a quiet time.

"Not this person" on a possible-band alert keeps that person's look-alike at that camera
from raising the same "please verify" alert again until the quiet time (a setting) is over.
The look-alike is what put the face in the possible band: a confident match (match band) of
the same person still alerts, since it is no longer the face the guard judged. "Same person"
is kept too; both are shown on later alerts for that person so a guard sees what colleagues
decided before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import Alert, AlertVerdict, Member


@dataclass(frozen=True)
class VerdictHistory:
    """Earlier verdicts on alerts for one person: how many of each, and the latest."""

    same: int
    other: int  # "not this person"
    last_same: bool
    last_by: str | None
    last_at: datetime


async def quiet(session: AsyncSession, person_id: int, camera_id: str, at: datetime) -> bool:
    """Whether a "not this person" verdict keeps this person's look-alike quiet here now."""
    found = await session.scalar(
        select(AlertVerdict.id)
        .where(
            AlertVerdict.person_id == person_id,
            AlertVerdict.camera_id == camera_id,
            AlertVerdict.same.is_(False),
            AlertVerdict.quiet_until > at,
        )
        .limit(1)
    )
    return found is not None


async def history(
    session: AsyncSession, person_id: int | None, *, before: int
) -> VerdictHistory | None:
    """Verdicts on this person's alerts other than alert `before` (None when there are none)."""
    if person_id is None:
        return None
    where = (AlertVerdict.person_id == person_id, AlertVerdict.alert_id != before)
    counts = dict(
        (bool(same), int(n))
        for same, n in await session.execute(
            select(AlertVerdict.same, func.count(AlertVerdict.id))
            .where(*where)
            .group_by(AlertVerdict.same)
        )
    )
    if not counts:
        return None
    last = await session.scalar(
        select(AlertVerdict).where(*where).order_by(AlertVerdict.id.desc()).limit(1)
    )
    assert last is not None
    who = await session.get(Member, last.member_id) if last.member_id else None
    return VerdictHistory(
        same=counts.get(True, 0),
        other=counts.get(False, 0),
        last_same=last.same,
        last_by=who.name if who else None,
        last_at=last.created_at,
    )


async def of_alert(session: AsyncSession, alert_id: int) -> bool | None:
    """The verdict given on this alert (True: same person), if any."""
    same = await session.scalar(
        select(AlertVerdict.same)
        .where(AlertVerdict.alert_id == alert_id)
        .order_by(AlertVerdict.id.desc())
        .limit(1)
    )
    return None if same is None else bool(same)


def record(
    session: AsyncSession,
    alert: Alert,
    *,
    same: bool,
    member_id: int | None,
    at: datetime,
    quiet_until: datetime | None,
) -> AlertVerdict:
    verdict = AlertVerdict(
        alert_id=alert.id,
        person_id=alert.person_id,
        camera_id=alert.camera_id,
        same=same,
        member_id=member_id,
        created_at=at,
        quiet_until=None if same else quiet_until,
    )
    session.add(verdict)
    return verdict
