"""👪 Binding a group chat (`/bind` in the group): pick its role → pick its grids → bind.

The group's id and title come from the chat itself; an empty grid choice means the group
serves the whole community. Nothing is written before ✅.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import ClassVar

from core.flows.base import Flow
from core.models import GroupRole
from core.serial import persistable


class BindAction(enum.StrEnum):
    ROLE = "role"
    GRID = "grid"  # toggle one grid
    ALL = "all"  # the whole community (no grids)
    SAVE = "save"
    BACK = "back"


@persistable("button.admin_bind")
@dataclass(frozen=True)
class BindButton:
    action: BindAction
    value: str = ""  # ROLE: a GroupRole value; GRID: a grid code
    rev: int = 0


class BindStep(enum.StrEnum):
    ROLE = "role"
    GRIDS = "grids"


@persistable("flow.bind_group")
@dataclass(kw_only=True)
class BindGroupFlow(Flow[BindStep]):
    name: ClassVar[str] = "bind_group"
    step: BindStep = BindStep.ROLE
    group_chat_id: int
    title: str
    role: GroupRole | None = None
    grids: list[str] = field(default_factory=list)  # grid codes; empty: the whole community

    def pick_role(self, role: GroupRole) -> None:
        self.role, self.step = GroupRole(role), BindStep.GRIDS

    def toggle(self, code: str) -> None:
        if code in self.grids:
            self.grids.remove(code)
        else:
            self.grids.append(code)

    def whole_community(self) -> None:
        self.grids.clear()
