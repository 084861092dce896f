"""Step 4 of the visit: the photos it asks for, in slots (whose photo of what), and the faces.

A mixin of `VisitFlow` (which holds the fields it declares), so the flow stays one object
persisted by the codec while its step-4 transitions live here. A resident who stays may give a
fresh face photo (on their `Check`): optional, so it is taken only when its item is pressed.
"""

from __future__ import annotations

from core.flows.visit.state import (
    Ask,
    AskKind,
    Check,
    FaceDraft,
    NewResidentDraft,
    ResidentRow,
    Slot,
)
from core.models import PersonKind, PhotoKind
from core.services.visits import ResidentAction


class VisitPhotos:
    """The photographs of a visit: new residents' documents and faces, fresh faces of those
    who stay, the house's card."""

    residents: list[ResidentRow]
    checks: dict[str, Check]
    new: list[NewResidentDraft]
    house_photos: dict[str, str]
    ask: Ask | None

    def staying(self) -> list[ResidentRow]:
        """The residents checked as still living here: each may have a fresh face photo."""
        return [
            r
            for r in self.residents
            if (check := self.checks.get(str(r.rid))) is not None
            and check.action is not ResidentAction.MOVED_OUT
        ]

    def photo_slots(self) -> list[Slot]:
        """The photos this visit asks for: per new resident, a fresh face of each resident who
        stays (optional: a yearly visit refreshes the gate's picture), the house's card."""
        slots: list[Slot] = []
        for index, resident in enumerate(self.new):
            slots += [Slot(index, PhotoKind.FACE), Slot(index, PhotoKind.ID_FRONT)]
            slots.append(Slot(index, PhotoKind.ID_BACK))
            if resident.kind is not PersonKind.REGISTERED:
                slots.append(Slot(index, PhotoKind.RESIDENCE_PERMIT))
            slots.append(Slot(index, PhotoKind.GUARANTEE_LETTER))
        slots += [Slot(None, PhotoKind.FACE, r.rid) for r in self.staying()]
        slots.append(Slot(None, PhotoKind.CONTACT_CARD))
        return slots

    def slot_file(self, index: int | None, kind: PhotoKind, rid: int = 0) -> str | None:
        if rid:
            face = self._fresh_face(rid)
            return face.file_id if face else None
        if index is None:
            return self.house_photos.get(kind.value)
        resident = self.new[index]
        if kind is PhotoKind.FACE:
            return resident.face.file_id if resident.face else None
        return resident.photos.get(kind.value)

    def next_empty_slot(self) -> Slot | None:
        """Where a photo sent without pressing an item goes; never a staying resident's face
        (optional: only taken when its item is pressed)."""
        empty = (s for s in self.photo_slots() if not s.rid and self.slot_file(*s) is None)
        return next(empty, None)

    def ask_photo(self, index: int | None, kind: PhotoKind, rid: int = 0) -> bool:
        """The next photo goes into this slot; False when the visit asks for no such photo."""
        if Slot(index, kind, rid) not in self.photo_slots():
            return False
        self.ask = Ask(AskKind.PHOTO, index=index, photo=kind, rid=rid)
        return True

    def set_photo(self, index: int | None, kind: PhotoKind, file_id: str) -> None:
        """A document photo taken (a face goes through `accept_face`)."""
        if index is None:
            self.house_photos[kind.value] = file_id
        else:
            self.new[index].photos[kind.value] = file_id
        self.ask = None

    def accept_face(self, index: int | None, face: FaceDraft, rid: int = 0) -> None:
        """A checked face: a new resident's (`index`) or a staying resident's (`rid`)."""
        check = self.checks.get(str(rid)) if rid else None
        if check is not None:
            check.face = face
        elif index is not None:
            self.new[index].face = face
        self.ask = None

    def drop_face(self, rid: int) -> bool:
        """Forget the fresh face photo of a resident who stays (taken by mistake)."""
        check = self.checks.get(str(rid))
        if check is None or check.face is None:
            return False
        check.face, self.ask = None, None
        return True

    def ask_lookalike(
        self, index: int | None, face: FaceDraft, person_id: int, name: str, rid: int = 0
    ) -> None:
        self.ask = Ask(
            AskKind.LOOKALIKE,
            index=index,
            rid=rid,
            face=face,
            person_id=person_id,
            person_name=name,
        )

    def decide_lookalike(self, same: bool | None) -> str | None:
        """The cadre's decision on a look-alike: the same person (linked), somebody else, or
        None: take the photo again. Returns the linked person's name when linked.

        A resident who stays is already somebody: "the same person" as another record would be
        a merge the visit cannot make, so for them it is keep (False) or take again."""
        ask = self.ask
        if ask is None or ask.kind is not AskKind.LOOKALIKE:
            return None
        index, rid, face = ask.index, ask.rid, ask.face
        if index is None and not rid:
            return None
        if same is None or face is None or (rid and same):
            self.ask = Ask(AskKind.PHOTO, index=index, photo=PhotoKind.FACE, rid=rid)
            return None
        if same and index is not None:
            self.new[index].link(ask.person_id, ask.person_name)
        self.accept_face(index, face, rid)
        return ask.person_name if same else None

    def _fresh_face(self, rid: int) -> FaceDraft | None:
        """A face photo taken of the resident in this visit: kept while they still live here."""
        check = self.checks.get(str(rid))
        return check.face if check is not None else None

    def forget_file(self, file_id: str) -> list[Slot]:
        """Empty every photo slot holding `file_id` (it can no longer be fetched): the slots
        to take again."""
        emptied: list[Slot] = []
        for slot in self.photo_slots():
            if self.slot_file(*slot) != file_id:
                continue
            emptied.append(slot)
            index, kind, rid = slot
            if rid:
                self.checks[str(rid)].face = None
            elif index is None:
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
        found.update(c.face.file_id for c in self.checks.values() if c.face)
        return found
