"""📋 📷 One more face photo of a watched person: the flow waits for the photo; one that
passes the quality gate is added at once (`WatchlistService.add_photo`), one that does not is
asked for again. Only the entry is kept: no name or picture sits in the persisted draft.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from core.flows.base import Flow
from core.serial import persistable


class WatchPhotoAction(enum.StrEnum):
    START = "start"  # 📷 on an entry (no screen): the flow begins
    BACK = "back"  # to the entry


@persistable("button.watch_photo")
@dataclass(frozen=True)
class WatchPhotoButton:
    action: WatchPhotoAction
    entry_id: int = 0  # START: the entry
    rev: int = 0


class WatchPhotoStep(enum.StrEnum):
    PHOTO = "photo"


@persistable("flow.watch_photo")
@dataclass(kw_only=True)
class WatchPhotoFlow(Flow[WatchPhotoStep]):
    name: ClassVar[str] = "watch_photo"
    step: WatchPhotoStep = WatchPhotoStep.PHOTO
    entry_id: int = 0
