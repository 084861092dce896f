"""A passage's alerts across its frames, and look-alikes ("please verify" alerts): quieted by
a guard's "not this person", confirmed by the later frames of their own passage.

Each passage remembers the alerts it raised or was folded into (`raw["alerts"]`, by dedup
key), so a later frame of it is never counted as another sighting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.models import Alert, AlertStatus, Camera, Passage
from core.roles import Actor
from core.services.alerts import verdicts
from core.services.alerts.matching import Hit

if TYPE_CHECKING:
    from core.services.alerts.service import AlertService


def passage_alerts(passage: Passage) -> dict[str, int]:
    """The alerts a passage raised or was folded into, by their dedup key."""
    return dict(passage.raw.get("alerts", {}))


def remember(passage: Passage, key: str, alert_id: int) -> None:
    passage.raw = {**passage.raw, "alerts": {**passage_alerts(passage), key: alert_id}}


async def of_passage(
    service: AlertService,
    camera: Camera,
    passage: Passage,
    base: str,
    hit: Hit,
    better: bool,
    snapshot_id: int | None,
) -> Alert | None:
    """The alert this passage already has for the hit, or None when it has none yet.

    Another frame is not another sighting; a passage that was sure of somebody does not ask
    to verify them (its confirmed alert answers a look-alike hit); a sure hit confirms the
    passage's own open "please verify" alert instead of raising a second one.
    """
    ours = passage_alerts(passage)
    found = ours.get(base)
    if hit.verify:
        found = ours.get(f"{base}:verify", found)
    elif found is None and f"{base}:verify" in ours:
        upgraded = await confirm(
            service, camera, passage, ours[f"{base}:verify"], base, hit, better, snapshot_id
        )
        if upgraded is not None:
            remember(passage, base, upgraded.id)
        return upgraded
    alert = await service.session.get(Alert, found) if found is not None else None
    if alert is None:
        return None
    # A better view of them replaces the photo of a confirmed alert (the best shot, as on
    # an NVR); a "please verify" alert keeps its picture, the enrolled photo beside it.
    if better and not alert.verify and snapshot_id not in (None, alert.snapshot_id):
        old, alert.snapshot_id = alert.snapshot_id, snapshot_id
        await service.tell_change(alert, new_photo=True)
        await service.uow.retention.drop_unreferenced([old])
    return alert


async def confirm(
    service: AlertService,
    camera: Camera,
    passage: Passage,
    alert_id: int,
    key: str,
    hit: Hit,
    better: bool,
    snapshot_id: int | None,
) -> Alert | None:
    """Later frames of a passage confirm its open "please verify" alert: that alert becomes
    the confirmed one (one message for one walk past the gate, not two). None when a guard
    has already answered it."""
    alert = await service.session.get(Alert, alert_id)
    if alert is None or alert.status is not AlertStatus.OPEN or not alert.verify:
        return None
    alert.verify, alert.dedup_key = False, key
    alert.band, alert.score = hit.band, hit.score
    # This frame's picture when it is their best view (else the side-by-side stays).
    new_photo = better and snapshot_id not in (None, alert.snapshot_id)
    old = alert.snapshot_id
    if new_photo:
        alert.snapshot_id = snapshot_id
    await service.audit_match(camera, passage, hit, alert)
    await service.tell_change(alert, new_photo=new_photo)
    if new_photo:
        await service.uow.retention.drop_unreferenced([old])
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
