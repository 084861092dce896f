"""The stranger rule: a face matching nobody, seen at least `count` times within `minutes`.

The camera worker gives unknown faces a short-lived key (faces that look alike share it); each
sighting is kept here for a day at most. A rule counts the distinct passages (a camera's
`track_id`, else the event) with that key at the cameras in its scope within its time: one
passer-by (one passage, however many frames) is never an alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.models import AlertKind, AlertRule, Camera, MatchBand, Passage, StrangerSighting
from core.services.alerts.matching import Hit, HitKey
from core.services.alerts.scope import in_scope
from core.sightings import Observation

KEEP = timedelta(days=1)
DEFAULT_COUNT, DEFAULT_MINUTES = 3, 10


def threshold(rule: AlertRule) -> tuple[int, timedelta]:
    params: dict[str, Any] = rule.params
    count = int(params.get("count", DEFAULT_COUNT))
    return max(1, count), timedelta(minutes=int(params.get("minutes", DEFAULT_MINUTES)))


def keys(observation: Observation) -> list[str]:
    """The strangers' keys in a snapshot (faces that matched nobody), each once."""
    found: list[str] = []
    for face in observation.faces:
        if face.band is MatchBand.NO_MATCH and face.stranger and face.stranger not in found:
            found.append(face.stranger)
    return found


async def remember(
    session: AsyncSession, camera: Camera, passage: Passage, stranger_keys: Sequence[str]
) -> None:
    """Keep this passage's strangers (and forget sightings older than a day)."""
    await session.execute(
        delete(StrangerSighting).where(StrangerSighting.seen_at < passage.seen_at - KEEP)
    )
    track = str(passage.raw.get("track_id") or "") or f"passage:{passage.id}"
    for key in stranger_keys:
        session.add(
            StrangerSighting(
                key=key[:40],
                camera_id=camera.id,
                passage_id=passage.id,
                track=f"{camera.id}:{track}"[:80],
                seen_at=passage.seen_at,
            )
        )
    await session.flush()


async def seen(
    session: AsyncSession, rule: AlertRule, key: str, at: datetime, cameras: Sequence[Camera]
) -> int:
    """Distinct passages of this stranger at `cameras` within the rule's time, up to `at`."""
    _count, window = threshold(rule)
    ids = [c.id for c in cameras]
    tracks = await session.scalars(
        select(StrangerSighting.track)
        .where(
            StrangerSighting.key == key,
            StrangerSighting.camera_id.in_(ids),
            StrangerSighting.seen_at >= at - window,
            StrangerSighting.seen_at <= at,
        )
        .distinct()
    )
    return len(list(tracks))


async def hits(
    session: AsyncSession,
    zone: ZoneInfo,
    rules: Sequence[AlertRule],
    camera: Camera,
    passage: Passage,
    observation: Observation,
) -> dict[HitKey, Hit]:
    """Strangers seen often enough here lately (each stranger rule in scope counts)."""
    found = keys(observation)
    stranger_rules = [r for r in rules if r.kind is AlertKind.STRANGER]
    if not found or not stranger_rules:
        return {}
    await remember(session, camera, passage, found)
    cameras = (await session.scalars(select(Camera))).all()
    result: dict[HitKey, Hit] = {}
    for rule in stranger_rules:
        here = [c for c in cameras if in_scope(rule, c, passage.seen_at, zone)]
        need, _window = threshold(rule)
        for key in found:
            count = await seen(session, rule, key, passage.seen_at, here)
            if count >= need:
                hit = Hit(rule, None, f"s{key}", False, MatchBand.NO_MATCH, None, None, count)
                result[(rule.id, hit.subject, False)] = hit
    return result
