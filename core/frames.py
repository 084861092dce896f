"""Several frames of one passage → one decision, the way good NVRs decide on a track.

A camera that follows somebody through the gate sends several snapshots of them; each alone
may mislead (a small, blurred face far from the camera looks like many people). Each face in a
frame keeps its closest templates and a quality weight from its size and sharpness; a
passage's decision about a person takes the `BEST_FRAMES` frames with the best view of them
and averages their similarities weighted by quality. One frame decides as it always did; a
blurred look-alike among sharp frames of somebody else no longer raises "please verify".

The evidence is kept in the passage (`raw["evidence"]`): template ids and similarities, never
embeddings, so a restart in the middle of a passage keeps what its earlier frames showed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from core.models import MatchBand
from core.sightings import FaceSighting

BEST_FRAMES = 3  # frames a decision rests on (the best views of that person)
MAX_FRAMES = 8  # frames kept as a passage's evidence (the best by weight)
# A face this big and this sharp weighs fully; smaller or softer ones less, down to MIN_WEIGHT.
# (The quality gate passes faces from 60 px and sharpness 40; good gate photos are 150+.)
FULL_SIZE, FULL_SHARPNESS, MIN_WEIGHT = 160.0, 160.0, 0.05


class FaceJudge(Protocol):
    """The recognition core's bands over a cosine similarity (core cannot import it)."""

    def band(self, similarity: float) -> MatchBand: ...

    def score(self, similarity: float) -> float: ...


def weight(size: float, sharpness: float) -> float:
    """How much a face's view counts: bigger and sharper faces decide first."""
    return max(MIN_WEIGHT, min(1.0, size / FULL_SIZE) * min(1.0, sharpness / FULL_SHARPNESS))


