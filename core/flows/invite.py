"""✉️ Inviting a new member: pick the role → pick the grid (or none) → a one-time link.

Nothing is written before the grid is picked; then the service stores the invitation and
the front end shows its link and QR code once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from core.flows.base import Flow
from core.models import Role
from core.serial import persistable


class InviteAction(enum.StrEnum):
    START = "start"
    ROLE = "role"
    GRID = "grid"
    BACK = "back"


@persistable("button.admin_invite")
@dataclass(frozen=True)
class InviteButton:
    action: InviteAction
    value: str = ""  # ROLE: a Role value; GRID: a grid code ("" no grid)
    rev: int = 0


class InviteStep(enum.StrEnum):
    ROLE = "role"
    GRID = "grid"


@persistable("flow.invite")
@dataclass(kw_only=True)
class InviteFlow(Flow[InviteStep]):
    name: ClassVar[str] = "invite"
    step: InviteStep = InviteStep.ROLE
    role: Role | None = None

    def pick_role(self, role: Role) -> None:
        self.role, self.step = Role(role), InviteStep.GRID
