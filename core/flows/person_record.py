"""👤 A person's record (police, admins): type a search → pick → the record; the full ID
number or a picture only after a typed reason."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

from core.flows.base import Flow
from core.serial import persistable
from core.services.privacy.records import stated_reason


class PersonAction(enum.StrEnum):
    OPEN = "open"  # a search result
    REVEAL_ID = "reveal_id"
    REVEAL_PICTURE = "reveal_picture"
    SEARCH = "search"  # a new search
    BACK = "back"


@persistable("button.person")
@dataclass(frozen=True)
class PersonButton:
    action: PersonAction
    person_id: int = 0
    rev: int = 0


class PersonStep(enum.StrEnum):
    QUERY = "query"
    RESULTS = "results"
    RECORD = "record"
    REASON = "reason"


class Reveal(enum.StrEnum):
    ID_NUMBER = "id_number"
    PICTURE = "picture"


@persistable("flow.person_record")
@dataclass(kw_only=True)
class PersonRecordFlow(Flow[PersonStep]):
    name: ClassVar[str] = "person_record"
    step: PersonStep = PersonStep.QUERY
    results: list[int] | None = None  # the person ids the last search found
    person_id: int = 0
    reveal: Reveal | None = None

    def found(self, person_ids: list[int]) -> None:
        """A search's results: one opens the record, several are listed, none asks again."""
        self.results = person_ids
        if len(person_ids) == 1:
            self.open(person_ids[0])
        elif person_ids:
            self.step = PersonStep.RESULTS

    def open(self, person_id: int) -> None:
        self.person_id, self.reveal, self.step = person_id, None, PersonStep.RECORD

    def ask_reason(self, reveal: Reveal) -> None:
        self.reveal, self.step = reveal, PersonStep.REASON

    def give_reason(self, text: str) -> tuple[Reveal, str]:
        """The typed reason (InvalidInput when blank or too long); back to the record."""
        reason = stated_reason(text)
        assert self.reveal is not None
        reveal, self.reveal, self.step = self.reveal, None, PersonStep.RECORD
        return reveal, reason

    def new_search(self) -> None:
        self.results, self.person_id, self.reveal = None, 0, None
        self.step = PersonStep.QUERY

    def back(self) -> bool:
        """Reason → record → results (when there were several) → query; False at the query."""
        if self.step is PersonStep.REASON:
            self.reveal, self.step = None, PersonStep.RECORD
        elif self.step is PersonStep.RECORD and self.results and len(self.results) > 1:
            self.step = PersonStep.RESULTS
        elif self.step in (PersonStep.RECORD, PersonStep.RESULTS):
            self.new_search()
        else:
            return False
        return True
