"""Photos kept by the product (ID cards, faces, permits, report pictures) as files + rows;
a reporter's voice note is personal data too and is kept here the same way (`AUDIO_KINDS`).

This store is the one way a picture reaches the disk. Before a picture is written its
metadata is stripped (`core.images`: EXIF with GPS and camera serial, XMP, comments; the
orientation is kept), then it is sealed with the vault (AES-GCM, key version in the file and
in the row) and written owner-only under ``<data dir>/photos/<xx>/<name>.bin``, where `name`
is a keyed hash of the picture: the same picture uploaded twice is stored once, and the name
tells nothing about the content to whoever has the disk but not the key. A picture is opened
only in memory, by `read`, which checks the role and audits the read.

A file is written before its row commits, so a process killed in between leaves a file no
row refers to; `sweep_orphans` (run once at start) removes those.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import stat
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from core.crypto import Vault
from core.errors import InvalidInput, NotFound
from core.files import write_private
from core.images import strip_metadata
from core.models import PhotoKind, StoredPhoto
from core.roles import Actor, Permission
from core.services.base import Service

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "audio/ogg": "oga"}
# Kinds that hold sound, not pictures: only OGG/Opus (what Telegram's clients record), stored
# as recorded (no picture metadata to strip; a voice note's Opus tags name only the encoder).
AUDIO_KINDS = frozenset({PhotoKind.REPORT_VOICE})
MAX_BYTES = 20 * 1024 * 1024  # Telegram's own download limit for bots
STORE_DIR = "photos"  # under the data dir; rows hold paths relative to the data dir
# An upload in progress has its file on disk before its row commits: leave young files alone.
ORPHAN_MIN_AGE = timedelta(minutes=10)
FILE_CONTEXT = "photo.file"  # bound to every sealed picture as associated data
NAME_CONTEXT = "photo.name"


def sealed_name(vault: Vault, clean: bytes) -> str:
    """The path (relative to the data dir) of a stripped picture under the vault's key."""
    name = vault.lookup_hash(hashlib.sha256(clean).hexdigest(), context=NAME_CONTEXT)
    return f"{STORE_DIR}/{name[:2]}/{name}.bin"


def seal_picture(vault: Vault, data: bytes) -> tuple[str, str, bytes, bytes]:
    """(content type, relative path, stripped picture, sealed file) of an upload."""
    content_type = sniff_content_type(data)
    clean = strip_metadata(data, content_type)
    return (
        content_type,
        sealed_name(vault, clean),
        clean,
        vault.encrypt_bytes(clean, context=FILE_CONTEXT),
    )


def seal_voice(vault: Vault, data: bytes) -> tuple[str, str, bytes, bytes]:
    """(content type, relative path, audio, sealed file) of a voice note (OGG/Opus only)."""
    if not data.startswith(b"OggS"):
        raise InvalidInput("voice_format")
    return (
        "audio/ogg",
        sealed_name(vault, data),
        data,
        vault.encrypt_bytes(data, context=FILE_CONTEXT),
    )