@dataclass(frozen=True)
class FaceEvidence:
    weight: float
    candidates: tuple[tuple[int, float], ...]  # (template id, similarity), closest first

    def to_json(self) -> dict[str, Any]:
        return {"w": round(self.weight, 4), "c": [[t, round(s, 5)] for t, s in self.candidates]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FaceEvidence:
        return cls(float(data["w"]), tuple((int(t), float(s)) for t, s in data["c"]))


@dataclass(frozen=True)
class FrameEvidence:
    event_id: int
    image_id: int | None
    faces: tuple[FaceEvidence, ...]

    @property
    def weight(self) -> float:
        return max((f.weight for f in self.faces), default=0.0)

    def to_json(self) -> dict[str, Any]:
        return {"e": self.event_id, "i": self.image_id, "f": [f.to_json() for f in self.faces]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FrameEvidence:
        faces = tuple(FaceEvidence.from_json(f) for f in data.get("f", []))
        image = data.get("i")
        return cls(int(data["e"]), int(image) if image is not None else None, faces)


def frame_of(event_id: int, image_id: int | None, faces: Iterable[FaceSighting]) -> FrameEvidence:
    return FrameEvidence(
        event_id,
        image_id,
        tuple(
            FaceEvidence(weight(f.size, f.sharpness), f.candidates) for f in faces if f.candidates
        ),
    )


def keep_best(frames: Sequence[FrameEvidence], limit: int = MAX_FRAMES) -> list[FrameEvidence]:
    """At most `limit` frames: the best views, in their order of arrival."""
    if len(frames) <= limit:
        return list(frames)
    best = sorted(range(len(frames)), key=lambda i: -frames[i].weight)[:limit]
    return [frames[i] for i in sorted(best)]


@dataclass(frozen=True)
class Decision:
    """What the passage's best frames say about one person."""

    person_id: int
    template_id: int  # the person's closest template in those frames
    similarity: float  # weighted by the frames' quality
    frames: int  # how many frames it rests on
    image_id: int | None  # the frame with the best view of them


def decide(
    frames: Sequence[FrameEvidence], persons: Mapping[int, int], best: int = BEST_FRAMES
) -> list[Decision]:
    """Each person closest to a face in some frame, most similar first.

    Each frame gives one view of each person (see `_view`); in a frame where no face names
    them, their similarity is at most a face's last candidate's: that bound stands in (it
    errs towards the person).
    """
    # Each face is somebody's only when they are its closest: its runner-up is not named.
    people = {
        persons[f.candidates[0][0]]
        for frame in frames
        for f in frame.faces
        if f.candidates[0][0] in persons
    }
    decisions = []
    for person in people:
        views = []  # (weight, similarity, template, image) of each frame's best face for them
        for frame in frames:
            view = _view(frame, person, persons)
            if view is not None:
                views.append(view)
        views.sort(key=lambda v: -v[0])
        chosen = views[:best]
        total = sum(w for w, *_ in chosen)
        # (one frame: its own similarity, exactly as a lone frame decides)
        similarity = (
            chosen[0][1] if len(chosen) == 1 else sum(w * s for w, s, *_ in chosen) / total
        )
        # Never empty: a frame where they are some face's closest gives their own face.
        named = [v for v in views if v[2] is not None]
        closest = max(named, key=lambda v: v[1])[2]
        assert closest is not None
        decisions.append(Decision(person, closest, similarity, len(chosen), chosen[0][3]))
    return sorted(decisions, key=lambda d: -d.similarity)


_View = tuple[float, float, int | None, int | None]  # weight, similarity, template, image


def _view(frame: FrameEvidence, person: int, persons: Mapping[int, int]) -> _View | None:
    """(weight, similarity, template, image) of the frame's face that stands for `person`.

    Their own face when the frame has one (a face whose closest is them); else the face most
    like them that names them at all; else the bound of a face that does not name them (its
    last candidate's similarity, with no template). Another person's face never stands in
    for theirs while they have one of their own in the frame.
    """
    own: list[_View] = []
    named: list[_View] = []
    bounds: list[_View] = []
    for face in frame.faces:
        mine = [(t, s) for t, s in face.candidates if persons.get(t) == person]
        if not mine:
            bounds.append((face.weight, face.candidates[-1][1], None, frame.image_id))
            continue
        template, similarity = max(mine, key=lambda c: c[1])
        view: _View = (face.weight, similarity, template, frame.image_id)
        (own if persons.get(face.candidates[0][0]) == person else named).append(view)
    for views in (own, named, bounds):
        if views:
            return max(views, key=lambda v: v[1])
    return None


def own_face(faces: Sequence[FaceSighting], person: int, persons: Mapping[int, int]) -> int:
    """The index of the face in a frame that stands for `person` (-1: none of them is theirs):
    of the faces whose closest template is theirs, the most similar."""
    best, found = -1.0, -1
    for index, face in enumerate(faces):
        mine = face.candidates and persons.get(face.candidates[0][0]) == person
        if mine and face.candidates[0][1] > best:
            best, found = face.candidates[0][1], index
    return found


def subjects(faces: Iterable[FaceSighting], persons: Mapping[int, int]) -> set[str]:
    """Who a frame surely shows (on its own): matched persons and look keys. (Two faces that
    are only both like somebody may be two people: they do not make one passage.)"""
    found = {f"s{face.stranger}" for face in faces if face.stranger}
    for face in faces:
        person = persons.get(face.template_id) if face.template_id is not None else None
        if person is not None and face.band is MatchBand.MATCH:
            found.add(f"p{person}")
    return found


def stored_subjects(faces: Iterable[FaceSighting]) -> set[str]:
    """What a passage keeps of `subjects`: look keys and templates, never a person's id (a
    look-alike's passage must not point at anybody; an erased person's templates are gone,
    and with them any way back to them)."""
    found = {f"s{face.stranger}" for face in faces if face.stranger}
    found |= {
        f"t{face.template_id}"
        for face in faces
        if face.template_id is not None and face.band is MatchBand.MATCH
    }
    return found
