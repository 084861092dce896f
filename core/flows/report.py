"""📣 Filing a report, and the typed notes around one (staff notes, a reopen reason, a comment).

Filing: category (→ hazard kind) → description (text or a voice note) → 0–5 photos → where
(a location, the reporter's house, a building from the list, or typed) → anonymous or not →
summary (with similar reports to follow instead) → ✅. A tenant arriving through a house card
files about that house: the "where" step is skipped. Photos are kept as the front end's file
ids until ✅; nothing is stored before.

The buttons of the report's messages live here too: the form's (`ReportButton`), the staff
card's in the staff group (`StaffButton`) and those under the updates a reporter receives
(`ReporterButton`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import ClassVar

from core.flows.base import Flow
from core.models import HazardKind, ReportCategory
from core.serial import persistable
from core.services.reports.filing import clean_place, clean_text
from core.services.reports.handling import clean_note
from core.services.reports.views import MAX_PHOTOS


class ReportAction(enum.StrEnum):
    START = "start"  # 📣 (value: a house id from a card, or a stray photo's file id)
    CATEGORY = "category"  # value: a ReportCategory
    HAZARD = "hazard"  # value: a HazardKind
    PHOTOS_DONE = "photos_done"
    HOUSE = "house"  # the reporter's own house
    BUILDINGS = "buildings"  # pick a building from the list
    BUILDING = "building"  # value: building id
    TYPE_PLACE = "type_place"
    ANONYMOUS = "anonymous"  # value: "1" or "0"
    SUBMIT = "submit"
    FOLLOW = "follow"  # value: the similar report's id
    BACK = "back"


@persistable("button.report")
@dataclass(frozen=True)
class ReportButton:
    action: ReportAction
    value: str = ""
    rev: int = 0


class StaffAction(enum.StrEnum):
    TAKE = "take"
    ASSIGN = "assign"  # show whom to assign to
    ASSIGN_TO = "assign_to"  # value: member id
    UPDATE = "update"
    RESOLVE = "resolve"
    CLOSE = "close"  # show the ways to close
    DUPLICATE = "duplicate"
    REFER = "refer"
    NO_ACTION = "no_action"
    CARD = "card"  # back to the card's own buttons
    VOICE = "voice"  # play the reporter's voice note
    PHOTOS = "photos"  # every photo of the reporter, as an album


@persistable("button.report_staff")
@dataclass(frozen=True)
class StaffButton:
    action: StaffAction
    report_id: int
    value: str = ""


class ReporterAction(enum.StrEnum):
    FIXED = "fixed"
    NOT_FIXED = "not_fixed"
    RATE = "rate"  # value: 1–5
    COMMENT = "comment"
    REOPEN = "reopen"


@persistable("button.report_reporter")
@dataclass(frozen=True)
class ReporterButton:
    action: ReporterAction
    report_id: int
    value: str = ""


class ReportStep(enum.StrEnum):
    CATEGORY = "category"
    HAZARD = "hazard"
    TEXT = "text"
    PHOTOS = "photos"
    PLACE = "place"
    BUILDING = "building"
    PLACE_TEXT = "place_text"
    ANONYMOUS = "anonymous"
    CONFIRM = "confirm"


# Where ⬅️ goes from each step (the hazard step only for hazards, the place only without a
# house card).
_BACK = {
    ReportStep.HAZARD: ReportStep.CATEGORY,
    ReportStep.PHOTOS: ReportStep.TEXT,
    ReportStep.PLACE: ReportStep.PHOTOS,
    ReportStep.BUILDING: ReportStep.PLACE,
    ReportStep.PLACE_TEXT: ReportStep.PLACE,
    ReportStep.CONFIRM: ReportStep.ANONYMOUS,
}
_NUMBER = {
    ReportStep.CATEGORY: 1,
    ReportStep.HAZARD: 1,
    ReportStep.TEXT: 2,
    ReportStep.PHOTOS: 3,
    ReportStep.PLACE: 4,
    ReportStep.BUILDING: 4,
    ReportStep.PLACE_TEXT: 4,
}


@persistable("flow.report")
@dataclass(kw_only=True)
class ReportFlow(Flow[ReportStep]):
    name: ClassVar[str] = "report"
    step: ReportStep = ReportStep.CATEGORY
    category: ReportCategory | None = None
    hazard: HazardKind | None = None
    text: str = ""
    audio_file_id: str | None = None
    photos: list[str] = field(default_factory=list)  # the front end's file ids
    latitude: float | None = None
    longitude: float | None = None
    house_id: int | None = None
    building_id: int | None = None
    place_text: str = ""
    place_label: str = ""  # what the summary shows for "where"
    anonymous: bool = False
    house_locked: bool = False  # filed from a house card: the place is that house

    @property
    def position(self) -> tuple[int, int]:
        """(this step's number, how many steps) for "Step 2 of 6"."""
        total = 5 if self.house_locked else 6
        if self.step is ReportStep.ANONYMOUS:
            return total - 1, total
        if self.step is ReportStep.CONFIRM:
            return total, total
        return _NUMBER[self.step], total

    def back(self) -> bool:
        if self.step is ReportStep.CATEGORY:
            return False
        if self.step is ReportStep.TEXT:
            hazard = self.category is ReportCategory.HAZARD
            self.step = ReportStep.HAZARD if hazard else ReportStep.CATEGORY
        elif self.step is ReportStep.ANONYMOUS:
            self.step = ReportStep.PHOTOS if self.house_locked else ReportStep.PLACE
        else:
            self.step = _BACK[self.step]
        return True

    def choose_category(self, category: ReportCategory) -> None:
        self.category = category
        if category is ReportCategory.HAZARD:
            self.step = ReportStep.HAZARD
        else:
            self.hazard, self.step = None, ReportStep.TEXT

    def choose_hazard(self, hazard: HazardKind) -> None:
        self.hazard, self.step = hazard, ReportStep.TEXT

    def describe(self, text: str) -> None:
        """The typed description (normalised; InvalidInput when blank or too long)."""
        self.text, self.audio_file_id = clean_text(text), None
        self.step = ReportStep.PHOTOS

    def describe_by_voice(self, file_id: str) -> None:
        self.text, self.audio_file_id = "", file_id
        self.step = ReportStep.PHOTOS

    def add_photo(self, file_id: str) -> bool:
        """Keep a photo; False when there are already MAX_PHOTOS."""
        if len(self.photos) >= MAX_PHOTOS:
            return False
        self.photos.append(file_id)
        return True

    def photos_done(self) -> None:
        self.step = ReportStep.ANONYMOUS if self.house_locked else ReportStep.PLACE

    def _placed(self, label: str) -> None:
        self.place_label, self.step = label, ReportStep.ANONYMOUS

    def at_location(self, latitude: float, longitude: float) -> None:
        self.latitude, self.longitude = latitude, longitude
        self.house_id = self.building_id = None
        self.place_text = ""
        self._placed(f"{latitude:.5f}, {longitude:.5f}")

    def at_house(self, house_id: int, label: str) -> None:
        self.house_id, self.building_id, self.place_text = house_id, None, ""
        self.latitude = self.longitude = None
        self._placed(label)

    def ask_building(self) -> None:
        self.step = ReportStep.BUILDING

    def at_building(self, building_id: int, label: str) -> None:
        self.building_id, self.house_id, self.place_text = building_id, None, ""
        self.latitude = self.longitude = None
        self._placed(label)

    def ask_place_text(self) -> None:
        self.step = ReportStep.PLACE_TEXT

    def type_place(self, text: str) -> None:
        """A typed place (normalised; InvalidInput when blank or too long)."""
        self.place_text = clean_place(text)
        self.house_id = self.building_id = None
        self.latitude = self.longitude = None
        self._placed(self.place_text)

    def choose_anonymous(self, anonymous: bool) -> None:
        self.anonymous, self.step = anonymous, ReportStep.CONFIRM


class NotePurpose(enum.StrEnum):
    """What a typed note is for: a staff step on a report, or the reporter's words."""

    UPDATE = "update"
    RESOLVE = "resolve"
    DUPLICATE = "duplicate"  # the note is the number of the original report
    REFER = "refer"  # the note is the body it was referred to
    NO_ACTION = "no_action"
    REOPEN = "reopen"
    COMMENT = "comment"


STAFF_PURPOSES = frozenset(
    {
        NotePurpose.UPDATE,
        NotePurpose.RESOLVE,
        NotePurpose.DUPLICATE,
        NotePurpose.REFER,
        NotePurpose.NO_ACTION,
    }
)


class NoteStep(enum.StrEnum):
    NOTE = "note"


@persistable("flow.report_note")
@dataclass(kw_only=True)
class ReportNoteFlow(Flow[NoteStep]):
    """A note typed as the next message in the chat of its prompt (`chat_id`)."""

    name: ClassVar[str] = "report_note"
    step: NoteStep = NoteStep.NOTE
    report_id: int
    purpose: NotePurpose
    # The staff card to refresh afterwards (its chat and message, whether it is a photo).
    card_chat_id: int | None = None
    card_message_id: int | None = None
    card_is_photo: bool = False
    photo_file_id: str | None = None
    note: str = ""

    def write(self, text: str, photo_file_id: str | None = None) -> None:
        """The note (normalised; InvalidInput when blank or too long)."""
        self.note = clean_note(text)
        self.photo_file_id = photo_file_id
