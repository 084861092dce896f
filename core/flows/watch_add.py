"""📋 ➕ Adding a watchlist entry: the subject (a face photo and a name, or a plate) → the reason
→ the authority → the expiry → confirm. Nothing is written before ✅.

A person's face is checked by the recognition core's quality gate as the photo arrives; the
flow keeps the photo's Telegram file id and the embedding sealed (biometric data in the
persisted draft is encrypted, as in the visit flow).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from core.flows.base import Flow
from core.models import WatchlistKind
from core.serial import persistable
from core.services.watchlists import clean_authority, clean_plate, clean_reason
from core.text import clean_name

EXPIRY_CHOICES = (0, 30, 90, 180)  # days; 0: the list's default


class WatchFlowAction(enum.StrEnum):
    START = "start"  # ➕ under a list (no screen): the form begins
    EXPIRY = "expiry"
    SAVE = "save"
    BACK = "back"


@persistable("button.watch_add")
@dataclass(frozen=True)
class WatchFlowButton:
    action: WatchFlowAction
    list_id: int = 0  # START: the list
    value: int = 0  # EXPIRY: days (0 the default)
    rev: int = 0


class WatchStep(enum.StrEnum):
    SUBJECT = "subject"  # a face photo, or a typed plate
    NAME = "name"  # persons only
    REASON = "reason"
    AUTHORITY = "authority"
    EXPIRY = "expiry"
    CONFIRM = "confirm"


@persistable("flow.watch_add")
@dataclass(kw_only=True)
class AddWatchFlow(Flow[WatchStep]):
    name: ClassVar[str] = "watch_add"
    step: WatchStep = WatchStep.SUBJECT
    list_id: int = 0
    list_kind: WatchlistKind = WatchlistKind.VEHICLES
    plate: str = ""
    photo_file_id: str = ""
    embedding: str = ""  # sealed base64 float32
    backend: str = ""
    dims: int = 0
    quality: float = 0.0
    person_name: str = ""
    reason: str = ""
    authority: str = ""
    days: int = 0

    @property
    def is_plate(self) -> bool:
        return self.list_kind is WatchlistKind.VEHICLES

    def steps(self) -> list[WatchStep]:
        """The steps of this form (a plate has no name step)."""
        return [s for s in WatchStep if not (self.is_plate and s is WatchStep.NAME)]

    def give_plate(self, text: str) -> None:
        """The typed plate (InvalidInput when it is not one)."""
        self.plate, self.step = clean_plate(text), WatchStep.REASON

    def give_face(
        self, file_id: str, sealed: str, *, backend: str, dims: int, quality: float
    ) -> None:
        """A photo that passed the quality gate."""
        self.photo_file_id, self.embedding = file_id, sealed
        self.backend, self.dims, self.quality = backend, dims, quality
        self.step = WatchStep.NAME

    def give_name(self, text: str) -> None:
        self.person_name, self.step = clean_name(text), WatchStep.REASON

    def give_reason(self, text: str) -> None:
        self.reason, self.step = clean_reason(text), WatchStep.AUTHORITY

    def give_authority(self, text: str) -> None:
        self.authority, self.step = clean_authority(text), WatchStep.EXPIRY

    def pick_expiry(self, days: int) -> None:
        if days not in EXPIRY_CHOICES:
            raise ValueError(days)
        self.days, self.step = days, WatchStep.CONFIRM

    def back(self) -> bool:
        steps = self.steps()
        index = steps.index(self.step)
        if index == 0:
            return False
        self.step = steps[index - 1]
        return True
