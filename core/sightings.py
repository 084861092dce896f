"""What recognition saw in one camera event, in domain terms (no recognition types).

The camera worker (`bot.cameras.worker`) asks the recognition core and hands core an
`Observation`; `core.services.camera_events` turns it into a passage and, through the rules
(`core.services.alerts`), into alerts. Core never imports the recognition package: the
tolerant plate match is passed in as a `PlateMatcher`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from core.models import MatchBand

Box = tuple[int, int, int, int]  # left, top, right, bottom in the snapshot's pixels


@dataclass(frozen=True)
class FaceSighting:
    """One usable face (past the quality gate) and its closest enrolled template."""

    template_id: int | None  # None: the gallery had nobody
    band: MatchBand
    score: float | None  # in the backend's threshold space (a distance for dlib)
    box: Box | None = None
    size: float = 0.0  # the face's shorter side in pixels (bigger faces decide first)
    # A short-lived key shared by faces that look alike (the stranger rule counts the keys of
    # faces that matched nobody; frames of one passage are told apart by them).
    stranger: str | None = None
    sharpness: float = 0.0  # of the aligned face (see recognition.faces.quality)
    # The closest enrolled templates: (template id, cosine similarity), closest first.
    candidates: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class PlateSighting:
    text: str  # normalised plate text
    source: str  # "camera" (the camera's own reading) or "image" (the core's)
    box: Box | None = None
    confidence: float | None = None


@dataclass(frozen=True)
class Observation:
    faces: tuple[FaceSighting, ...] = ()
    plate: PlateSighting | None = None
    # The snapshot with the faces and plate boxed (JPEG, drawn in a recognition worker).
    annotated: bytes | None = None
    problem: str = ""  # the snapshot could not be read (an image error code), else ""


class PlateMatchLike(Protocol):
    @property
    def watched(self) -> str: ...

    @property
    def distance(self) -> int: ...


class PlateMatcher(Protocol):
    """The tolerant plate match (province, O/0, B/8 …): the best watched plate or None."""

    def __call__(self, plate: str, watched: Iterable[str]) -> PlateMatchLike | None: ...


def exact_plates(plate: str, watched: Iterable[str]) -> PlateMatchLike | None:
    """A matcher without tolerance (for callers that have no recognition core)."""
    for candidate in watched:
        if candidate == plate:
            return _Exact(candidate)
    return None


@dataclass(frozen=True)
class _Exact:
    watched: str
    distance: int = 0
