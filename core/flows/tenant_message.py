"""✉️ A tenant's message to the community about the house whose card they opened.

type the text → summary → ✅ send (or ✏️ write it again). Anyone holding the card may use
it: the tenant is usually not a member, so the buttons carry the house, never a person.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from core.flows.base import Flow
from core.serial import persistable
from core.services.house_messages import clean_text


class TenantAction(enum.StrEnum):
    """What a tenant's button asks for (entry actions, the draft's buttons, under answers)."""

    ENTRY = "entry"  # ⬅️ back to the card's entry
    MESSAGE = "message"  # ✉️ write to the community
    REPORT = "report"  # 📣 report a problem with this house (handlers.reports)
    CALL = "call"  # ☎️ the community's phone
    AGAIN = "again"  # ✉️ under an answer: write again, in a new message
    SEND = "send"
    REWRITE = "rewrite"


@persistable("button.tenant")
@dataclass(frozen=True)
class TenantButton:
    action: TenantAction
    house_id: int = 0
    rev: int = 0


class MessageStep(enum.StrEnum):
    TEXT = "text"
    CONFIRM = "confirm"


@persistable("flow.tenant_message")
@dataclass(kw_only=True)
class TenantMessageFlow(Flow[MessageStep]):
    name: ClassVar[str] = "tenant_message"
    step: MessageStep = MessageStep.TEXT
    house_id: int
    address: str
    text: str = ""

    def write(self, text: str) -> None:
        """The typed message (normalised; InvalidInput when blank or too long)."""
        self.text = clean_text(text)
        self.step = MessageStep.CONFIRM

    def rewrite(self) -> None:
        self.text, self.step = "", MessageStep.TEXT
