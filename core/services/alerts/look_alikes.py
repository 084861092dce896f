"""Look-alikes ("please verify" alerts): quieted by a guard's "not this person", confirmed by
the later frames of their own passage."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from core.models import Alert, AlertStatus, Camera, Passage
from core.roles import Actor
from core.services.alerts import verdicts
from core.services.alerts.matching import Hit

if TYPE_CHECKING:
    from core.services.alerts.service import AlertService


async def confirm(
    service: AlertService,
    camera: Camera,
    passage: Passage,
    key: str,
    hit: Hit,
    snapshot_id: int | None,
) -> Alert | None:
    """Later frames of a passage confirm its open "please verify" alert: that alert
    becomes the confirmed one (one message for one walk past the gate, not two)."""
    alert = await service.session.scalar(
        select(Alert).where(
            Alert.dedup_key == f"{key}:verify",
            Alert.passage_id == passage.id,
            Alert.status == AlertStatus.OPEN,
        )
    )
    if alert is None:
        return None
    alert.verify, alert.dedup_key = False, key
    alert.band, alert.score = hit.band, hit.score
    new_photo = snapshot_id is not None and snapshot_id != alert.snapshot_id
    alert.snapshot_id = snapshot_id if new_photo else alert.snapshot_id
    await service.audit_match(camera, passage, hit, alert)
    await service.tell_change(alert, new_photo=new_photo)
    return alert


async def quieted(service: AlertService, camera: Camera, passage: Passage, hit: Hit) -> bool:
    """A guard said "not this person" of this look-alike here: no alert (still audited)."""
    person_id = hit.entry.person_id if hit.entry else None
    if (
        hit.entry is None
        or person_id is None
        or not await verdicts.quiet(service.session, person_id, camera.id, passage.seen_at)
    ):
        return False
    await service.uow.audit.record(
        Actor.system(f"camera:{camera.id}"),
        "match",
        "watchlist_entry",
        hit.entry.id,
        passage_id=passage.id,
        verify=True,
        score=hit.score,
        quiet=True,
    )
    return True
