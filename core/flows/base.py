"""The base of every flow's state: its step, where its form is, its screen revision, Back.

The front end keeps the current flow in the user's persisted data (one flow per user), so a
flow survives a restart; `@persistable` registers each subclass with the codec. The step is
an `Enum`; it changes only through the flow's own methods.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar, Generic, TypeVar

S = TypeVar("S", bound=Enum)


@dataclass(kw_only=True)
class Flow(Generic[S]):
    """State shared by all flows. Subclasses give `step` its Enum and a default."""

    name: ClassVar[str]  # the flow's name in messages ("flow.<name>" says what it is)
    step: S
    # Every screen shown is numbered; a press on an older screen (a double tap, a button
    # scrolled up to) carries an older number and is ignored instead of acting twice.
    rev: int = 0
    # Where the flow's one form message is, in the front end's ids (None: not shown yet).
    chat_id: int | None = None
    message_id: int | None = None

    def next_rev(self) -> int:
        self.rev += 1
        return self.rev

    def is_stale(self, rev: int) -> bool:
        """Whether a press from screen `rev` is out of date (0: a button of no screen)."""
        return rev not in (0, self.rev)

    def back(self) -> bool:
        """One step back in the step Enum's order; False when already at the first step."""
        steps = list(type(self.step))
        index = steps.index(self.step)
        if index == 0:
            return False
        self.step = steps[index - 1]
        return True