def sniff_content_type(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    raise InvalidInput("photo_format")


class PhotoService(Service):
    async def store(
        self,
        actor: Actor,
        kind: PhotoKind,
        data: bytes,
        *,
        person_id: int | None = None,
        house_id: int | None = None,
        visit_id: int | None = None,
        report_id: int | None = None,
    ) -> StoredPhoto:
        """Write the file (if new) and its row; the caller's unit of work commits the row."""
        if not data or len(data) > MAX_BYTES:
            raise InvalidInput("photo_size")
        vault = self.context.vault
        seal = seal_voice if kind in AUDIO_KINDS else seal_picture
        content_type, relative, clean, sealed = seal(vault, data)
        path = self.context.data_dir / relative
        if await asyncio.to_thread(self._write, path, sealed):
            # A photo nobody points to must not stay on disk (ID cards, faces).
            self.uow.on_rollback(lambda: path.unlink(missing_ok=True))
        photo = StoredPhoto(
            kind=PhotoKind(kind),
            path=relative,
            sha256=Path(relative).stem,
            content_type=content_type,
            size=len(clean),
            key_id=vault.key_id,
            person_id=person_id,
            house_id=house_id,
            visit_id=visit_id,
            report_id=report_id,
            created_by_id=actor.member_id,
            created_at=self.now(),
        )
        self.session.add(photo)
        await self.session.flush()
        return photo

    async def read(
        self, actor: Actor, photo_id: int, *, flow: str = "", reason: str = ""
    ) -> tuple[StoredPhoto, bytes]:
        """The row and the picture, opened in memory; a person's photo needs VIEW_PERSONS.

        Every read is audited (with the stated `reason`, when there is one).
        """
        photo = await self.session.get(StoredPhoto, photo_id)
        if photo is None:
            raise NotFound("photo", id=photo_id)
        extra = {"reason": reason} if reason else {}
        if photo.person_id is not None:
            actor.require(Permission.VIEW_PERSONS)
            await self.uow.audit.record(
                actor,
                "read_photo",
                "person",
                photo.person_id,
                flow=flow,
                photo_id=photo.id,
                **extra,
            )
        else:
            await self.uow.audit.record(
                actor, "read_photo", "photo", photo.id, flow=flow, kind=photo.kind.value, **extra
            )
        return photo, await self.open(photo)

    async def for_delivery(self, path: str) -> bytes:
        """The picture an outbox delivery names, decrypted in memory (system side: the
        service that recorded the notice chose who may see it and audited it).

        FileNotFoundError when no stored picture has that path any more (purged).
        """
        photo = await self.session.scalar(select(StoredPhoto).where(StoredPhoto.path == path))
        if photo is None:
            return await self._generated(path)
        try:
            return await self.open(photo)
        except NotFound as exc:
            raise FileNotFoundError(path) from exc

    async def _generated(self, path: str) -> bytes:
        """A picture the product made itself (a digest's chart): no personal data, kept in
        clear outside the store. Nothing inside the store is ever read unsealed this way."""
        root = self.context.data_dir.resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root) or target.is_relative_to(root / STORE_DIR):
            raise FileNotFoundError(path)
        return await asyncio.to_thread(target.read_bytes)

    async def open(self, photo: StoredPhoto) -> bytes:
        """The picture of a row, decrypted in memory (no check, no audit: callers do both)."""
        try:
            data = await asyncio.to_thread((self.context.data_dir / photo.path).read_bytes)
        except FileNotFoundError:
            # A key rotation or the conversion may have just moved it: read the row again.
            await self.session.refresh(photo)
            try:
                data = await asyncio.to_thread((self.context.data_dir / photo.path).read_bytes)
            except FileNotFoundError as exc:
                raise NotFound("photo_file", id=photo.id) from exc
        if photo.key_id is None:  # a clear file not converted yet
            return data
        return self.context.vault.decrypt_bytes(data, context=FILE_CONTEXT)

    async def sweep_orphans(self, *, min_age: timedelta = ORPHAN_MIN_AGE) -> int:
        """Remove the files of the photo store that no Photo row refers to; how many.

        Only regular files older than `min_age` (by their modification time, a wall-clock
        time, hence not the service clock) and inside the store's folder: symbolic links are
        neither followed nor removed. A file that cannot be removed is left for next time.
        """
        base = self.context.data_dir
        cutoff = time.time() - min_age.total_seconds()
        candidates = await asyncio.to_thread(_old_files, base, base / STORE_DIR, cutoff)
        if not candidates:
            return 0
        referenced = set(await self.session.scalars(select(StoredPhoto.path)))
        orphans = [path for relative, path in candidates if relative not in referenced]
        return await asyncio.to_thread(_remove, orphans)

    @staticmethod
    def _write(path: Path, data: bytes) -> bool:
        """Write the file (owner-only) unless it exists; True when this call created it."""
        if path.exists():
            return False
        write_private(path, data)  # never a half-written photo under the final name
        return True


def _old_files(base: Path, root: Path, cutoff: float) -> list[tuple[str, Path]]:
    """(path relative to `base` as rows hold it, path) of regular files under `root` last
    modified before `cutoff`; os.walk does not descend into linked folders."""
    found: list[tuple[str, Path]] = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            try:
                info = path.lstat()
            except FileNotFoundError:  # removed meanwhile
                continue
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                found.append((path.relative_to(base).as_posix(), path))
    return found


def _remove(paths: list[Path]) -> int:
    removed = 0
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed
