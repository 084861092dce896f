"""🎨 Changing a house's risk colour (三色管理): choose → reason → confirm."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from core.flows.base import Flow
from core.models import RiskColour
from core.serial import persistable
from core.services.houses import clean_reason


class ColourAction(enum.StrEnum):
    START = "start"
    PICK = "pick"
    BACK = "back"
    SAVE = "save"


@persistable("button.house_colour")
@dataclass(frozen=True)
class ColourButton:
    """What a button of this flow asks for (the house screen's 🎨 starts it)."""

    action: ColourAction
    house_id: int = 0
    page: int = 0
    colour: str = ""
    rev: int = 0


class ColourStep(enum.StrEnum):
    CHOOSE = "choose"
    REASON = "reason"
    CONFIRM = "confirm"


@persistable("flow.risk_colour")
@dataclass(kw_only=True)
class RiskColourFlow(Flow[ColourStep]):
    name: ClassVar[str] = "house_colour"
    step: ColourStep = ColourStep.CHOOSE
    house_id: int
    page: int = 0  # the house list's page to go back to
    code: str
    address: str
    old: RiskColour
    colour: RiskColour | None = None
    reason: str = ""

    def pick(self, colour: RiskColour, now: RiskColour) -> bool:
        """Choose the new colour; False (and stay) when it is the house's colour `now`."""
        self.old = now
        if colour is now:
            return False
        self.colour, self.step = colour, ColourStep.REASON
        return True

    def give_reason(self, text: str) -> None:
        """The typed reason (normalised; InvalidInput when blank or too long)."""
        self.reason = clean_reason(text)
        self.step = ColourStep.CONFIRM
