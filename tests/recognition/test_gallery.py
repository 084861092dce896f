"""Gallery: top-k against brute force, writes, growth, and consistency under concurrent writers."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recognition.gallery import Gallery

DIM = 16


def unit_rows(count: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    rows = np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def brute_force(keys: list[object], matrix: np.ndarray, query: np.ndarray, k: int) -> list[object]:
    scores = matrix @ (query / np.linalg.norm(query))
    return [keys[i] for i in np.argsort(-scores, kind="stable")[:k]]


def test_search_returns_best_first_with_cosine_scores() -> None:
    gallery = Gallery(DIM)
    rows = unit_rows(50)
    gallery.add_many((f"p{i}", row) for i, row in enumerate(rows))
    hits = gallery.search(rows[7] * 3.0, k=3)  # queries are normalised too
    assert hits[0] == ("p7", pytest.approx(1.0, abs=1e-5))
    assert [score for _, score in hits] == sorted((score for _, score in hits), reverse=True)
    assert [key for key, _ in hits] == brute_force([f"p{i}" for i in range(50)], rows, rows[7], 3)


def test_embeddings_are_normalised_on_the_way_in() -> None:
    gallery = Gallery(3)
    gallery.add(1, [0.0, 0.0, 5.0])
    assert np.allclose(gallery.get(1), [0.0, 0.0, 1.0])
    assert gallery.search([0.0, 0.0, 2.0], k=1) == [(1, pytest.approx(1.0))]


@settings(max_examples=40, deadline=None)
@given(
    count=st.integers(1, 300),
    k=st.integers(1, 20),
    removed=st.sets(st.integers(0, 299), max_size=120),
    seed=st.integers(0, 10_000),
)
def test_topk_matches_brute_force_after_removals(
    count: int, k: int, removed: set[int], seed: int
) -> None:
    rows = unit_rows(count, seed)
    gallery = Gallery(DIM, capacity=1)
    for i, row in enumerate(rows):
        gallery.add(i, row)
    for i in removed:
        assert gallery.remove(i) == (i < count)
    alive = [i for i in range(count) if i not in removed]
    assert len(gallery) == len(alive)
    query = unit_rows(1, seed + 1)[0]
    expected = brute_force(alive, rows[alive], query, k) if alive else []
    hits = gallery.search(query, k)
    assert [key for key, _ in hits] == expected
    for key, score in hits:
        assert score == pytest.approx(float(rows[int(key)] @ query), abs=1e-5)


def test_replace_upsert_remove_and_membership() -> None:
    gallery = Gallery(DIM)
    a, b, c = unit_rows(3)
    gallery.add("x", a)
    with pytest.raises(KeyError):
        gallery.add("x", b)
    with pytest.raises(KeyError):
        gallery.replace("missing", b)
    gallery.replace("x", b)
    assert gallery.search(b, k=5) == [("x", pytest.approx(1.0, abs=1e-5))]
    assert len(gallery) == 1
    gallery.upsert("y", c)
    gallery.upsert("y", a)
    assert np.allclose(gallery.get("y"), a)
    assert "y" in gallery
    assert gallery.remove("y")
    assert not gallery.remove("y")
    assert "y" not in gallery
    assert gallery.keys() == ["x"]


def test_min_score_and_k_larger_than_the_gallery() -> None:
    gallery = Gallery(2)
    gallery.add_many([("east", [1.0, 0.0]), ("north", [0.0, 1.0]), ("west", [-1.0, 0.0])])
    assert [key for key, _ in gallery.search([1.0, 0.1], k=10)] == ["east", "north", "west"]
    assert [key for key, _ in gallery.search([1.0, 0.1], k=10, min_score=0.5)] == ["east"]
    assert Gallery(2).search([1.0, 0.0]) == []


def test_search_batch_equals_single_searches() -> None:
    rows = unit_rows(500, 3)
    gallery = Gallery(DIM)
    gallery.rebuild_from_matrix(list(range(500)), rows)
    for i in range(0, 500, 7):
        gallery.remove(i)
    queries = unit_rows(9, 4)
    batch = gallery.search_batch(queries, k=6)
    for hits, query in zip(batch, queries, strict=True):
        single = gallery.search(query, k=6)
        assert [key for key, _ in hits] == [key for key, _ in single]
        assert np.allclose([s for _, s in hits], [s for _, s in single], atol=1e-5)


def test_rebuild_swaps_content_and_refuses_duplicates() -> None:
    gallery = Gallery(DIM)
    gallery.add("old", unit_rows(1)[0])
    rows = unit_rows(10, 5)
    gallery.rebuild((f"n{i}", row) for i, row in enumerate(rows))
    assert sorted(gallery.keys()) == sorted(f"n{i}" for i in range(10))
    with pytest.raises(KeyError):
        gallery.rebuild([("a", rows[0]), ("a", rows[1])])
    with pytest.raises(ValueError, match="keys"):
        gallery.rebuild_from_matrix(["a"], rows[:2])
    gallery.rebuild([])
    assert len(gallery) == 0


def test_bad_embeddings_are_refused() -> None:
    gallery = Gallery(3)
    with pytest.raises(ValueError, match="length 3"):
        gallery.add("a", [1.0, 2.0])
    with pytest.raises(ValueError, match="non-zero"):
        gallery.add("a", [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        gallery.search([np.nan, 1.0, 0.0])


def test_growth_is_amortised_doubling() -> None:
    gallery = Gallery(DIM, capacity=1)
    capacities = set()
    for i, row in enumerate(unit_rows(1000)):
        gallery.add(i, row)
        capacities.add(gallery.capacity)
    assert capacities == {2**p for p in range(11)}  # 1, 2, 4, ... 1024: 10 reallocations


def test_removed_rows_are_compacted() -> None:
    gallery = Gallery(DIM)
    gallery.add_many(enumerate(unit_rows(100)))
    for i in range(60):
        gallery.remove(i)
    assert gallery._count < 100  # compaction dropped dead rows
    assert sorted(gallery.keys()) == list(range(60, 100))
    assert [k for k, _ in gallery.search(unit_rows(100)[80], k=1)] == [80]


def test_concurrent_writers_never_expose_half_updates() -> None:
    """Each key only ever holds one of two known vectors, so every score can be checked."""
    rows = unit_rows(400, 11)
    variants = unit_rows(400, 12)
    gallery = Gallery(DIM, capacity=8)
    gallery.add_many((i, rows[i]) for i in range(200))
    queries = unit_rows(16, 13)
    stop = threading.Event()
    failures: list[str] = []

    def guarded(body: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                body()
            except Exception as exc:  # a crashed thread must fail the test, not vanish
                failures.append(repr(exc))
                stop.set()

        return run

    def writer(seed: int) -> None:
        rng = np.random.default_rng(seed)
        while not stop.is_set():
            key = int(rng.integers(0, 400))
            action = rng.integers(0, 3)
            with gallery._lock:  # a writer's check-then-act; searches take no lock
                if action == 0 and key not in gallery:
                    gallery.add(key, rows[key])
                elif action == 1:
                    gallery.remove(key)
                elif key in gallery:
                    gallery.replace(key, variants[key] if rng.integers(0, 2) else rows[key])

    def reader() -> None:
        while not stop.is_set():
            for hits in gallery.search_batch(queries, k=8):
                scores = [score for _, score in hits]
                if scores != sorted(scores, reverse=True):
                    failures.append("unsorted")
            for query in queries:
                for key, score in gallery.search(query, k=8):
                    allowed = (float(rows[int(key)] @ query), float(variants[int(key)] @ query))
                    if min(abs(score - value) for value in allowed) > 1e-4:
                        failures.append(f"key {key} scored {score}, allowed {allowed}")

    threads = [threading.Thread(target=guarded(partial(writer, seed))) for seed in (1, 2)]
    threads += [threading.Thread(target=guarded(reader)) for _ in range(2)]
    for thread in threads:
        thread.start()
    stop.wait(1.5)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(gallery) == len(gallery.keys())
