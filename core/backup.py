"""Backups: a consistent copy of the database and the sealed pictures, itself encrypted.

The archive is a tar stream (``manifest.json`` first, then the database, the sealed signing
keys of retired secrets, and the picture files), encrypted in 1 MiB chunks with AES-GCM
under a key derived (HKDF, a fresh salt per backup) from the secret key. The header names
the key's version, so a restore with another key says so instead of failing obscurely; each
chunk is bound to its index and the last one is marked, so a truncated or reordered file is
refused. The secret key itself is never in a backup: keep it apart.

Consistency: the database is copied first, with SQLite's online backup API (a snapshot even
while the bot writes) or ``pg_dump`` (one transaction); the pictures copied are the files the
copied ``photos`` rows name, so a picture uploaded meanwhile (no row in the copy) is left out
and a row whose file vanished meanwhile (a purge) is counted as missing.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import URL, make_url

from core.crypto import key_version
from core.errors import DomainError
from core.files import DIR_MODE, FILE_MODE, private_dir

MAGIC = b"SCBACKUP\x01"
SALT_BYTES = 16
CHUNK = 1 << 20
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite"
PG_NAME = "database.pgdump"
PHOTOS = "photos"
KEPT_FILES = ("retired-signing.keys",)  # sealed; the secret key files are never copied
SECRET_FILES = ("secret.key", "secret.previous.key")
FORMAT = 1


class BackupError(DomainError):
    code = "backup"


@dataclass
class BackupReport:
    database: str  # "sqlite" | "postgresql"
    pictures: int = 0
    missing: list[str] = field(default_factory=list)
    bytes: int = 0


def _key(secret: bytes, salt: bytes) -> AESGCM:
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=salt, info=b"safecommunity/backup")
    return AESGCM(hkdf.derive(secret))


class SealedWriter(io.RawIOBase):
    """A write-only stream that encrypts what is written into `sink`, chunk by chunk."""

    def __init__(self, sink: IO[bytes], secret: bytes) -> None:
        salt = os.urandom(SALT_BYTES)
        self._header = MAGIC + key_version(secret) + salt
        sink.write(self._header)
        self._sink, self._aead = sink, _key(secret, salt)
        self._buffer = bytearray()
        self._index = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]), final=False)
            del self._buffer[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()
        super().close()

    def _emit(self, plain: bytes, *, final: bool) -> None:
        nonce = self._index.to_bytes(12, "big")
        sealed = self._aead.encrypt(nonce, plain, _aad(self._header, self._index, final))
        self._sink.write(len(sealed).to_bytes(4, "big") + bytes([final]) + sealed)
        self._index += 1


class SealedReader(io.RawIOBase):
    """A read-only stream over an encrypted backup; refuses a wrong key or a damaged file."""

    def __init__(self, source: IO[bytes], secrets: Sequence[bytes]) -> None:
        header = source.read(len(MAGIC) + 4 + SALT_BYTES)
        if not header.startswith(MAGIC):
            raise BackupError("not_a_backup")
        version = header[len(MAGIC) : len(MAGIC) + 4]
        secret = next((s for s in secrets if key_version(s) == version), None)
        if secret is None:
            raise BackupError("wrong_key", key=version.hex())
        self._header, self._source = header, source
        self._aead = _key(secret, header[-SALT_BYTES:])
        self._plain = b""
        self._index = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._plain and not self._done:
            self._next()
        size = min(len(target), len(self._plain))
        target[:size] = self._plain[:size]
        self._plain = self._plain[size:]
        return size

    def _next(self) -> None:
        head = self._source.read(5)
        if len(head) < 5:
            raise BackupError("truncated")
        length, final = int.from_bytes(head[:4], "big"), bool(head[4])
        sealed = self._source.read(length)
        if len(sealed) < length:
            raise BackupError("truncated")
        nonce = self._index.to_bytes(12, "big")
        try:
            self._plain = self._aead.decrypt(nonce, sealed, _aad(self._header, self._index, final))
        except InvalidTag:
            raise BackupError("damaged", chunk=self._index) from None
        self._index += 1
        self._done = final


def _aad(header: bytes, index: int, final: bool) -> bytes:
    return header + index.to_bytes(8, "big") + bytes([final])


# --- the database -----------------------------------------------------------------------


def database_kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError("database", backend=backend)
    return backend


def copy_sqlite(database: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (the online backup API)."""
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    target.chmod(FILE_MODE)


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def dump_postgres(url: str, target: Path, snapshot: str = "") -> None:
    """``pg_dump`` in its custom format: one consistent snapshot of the database (`snapshot`,
    exported by a transaction that reads the picture rows, makes it the same one)."""
    parsed = make_url(url)
    args, env = _pg_args(parsed)
    command = ["pg_dump", *args, "--format=custom", "--no-owner", "--no-privileges"]
    if snapshot:
        command.append(f"--snapshot={snapshot}")
    _run([*command, "--file", str(target), parsed.database or ""], env)


