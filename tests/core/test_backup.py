"""The backup's encrypted stream: several chunks round-trip; a cut, a swapped chunk or another
key is refused."""

from __future__ import annotations

import io
import os

import pytest

from core.backup import CHUNK, BackupError, SealedReader, SealedWriter

SECRET = b"backup-secret-0123456789abcdef"


def _seal(data: bytes, secret: bytes = SECRET) -> bytes:
    sink = io.BytesIO()
    writer = SealedWriter(sink, secret)
    for start in range(0, len(data), 100_000):
        writer.write(data[start : start + 100_000])
    writer.close()
    return sink.getvalue()


def _open(blob: bytes, *secrets: bytes) -> bytes:
    return io.BufferedReader(SealedReader(io.BytesIO(blob), secrets or (SECRET,))).read()


def test_round_trip_over_several_chunks() -> None:
    data = os.urandom(2 * CHUNK + 12345)
    blob = _seal(data)
    assert data[:64] not in blob
    assert _open(blob, b"another-secret-0123456789abcdef", SECRET) == data
    assert _open(_seal(b"")) == b""


def test_damage_is_refused() -> None:
    blob = _seal(os.urandom(CHUNK + 10))
    with pytest.raises(BackupError, match="truncated"):
        _open(blob[: len(blob) - 20])
    first_end = 9 + 4 + 16 + 5 + CHUNK + 16  # header, then the first full chunk
    with pytest.raises(BackupError, match="truncated"):
        _open(blob[:first_end])  # whole chunks, but the final one is missing
    flipped = bytearray(blob)
    flipped[first_end - 3] ^= 1
    with pytest.raises(BackupError, match="damaged"):
        _open(bytes(flipped))
    with pytest.raises(BackupError, match="wrong_key"):
        _open(blob, b"another-secret-0123456789abcdef")
    with pytest.raises(BackupError, match="not_a_backup"):
        _open(b"PK\x03\x04" + blob)
