"""📷 Registering a camera: kind → name → grid → defence layer → id → confirm → token once.

The typed name and id are checked as the service checks them; nothing is written before ✅.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from core.flows.base import Flow
from core.models import CameraKind
from core.serial import persistable
from core.services.cameras import clean_camera_id, clean_camera_name


class CameraFlowAction(enum.StrEnum):
    KIND = "kind"
    GRID = "grid"
    LAYER = "layer"
    GENERATE = "generate"  # no typed id: the service makes one
    SAVE = "save"
    BACK = "back"


@persistable("button.admin_camera_add")
@dataclass(frozen=True)
class CameraFlowButton:
    action: CameraFlowAction
    value: str = ""  # KIND: a CameraKind; GRID: a grid code ("" none); LAYER: "1"…"4"
    rev: int = 0


class CameraStep(enum.StrEnum):
    KIND = "kind"
    NAME = "name"
    GRID = "grid"
    LAYER = "layer"
    ID = "id"
    CONFIRM = "confirm"


@persistable("flow.camera_add")
@dataclass(kw_only=True)
class AddCameraFlow(Flow[CameraStep]):
    name: ClassVar[str] = "camera_add"
    step: CameraStep = CameraStep.KIND
    kind: CameraKind | None = None
    camera_name: str = ""
    grid: str = ""  # a grid code; "" none
    layer: int = 1
    camera_id: str = ""  # "" generated when saved

    def pick_kind(self, kind: CameraKind) -> None:
        self.kind, self.step = CameraKind(kind), CameraStep.NAME

    def give_name(self, text: str) -> None:
        """The typed name (InvalidInput when blank or too long)."""
        self.camera_name, self.step = clean_camera_name(text), CameraStep.GRID

    def pick_grid(self, code: str) -> None:
        self.grid, self.step = code, CameraStep.LAYER

    def pick_layer(self, layer: int) -> None:
        if not 1 <= layer <= 4:
            raise ValueError(layer)
        self.layer, self.step = layer, CameraStep.ID

    def give_id(self, text: str | None) -> None:
        """The typed id (InvalidInput when it is not one), or None to have one made."""
        self.camera_id = clean_camera_id(text) if text is not None else ""
        self.step = CameraStep.CONFIRM