def restore_postgres(url: str, dump: Path) -> None:
    parsed = make_url(url)
    args, env = _pg_args(parsed)
    command = ["pg_restore", *args, "--no-owner", "--no-privileges", "--exit-on-error"]
    _run([*command, "--single-transaction", "--dbname", parsed.database or "", str(dump)], env)


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError("missing_tool", tool=command[0])
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError("tool_failed", tool=command[0], error=lines[-1] if lines else "")


def picture_paths(sqlite_copy: Path | None, rows: Sequence[str] | None = None) -> list[str]:
    """The picture files the copied database names (rows given for PostgreSQL)."""
    if rows is not None:
        return sorted(set(rows))
    assert sqlite_copy is not None
    connection = sqlite3.connect(f"file:{sqlite_copy}?mode=ro", uri=True)
    try:
        return sorted({row[0] for row in connection.execute("SELECT path FROM photos")})
    finally:
        connection.close()


# --- the archive ------------------------------------------------------------------------


def write_backup(
    out: Path,
    *,
    secret: bytes,
    data_dir: Path,
    manifest: dict[str, Any],
    database: Path,
    database_name: str,
    pictures: Sequence[str],
) -> BackupReport:
    """Write the encrypted archive to `out` (owner-only, atomically)."""
    report = BackupReport(database=str(manifest.get("database", "")))
    partial = out.with_name(out.name + ".part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as sink:
            writer = SealedWriter(sink, secret)
            with tarfile.open(fileobj=writer, mode="w|") as archive:
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
                archive.add(database, arcname=database_name)
                for name in KEPT_FILES:
                    if (data_dir / name).is_file():
                        archive.add(data_dir / name, arcname=name)
                for relative in pictures:
                    path = data_dir / relative
                    if not _safe(relative) or not path.is_file():
                        report.missing.append(relative)
                        continue
                    archive.add(path, arcname=relative)
                    report.pictures += 1
            writer.close()
            sink.flush()
            os.fsync(sink.fileno())
        partial.replace(out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    report.bytes = out.stat().st_size
    return report


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), FILE_MODE
    archive.addfile(info, io.BytesIO(data))


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and bool(path.parts)


def allowed(name: str) -> bool:
    if name in (MANIFEST, SQLITE_NAME, PG_NAME, *KEPT_FILES):
        return True
    return _safe(name) and PurePosixPath(name).parts[0] == PHOTOS


def is_empty_data_dir(data_dir: Path) -> bool:
    """Nothing but the secret key files (which a restore needs) in the data dir."""
    if not data_dir.exists():
        return True
    return all(entry.name in SECRET_FILES for entry in data_dir.iterdir())


@contextmanager
def opened_backup(path: Path, secrets: Sequence[bytes]) -> Iterator[tarfile.TarFile]:
    with path.open("rb") as source:
        reader = io.BufferedReader(SealedReader(source, secrets), CHUNK)
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            yield archive


def unpack(
    path: Path, secrets: Sequence[bytes], data_dir: Path, staging: Path
) -> tuple[dict[str, Any], Path]:
    """Decrypt into `data_dir` (pictures, kept files) and `staging` (the database file).

    Returns the manifest and the database file's path. Unknown or unsafe names are refused.
    """
    manifest: dict[str, Any] | None = None
    database: Path | None = None
    private_dir(data_dir)
    with opened_backup(path, secrets) as archive:
        for member in archive:
            if not member.isfile() or not allowed(member.name):
                raise BackupError("unexpected_entry", name=member.name)
            source = archive.extractfile(member)
            assert source is not None
            if member.name == MANIFEST:
                manifest = json.loads(source.read())
                if manifest.get("format") != FORMAT:
                    raise BackupError("format", format=manifest.get("format"))
                continue
            if manifest is None:
                raise BackupError("no_manifest")
            if member.name in (SQLITE_NAME, PG_NAME):
                database = staging / member.name
                target = database
            else:
                target = data_dir / member.name
            _write_stream(target, source)
    if manifest is None or database is None:
        raise BackupError("incomplete")
    return manifest, database


def _write_stream(target: Path, source: IO[bytes]) -> None:
    private_dir(target.parent)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        shutil.copyfileobj(source, handle, CHUNK)


def staging_dir(folder: Path) -> tempfile.TemporaryDirectory[str]:
    """A private temporary folder in `folder` (same disk as the result: a rename, no copy)."""
    folder.mkdir(parents=True, exist_ok=True)
    staging = tempfile.TemporaryDirectory(prefix=".safecommunity-backup-", dir=folder)
    os.chmod(staging.name, DIR_MODE)
    return staging


def clear_data_dir(data_dir: Path) -> None:
    """Remove what a failed restore wrote (the secret key files stay)."""
    if not data_dir.exists():
        return
    for entry in data_dir.iterdir():
        if entry.name in SECRET_FILES:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
