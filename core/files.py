"""Owner-only files: the data dir, the database and every picture are readable by us alone."""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents below an existing one) with mode 700."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)
        folder.chmod(DIR_MODE)


def write_private(path: Path, data: bytes) -> None:
    """Write `path` atomically with mode 600 (a temporary file, then a rename)."""
    private_dir(path.parent)
    temporary = path.with_name(path.name + ".part")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, FILE_MODE)  # O_CREAT's mode does not apply to an existing file
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def harden(root: Path, files: Iterable[Path] = ()) -> int:
    """Mode 700 on `root` and the folders under it, 600 on its files and on `files`.

    Symbolic links are neither followed nor changed. Returns how many modes were changed.
    """
    changed = 0
    if not root.is_dir():
        return 0
    changed += _chmod(root, DIR_MODE)
    for folder, dirs, names in os.walk(root):
        for name in dirs:
            changed += _chmod(Path(folder) / name, DIR_MODE)
        for name in names:
            changed += _chmod(Path(folder) / name, FILE_MODE)
    for path in files:
        changed += _chmod(path, FILE_MODE)
    return changed


def _chmod(path: Path, mode: int) -> int:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return 0
    if stat.S_ISLNK(info.st_mode) or stat.S_IMODE(info.st_mode) == mode:
        return 0
    with contextlib.suppress(PermissionError):
        path.chmod(mode)
        return 1
    return 0
