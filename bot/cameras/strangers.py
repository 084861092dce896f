"""Short-lived look keys for faces: faces that look alike within an hour share a key.

The stranger rule (core) counts passages per key, so it needs to know that the unknown face
at 22:10 is the one seen at 22:04; frames of a camera that sends no track id join one
passage when they share a key (or a person, or a plate). The embeddings stay in this
process's memory for at most `KEEP` and are never stored: only the key is. A restart
forgets them (a stranger's count starts again), which errs on the quiet side.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from recognition.faces.base import FaceMatchConfig, MatchBand
from recognition.gallery import Gallery

KEEP = 3600.0  # seconds an unknown face is remembered after it was last seen


class StrangerKeys:
    def __init__(
        self,
        dimensions: int,
        match: FaceMatchConfig,
        *,
        keep: float = KEEP,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._gallery = Gallery(dimensions)
        self._match, self._keep, self._clock = match, keep, clock
        self._seen: dict[str, float] = {}
        self._prefix, self._next = secrets.token_hex(3), 0

    def key(self, embedding: ArrayLike) -> str:
        """The key of this unknown face: an earlier one's it looks like, else a new one."""
        now = self._clock()
        for old in [k for k, at in self._seen.items() if now - at > self._keep]:
            self._gallery.remove(old)
            del self._seen[old]
        vector = np.asarray(embedding, dtype=np.float32)
        for found, similarity in self._gallery.search(vector, k=1):
            if self._match.band(similarity) is MatchBand.MATCH:
                self._seen[str(found)] = now
                return str(found)
        self._next += 1
        new = f"{self._prefix}-{self._next}"
        self._gallery.upsert(new, vector)
        self._seen[new] = now
        return new

    def __len__(self) -> int:
        return len(self._seen)
