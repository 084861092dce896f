"""A small progress line on stderr: redrawn in place on a terminal, a few lines in a log."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO


class Progress:
    """`with Progress("importing", total) as bar: bar.advance(note)`; finishes on exit.

    Nothing is written until the first `advance` (no empty bar when there was no work).
    """

    def __init__(
        self, label: str, total: int, *, stream: TextIO | None = None, width: int = 24
    ) -> None:
        self.label, self.total, self.width = label, max(total, 0), width
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last_quarter = 0
        self._finished = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.finish()

    def advance(self, note: str = "", n: int = 1) -> None:
        self.done = min(self.done + n, self.total) if self.total else self.done + n
        if self.tty:
            self._draw(note, end="\r")
            return
        quarter = 4 * self.done // self.total if self.total else 0
        if quarter > self._last_quarter and self.done < self.total:
            self._last_quarter = quarter
            self._draw(note, end="\n")

    def finish(self) -> None:
        if self._finished or not self.done:
            return
        self._finished = True
        self._draw("", end="\n")

    def _draw(self, note: str, *, end: str) -> None:
        if self.total:
            filled = self.width * self.done // self.total
            bar = "#" * filled + "." * (self.width - filled)
            text = f"{self.label} [{bar}] {self.done}/{self.total}"
        else:
            text = f"{self.label}: {self.done}"
        if note:
            text += f" {note}"
        if self.tty:
            text = "\r" + text + "\x1b[K"
        self.stream.write(text + end)
        self.stream.flush()
