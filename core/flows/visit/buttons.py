"""What a visit button asks for: one frozen dataclass, its `action` an Enum."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.serial import persistable


class VisitAction(enum.StrEnum):
    # of no screen (rev 0): the cadre's house list, the offer to resume
    HOUSES_PAGE = "houses_page"  # index: the page
    HOUSE = "house"  # value: the house code
    RESUME = "resume"
    RESTART = "restart"
    RESTART_AT = "restart_at"  # kind: "token" | "code", value: it
    # step 2
    CHECK = "check"  # rid, value: stays | moved_out | correct
    ALL_STAY = "all_stay"
    UNCHANGED = "unchanged"  # the quick visit: all still live here, nothing else changed
    MOVED_ON = "moved_on"  # rid, index: days ago
    DETAIL = "detail"  # rid, value: the Detail to correct
    KIND_SET = "kind_set"  # rid, value: PersonKind
    ASK_BACK = "ask_back"
    # step 3
    ADD = "add"
    REMOVE = "remove"  # index
    NEW_BACK = "new_back"
    NEW_DISCARD = "new_discard"
    NEW_KIND = "new_kind"  # value: PersonKind
    NEW_ROLE = "new_role"  # value: ResidencyRole
    NEW_TODAY = "new_today"
    NEW_SKIP = "new_skip"
    ID_USE = "id_use"
    ID_TYPE = "id_type"
    # step 4
    SLOT = "slot"  # index (a new resident's) or rid (a staying one's), value: PhotoKind
    SLOT_BACK = "slot_back"
    FACE_DROP = "face_drop"  # rid: forget the fresh face photo of a staying resident
    LOOKALIKE = "lookalike"  # value: same | other | retake
    # moving, step 5
    NEXT = "next"
    BACK = "back"
    TO_HOUSE = "to_house"
    REVIEW = "review"
    CONFIRM = "confirm"


@persistable("button.visit")
@dataclass(frozen=True)
class VisitButton:
    action: VisitAction
    rid: int = 0
    index: int | None = None
    value: str = ""
    kind: str = ""
    rev: int = 0
