"""In-memory gallery of L2-normalised embeddings with vectorised top-k cosine search.

Concurrency: writers serialise on an RLock; readers take no lock. Readers work on an immutable
`_View` published by one attribute assignment. Writers never touch a row, key or dead-mask that a
published view can see: appends go to spare capacity past the view's rows (the buffer grows by
doubling, so an add is amortised O(d)); removal marks the row dead in a *new* mask (the old
one stays as it was) and `replace` is removal plus append. When a quarter of the rows are dead
the live ones are compacted into a new buffer. A search therefore always sees one consistent
state: the state before or after any write, never half of one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

Key = str | int
Hit = tuple[Key, float]

_MIN_CAPACITY = 64
_COMPACT_RATIO = 0.25


@dataclass(frozen=True, slots=True)
class _View:
    matrix: NDArray[np.float32]  # rows [0, n); never written once published
    keys: list[Key]  # row -> key; only appended to past n while this view lives
    dead: NDArray[np.bool_] | None  # dead rows among the first len(dead); None when none
    alive: int


class Gallery:
    def __init__(self, dim: int, *, capacity: int = _MIN_CAPACITY) -> None:
        if dim <= 0:
            raise ValueError("dim must be positive")
        self._dim = dim
        self._lock = threading.RLock()
        self._reset(np.empty((max(capacity, 1), dim), dtype=np.float32), 0, [], None)

    @property
    def dim(self) -> int:
        return self._dim

    @property
    def capacity(self) -> int:
        return int(self._buffer.shape[0])

    def __len__(self) -> int:
        return self._view.alive

    def __contains__(self, key: object) -> bool:
        return key in self._index

    def keys(self) -> list[Key]:
        with self._lock:
            return list(self._index)

    def get(self, key: Key) -> NDArray[np.float32]:
        with self._lock:
            row: NDArray[np.float32] = self._buffer[self._index[key]].copy()
            return row

    # writers -----------------------------------------------------------------------------

    def add(self, key: Key, embedding: ArrayLike) -> None:
        """Add a new entry; KeyError when `key` is already present."""
        vector = self._unit_rows(embedding)[0]
        with self._lock:
            if key in self._index:
                raise KeyError(f"{key!r} is already in the gallery")
            self._append(key, vector)
            self._publish()

    def add_many(self, items: Iterable[tuple[Key, ArrayLike]]) -> None:
        pairs = list(items)
        keys = [key for key, _ in pairs]
        rows = self._unit_rows([vector for _, vector in pairs]) if pairs else None
        with self._lock:
            if len(set(keys)) != len(keys) or any(key in self._index for key in keys):
                raise KeyError("duplicate keys")
            if rows is None:
                return
            self._reserve(self._count + len(keys))
            self._buffer[self._count : self._count + len(keys)] = rows
            for offset, key in enumerate(keys):
                self._keys.append(key)
                self._index[key] = self._count + offset
            self._count += len(keys)
            self._publish()

    def replace(self, key: Key, embedding: ArrayLike) -> None:
        """Swap the embedding of an existing entry; KeyError when `key` is absent."""
        vector = self._unit_rows(embedding)[0]
        with self._lock:
            row = self._index[key]
            self._kill(row)
            self._append(key, vector)
            self._maybe_compact()
            self._publish()

    def upsert(self, key: Key, embedding: ArrayLike) -> None:
        with self._lock:
            if key in self._index:
                self.replace(key, embedding)
            else:
                self.add(key, embedding)

    def remove(self, key: Key) -> bool:
        """Drop an entry; False when it was not there."""
        with self._lock:
            row = self._index.pop(key, None)
            if row is None:
                return False
            self._kill(row)
            self._maybe_compact()
            self._publish()
            return True

    def rebuild(self, items: Iterable[tuple[Key, ArrayLike]]) -> None:
        """Replace the whole content at once (e.g. after loading from the database)."""
        pairs = list(items)
        rows = [np.asarray(vector, dtype=np.float32) for _, vector in pairs]
        matrix = np.stack(rows) if rows else np.empty((0, self._dim), dtype=np.float32)
        self.rebuild_from_matrix([key for key, _ in pairs], matrix)

    def rebuild_from_matrix(self, keys: Sequence[Key], matrix: ArrayLike) -> None:
        """`rebuild` from keys and an (n, dim) array, without per-row Python work."""
        keys = list(keys)
        if len(set(keys)) != len(keys):
            raise KeyError("duplicate keys")
        capacity = _MIN_CAPACITY
        while capacity < len(keys):
            capacity *= 2
        buffer = np.empty((capacity, self._dim), dtype=np.float32)
        if keys:
            rows = self._unit_rows(matrix)
            if rows.shape[0] != len(keys):
                raise ValueError(f"{len(keys)} keys for {rows.shape[0]} embeddings")
            buffer[: len(keys)] = rows
        with self._lock:
            self._reset(buffer, len(keys), keys, None)

    # readers -----------------------------------------------------------------------------

    def search(
        self, embedding: ArrayLike, k: int = 5, *, min_score: float | None = None
    ) -> list[Hit]:
        """The `k` entries most similar to `embedding` as (key, cosine similarity), best first."""
        return self.search_batch(self._unit_rows(embedding), k, min_score=min_score)[0]

    def search_batch(
        self, embeddings: ArrayLike, k: int = 5, *, min_score: float | None = None
    ) -> list[list[Hit]]:
        queries = self._unit_rows(embeddings)
        view = self._view
        count = view.matrix.shape[0]
        take = min(k, view.alive)
        if take <= 0:
            return [[] for _ in range(queries.shape[0])]
        scores = queries @ view.matrix.T  # (queries, rows)
        if view.dead is not None:
            scores[:, : view.dead.shape[0]][:, view.dead] = -np.inf
        if take < count:
            top = np.argpartition(scores, count - take, axis=1)[:, count - take :]
        else:
            top = np.broadcast_to(np.arange(count), (queries.shape[0], count))
        top_scores = np.take_along_axis(scores, top, axis=1)
        order = np.argsort(-top_scores, axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        top_scores = np.take_along_axis(top_scores, order, axis=1)
        floor = -np.inf if min_score is None else min_score
        return [
            [
                (view.keys[int(row)], float(score))
                for row, score in zip(rows, row_scores, strict=True)
                if score >= floor and score > -np.inf
            ]
            for rows, row_scores in zip(top, top_scores, strict=True)
        ]

    # internals (call with the lock held) ---------------------------------------------------

    def _unit_rows(self, embeddings: ArrayLike | Sequence[ArrayLike]) -> NDArray[np.float32]:
        rows = np.asarray(embeddings, dtype=np.float32)
        if rows.ndim == 1:
            rows = rows[None, :]
        if rows.ndim != 2 or rows.shape[1] != self._dim:
            raise ValueError(f"expected embeddings of length {self._dim}, got {rows.shape}")
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        if not np.all(np.isfinite(norms)) or np.any(norms < 1e-12):
            raise ValueError("embeddings must be finite and non-zero")
        return np.ascontiguousarray(rows / norms, dtype=np.float32)

    def _reset(
        self,
        buffer: NDArray[np.float32],
        count: int,
        keys: list[Key],
        dead: NDArray[np.bool_] | None,
    ) -> None:
        self._buffer = buffer
        self._count = count
        self._keys = keys
        self._index = {key: row for row, key in enumerate(keys)}
        self._dead = dead
        self._dead_count = 0
        self._publish()

    def _publish(self) -> None:
        self._view = _View(
            matrix=self._buffer[: self._count],
            keys=self._keys,
            dead=self._dead if self._dead_count else None,
            alive=self._count - self._dead_count,
        )

    def _reserve(self, rows: int) -> None:
        capacity = self._buffer.shape[0]
        if rows <= capacity:
            return
        while capacity < rows:
            capacity *= 2
        grown = np.empty((capacity, self._dim), dtype=np.float32)
        grown[: self._count] = self._buffer[: self._count]
        self._buffer = grown  # published views keep the old buffer alive until they finish

    def _append(self, key: Key, vector: NDArray[np.float32]) -> None:
        self._reserve(self._count + 1)
        self._buffer[self._count] = vector
        self._keys.append(key)
        self._index[key] = self._count
        self._count += 1

    def _kill(self, row: int) -> None:
        dead = np.zeros(self._count, dtype=np.bool_)  # a new mask: published ones never change
        if self._dead is not None:
            dead[: self._dead.shape[0]] = self._dead
        dead[row] = True
        self._dead = dead
        self._dead_count += 1

    def _maybe_compact(self) -> None:
        if self._dead_count > _COMPACT_RATIO * self._count:
            self._compact()

    def _compact(self) -> None:
        live = sorted(self._index.items(), key=lambda item: item[1])
        capacity = max(_MIN_CAPACITY, self._buffer.shape[0])
        buffer = np.empty((capacity, self._dim), dtype=np.float32)
        rows = [row for _, row in live]
        buffer[: len(rows)] = self._buffer[rows]
        self._reset(buffer, len(rows), [key for key, _ in live], None)
