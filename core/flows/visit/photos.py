"""Step 4 of the visit: the photos it asks for, in slots (whose photo of what), and the faces.

A mixin of `VisitFlow` (which holds the fields it declares), so the flow stays one object
persisted by the codec while its step-4 transitions live here.
"""

from __future__ import annotations

from core.flows.visit.state import (
    Ask,
    AskKind,
    FaceDraft,
    NewResidentDraft,
    Slot,
)
from core.models import PersonKind, PhotoKind


class VisitPhotos:
    """The photographs of a visit: new residents' documents and faces, the house's card."""

    new: list[NewResidentDraft]
    house_photos: dict[str, str]
    ask: Ask | None

    def photo_slots(self) -> list[Slot]:
        """The photos this visit asks for: per new resident, then the house's contact card."""
        slots: list[Slot] = []
        for index, resident in enumerate(self.new):
            slots += [(index, PhotoKind.FACE), (index, PhotoKind.ID_FRONT)]
            slots.append((index, PhotoKind.ID_BACK))
            if resident.kind is not PersonKind.REGISTERED:
                slots.append((index, PhotoKind.RESIDENCE_PERMIT))
            slots.append((index, PhotoKind.GUARANTEE_LETTER))
        slots.append((None, PhotoKind.CONTACT_CARD))
        return slots

    def slot_file(self, index: int | None, kind: PhotoKind) -> str | None:
        if index is None:
            return self.house_photos.get(kind.value)
        resident = self.new[index]
        if kind is PhotoKind.FACE:
            return resident.face.file_id if resident.face else None
        return resident.photos.get(kind.value)

    def next_empty_slot(self) -> Slot | None:
        return next(((i, k) for i, k in self.photo_slots() if self.slot_file(i, k) is None), None)

    def ask_photo(self, index: int | None, kind: PhotoKind) -> bool:
        """The next photo goes into this slot; False when the visit asks for no such photo."""
        if (index, kind) not in self.photo_slots():
            return False
        self.ask = Ask(AskKind.PHOTO, index=index, photo=kind)
        return True

    def set_photo(self, index: int | None, kind: PhotoKind, file_id: str) -> None:
        """A document photo taken (a face goes through `accept_face`)."""
        if index is None:
            self.house_photos[kind.value] = file_id
        else:
            self.new[index].photos[kind.value] = file_id
        self.ask = None

    def accept_face(self, index: int, face: FaceDraft) -> None:
        self.new[index].face = face
        self.ask = None

    def ask_lookalike(self, index: int, face: FaceDraft, person_id: int, name: str) -> None:
        self.ask = Ask(
            AskKind.LOOKALIKE, index=index, face=face, person_id=person_id, person_name=name
        )

    def decide_lookalike(self, same: bool | None) -> str | None:
        """The cadre's decision on a look-alike: the same person (linked), somebody else, or
        None: take the photo again. Returns the linked person's name when linked."""
        ask = self.ask
        if ask is None or ask.kind is not AskKind.LOOKALIKE or ask.index is None:
            return None
        index, face = ask.index, ask.face
        if same is None or face is None:
            self.ask = Ask(AskKind.PHOTO, index=index, photo=PhotoKind.FACE)
            return None
        if same:
            self.new[index].link(ask.person_id, ask.person_name)
        self.accept_face(index, face)
        return ask.person_name if same else None

    def forget_file(self, file_id: str) -> list[Slot]:
        """Empty every photo slot holding `file_id` (it can no longer be fetched): the slots
        to take again."""
        emptied: list[Slot] = []
        for index, kind in self.photo_slots():
            if self.slot_file(index, kind) != file_id:
                continue
            emptied.append((index, kind))
            if index is None:
                del self.house_photos[kind.value]
            elif kind is PhotoKind.FACE:
                self.new[index].face = None
            else:
                del self.new[index].photos[kind.value]
        return emptied

    def file_ids(self) -> set[str]:
        found = set(self.house_photos.values())
        for resident in self.new:
            found.update(resident.photos.values())
            if resident.face:
                found.add(resident.face.file_id)
        return found
