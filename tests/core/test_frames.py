"""Several frames of one passage decide together (`core.frames`): pure arithmetic."""

from __future__ import annotations

import pytest

from core.frames import (
    MIN_WEIGHT,
    FaceEvidence,
    FrameEvidence,
    decide,
    frame_of,
    keep_best,
    subjects,
    weight,
)
from core.models import MatchBand
from core.sightings import FaceSighting

X, Y = 10, 20  # persons
PERSONS = {1: X, 2: X, 3: Y}  # template → person (X has two templates)


def frame(event: int, *faces: tuple[float, list[tuple[int, float]]]) -> FrameEvidence:
    return FrameEvidence(event, 100 + event, tuple(FaceEvidence(w, tuple(c)) for w, c in faces))


def test_bigger_and_sharper_faces_weigh_more() -> None:
    assert weight(200, 400) == 1.0
    assert weight(80, 160) == pytest.approx(0.5)
    assert weight(80, 40) == pytest.approx(0.125)
    assert weight(1, 1) == MIN_WEIGHT
    assert weight(60, 40) < weight(60, 80) < weight(120, 80)


def test_one_frame_decides_as_it_always_did() -> None:
    [x] = decide([frame(1, (0.3, [(1, 0.93), (3, 0.5)]))], PERSONS)
    assert (x.person_id, x.template_id, x.similarity, x.frames) == (X, 1, 0.93, 1)
    assert x.image_id == 101


def test_a_blurred_look_alike_among_sharp_frames_is_outweighed() -> None:
    frames = [
        frame(1, (1.0, [(3, 0.95), (1, 0.40)])),  # sharp: Y, far from X
        frame(2, (1.0, [(3, 0.96), (1, 0.42)])),
        frame(3, (0.1, [(1, 0.85), (3, 0.80)])),  # small and blurred: looks like X
    ]
    decided = {d.person_id: d for d in decide(frames, PERSONS)}
    assert decided[Y].similarity == pytest.approx((0.95 + 0.96 + 0.1 * 0.80) / 2.1)
    # X rests on the same three frames: two sharp ones say "not X".
    assert decided[X].similarity == pytest.approx((0.40 + 0.42 + 0.1 * 0.85) / 2.1)
    assert decided[Y].image_id in (101, 102)


def test_only_the_best_frames_count() -> None:
    frames = [frame(i, (0.2, [(1, 0.5)])) for i in range(5)]
    frames.append(frame(9, (1.0, [(2, 0.95)])))
    [x] = decide(frames, PERSONS, best=3)
    assert x.frames == 3
    assert x.similarity == pytest.approx((0.95 + 0.2 * 0.5 * 2) / 1.4)
    assert x.template_id == 2  # the closest of X's two templates
    assert x.image_id == 109


def test_a_faces_runner_up_is_not_named() -> None:
    [x] = decide([frame(1, (1.0, [(1, 0.95), (3, 0.90)]))], PERSONS)
    assert x.person_id == X


def test_a_frame_without_the_person_bounds_them_by_its_last_candidate() -> None:
    frames = [frame(1, (1.0, [(1, 0.95)])), frame(2, (1.0, [(3, 0.9), (2, 0.3)]))]
    decided = {d.person_id: d for d in decide(frames, PERSONS)}
    assert decided[X].similarity == pytest.approx((0.95 + 0.3) / 2)
    only_y = [frame(1, (1.0, [(3, 0.9)])), frame(2, (1.0, [(1, 0.7)]))]
    decided = {d.person_id: d for d in decide(only_y, PERSONS)}
    assert decided[Y].similarity == pytest.approx((0.9 + 0.7) / 2)  # 0.7: the bound


def test_two_faces_in_a_frame_are_two_people() -> None:
    both = frame(1, (1.0, [(1, 0.95), (3, 0.3)]), (0.5, [(3, 0.92), (1, 0.3)]))
    decided = {d.person_id: d for d in decide([both], PERSONS)}
    assert decided[X].similarity == pytest.approx(0.95)
    assert decided[Y].similarity == pytest.approx(0.92)


def test_evidence_round_trips_through_json_and_keeps_the_best_frames() -> None:
    frames = [frame(i, (i / 10, [(1, round(0.5 + i / 100, 2))])) for i in range(1, 11)]
    assert [FrameEvidence.from_json(f.to_json()) for f in frames] == frames
    kept = keep_best(frames, limit=3)
    assert [f.event_id for f in kept] == [8, 9, 10]
    assert keep_best(frames[:2]) == frames[:2]


def test_a_frame_is_made_of_faces_with_candidates_only() -> None:
    faces = [
        FaceSighting(1, MatchBand.MATCH, 0.2, size=160, sharpness=160, candidates=((1, 0.9),)),
        FaceSighting(None, MatchBand.NO_MATCH, None, size=80, stranger="k"),
    ]
    made = frame_of(7, 70, faces)
    assert made == FrameEvidence(7, 70, (FaceEvidence(1.0, ((1, 0.9),)),))
    assert subjects(faces, {1: X}) == {f"p{X}", "sk"}
    assert subjects([FaceSighting(3, MatchBand.NO_MATCH, 0.9)], PERSONS) == set()
