"""Which passage a camera event belongs to, and what the passage's frames decide together.

Frames of one passage: the same `track_id` of a camera, or, for cameras that send none,
frames of the same camera within `passage_gap` of each other that show the same person,
look-alike face or plate (two people passing one after the other stay two passages, which
the tailgating and stranger rules need). `core.frames` weighs the frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.frames import (
    Decision,
    FaceJudge,
    FrameEvidence,
    decide,
    keep_best,
    own_face,
    stored_subjects,
)
from core.models import CameraEvent, FaceTemplate, MatchBand, Passage
from core.sightings import FaceSighting, Observation, PlateMatcher, PlateSighting

LOOK_BACK = 10  # recent events of the camera looked at for a passage to continue
TRACK_IDLE = timedelta(minutes=10)  # a track not seen this long is over (its id may recur)


async def continued(
    session: AsyncSession,
    event: CameraEvent,
    subjects: set[str],
    plate: PlateSighting | None,
    match_plate: PlateMatcher,
    gap: timedelta,
) -> Passage | None:
    """The passage this event continues, if any (see the module's text)."""
    if event.track_id:
        # The track's latest frame, if recent: a camera that restarts counts its tracks
        # from 1 again, and yesterday's track 7 is not today's.
        passage_id = await session.scalar(
            select(CameraEvent.passage_id)
            .where(
                CameraEvent.camera_id == event.camera_id,
                CameraEvent.track_id == event.track_id,
                CameraEvent.passage_id.is_not(None),
                CameraEvent.id != event.id,
                CameraEvent.captured_at >= event.captured_at - TRACK_IDLE,
                CameraEvent.captured_at <= event.captured_at + TRACK_IDLE,
            )
            .order_by(CameraEvent.captured_at.desc(), CameraEvent.id.desc())
            .limit(1)
        )
        return await session.get(Passage, passage_id) if passage_id else None
    if gap <= timedelta(0) or (not subjects and (plate is None or not plate.text)):
        return None
    recent = await session.scalars(
        select(CameraEvent.passage_id)
        .where(
            CameraEvent.camera_id == event.camera_id,
            CameraEvent.track_id == "",
            CameraEvent.direction == event.direction,
            CameraEvent.passage_id.is_not(None),
            CameraEvent.id != event.id,
            # (either side: cameras post concurrently, the later frame may come first)
            CameraEvent.captured_at >= event.captured_at - gap,
            CameraEvent.captured_at <= event.captured_at + gap,
        )
        .order_by(CameraEvent.captured_at.desc(), CameraEvent.id.desc())
        .limit(LOOK_BACK)
    )
    for passage_id in dict.fromkeys(recent):  # newest first, each passage once
        passage = await session.get(Passage, passage_id)
        if passage is not None and await _same_subject(
            session, passage, subjects, plate, match_plate
        ):
            return passage
    return None


async def _same_subject(
    session: AsyncSession,
    passage: Passage,
    subjects: set[str],
    plate: PlateSighting | None,
    match_plate: PlateMatcher,
) -> bool:
    kept = set(passage.raw.get("subjects", []))
    if subjects & kept:  # the same look key
        return True
    templates = [int(s[1:]) for s in kept if s.startswith("t")]
    if templates and any(s.startswith("p") for s in subjects):
        persons = await session.scalars(
            select(FaceTemplate.person_id).where(FaceTemplate.id.in_(templates))
        )
        if {f"p{p}" for p in persons} & subjects:
            return True
    if plate is None or not plate.text or not passage.plate:
        return False
    return match_plate(plate.text, [passage.plate]) is not None


def frame_raw(event: CameraEvent, observation: Observation) -> dict[str, Any]:
    """What the passage keeps of this frame beyond its evidence (the last frame's wins)."""
    raw: dict[str, Any] = {
        "event_id": event.id,
        "track_id": event.track_id,
        "faces": len(observation.faces),
    }
    if event.details:
        raw["device"] = event.details
    if event.plate_image_id is not None:
        raw["plate_image_id"] = event.plate_image_id
    if observation.plate is not None:
        raw["plate_source"] = observation.plate.source
    if observation.problem:
        raw["problem"] = observation.problem
    return raw


def evidence_of(passage: Passage | None) -> list[FrameEvidence]:
    if passage is None:
        return []
    return [FrameEvidence.from_json(f) for f in passage.raw.get("evidence", [])]


def decisions(frames: Sequence[FrameEvidence], persons: Mapping[int, int]) -> dict[int, Decision]:
    return {d.person_id: d for d in decide(keep_best(frames), persons)}


def decided(
    observation: Observation,
    decided_persons: Mapping[int, Decision],
    persons: Mapping[int, int],
    judge: FaceJudge | None,
) -> Observation:
    """This frame's faces as the passage's frames decide them together (what rules see).

    Of the faces whose closest is a person, the most similar takes the passage's verdict on
    them; the others keep their own (a tailgater who looks a little like the resident in
    front is not the resident). A face keeps its own verdict too when it has no candidates
    (an empty gallery) or nobody judges bands (callers without a recognition core).
    """
    if judge is None:
        return observation
    faces = list(observation.faces)
    for person, decision in decided_persons.items():
        index = own_face(observation.faces, person, persons)
        if index < 0:  # not in this frame (or only as somebody's runner-up)
            continue
        face = faces[index]
        faces[index] = FaceSighting(
            template_id=decision.template_id,
            band=judge.band(decision.similarity),
            score=judge.score(decision.similarity),
            box=face.box,
            size=face.size,
            stranger=face.stranger,
            sharpness=face.sharpness,
            candidates=face.candidates,
        )
    return Observation(tuple(faces), observation.plate, observation.annotated, observation.problem)


def settle(
    passage: Passage,
    frames: Sequence[FrameEvidence],
    decided_persons: Mapping[int, Decision],
    judge: FaceJudge | None,
    observation: Observation,
    persons: Mapping[int, int],
    raw: dict[str, Any],
    image_id: int | None,
) -> None:
    """The passage after this frame: its evidence, subjects and decision."""
    kept = keep_best(frames)
    first = passage.raw.get("event_id", raw["event_id"])
    passage.raw = {
        **passage.raw,
        **raw,
        "event_id": first,
        "frames": int(passage.raw.get("frames", 0)) + 1,
        "evidence": [f.to_json() for f in kept],
        "subjects": sorted(
            set(passage.raw.get("subjects", [])) | stored_subjects(observation.faces)
        ),
    }
    if observation.plate is not None and observation.plate.text:
        passage.plate = observation.plate.text
    top = max(decided_persons.values(), key=lambda d: d.similarity, default=None)
    if top is not None and judge is not None:
        band = judge.band(top.similarity)
        if passage.person_id is not None and (
            band is not MatchBand.MATCH or top.person_id != passage.person_id
        ):
            return  # once sure of somebody (and alerted), later frames do not unname them
        passage.band, passage.score = band, judge.score(top.similarity)
        # Only a sure match names a person: a look-alike or a stranger must not land in
        # somebody's record (nor go with it when that person is erased).
        passage.person_id = top.person_id if band is MatchBand.MATCH else None
        passage.snapshot_id = top.image_id or passage.snapshot_id or image_id
        return
    _single_frame(passage, observation, persons, image_id)
    if passage.band is None and observation.plate is not None:
        passage.score = observation.plate.confidence


_BAND_ORDER = {MatchBand.MATCH: 0, MatchBand.POSSIBLE: 1, MatchBand.NO_MATCH: 2}


def _single_frame(
    passage: Passage, observation: Observation, persons: Mapping[int, int], image_id: int | None
) -> None:
    """Without candidates to weigh: keep the best band any frame had (as cameras say)."""
    best = min(
        observation.faces,
        key=lambda f: (_BAND_ORDER[f.band], -f.size),
        default=None,
    )
    old = _BAND_ORDER[passage.band] if passage.band is not None else 3
    if best is not None and _BAND_ORDER[best.band] < old:
        passage.band, passage.score = best.band, best.score
        passage.snapshot_id = image_id
        if best.band is MatchBand.MATCH and best.template_id is not None:
            passage.person_id = persons.get(best.template_id)
    if passage.snapshot_id is None:
        passage.snapshot_id = image_id
