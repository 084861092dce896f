"""Which rules a passage's faces and plate take: watchlist hits and stranger hits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.models import AlertKind, AlertRule, MatchBand, WatchlistEntry, WatchlistKind
from core.services.alerts.scope import rule_takes
from core.sightings import Observation, PlateMatcher

# The list kind each watchlist rule matches against, and how urgent its alerts are (0 first).
LIST_OF_RULE: dict[AlertKind, WatchlistKind] = {
    AlertKind.MISSING_PERSON: WatchlistKind.MISSING,
    AlertKind.PERSON_OF_INTEREST: WatchlistKind.PERSONS_OF_INTEREST,
    AlertKind.WATCHED_VEHICLE: WatchlistKind.VEHICLES,
    AlertKind.CARE: WatchlistKind.CARE,
}
PRIORITY = {
    kind: rank
    for rank, kind in enumerate([*LIST_OF_RULE, AlertKind.TAILGATING, AlertKind.STRANGER])
}
HitKey = tuple[int, str, bool]


@dataclass(frozen=True)
class Hit:
    rule: AlertRule
    entry: WatchlistEntry | None  # None: a stranger
    subject: str
    verify: bool
    band: MatchBand | None
    score: float | None
    plate_read: str | None = None
    sightings: int = 1


def watch_hits(
    rules: Sequence[AlertRule],
    entries: Sequence[tuple[WatchlistEntry, WatchlistKind]],
    observation: Observation,
    persons: dict[int, int],
    match_plate: PlateMatcher,
) -> dict[HitKey, Hit]:
    """Each rule's hit per person or plate; a person is named once per rule."""
    hits: dict[HitKey, Hit] = {}
    for face in observation.faces:
        person_id = persons.get(face.template_id) if face.template_id else None
        if person_id is None or face.band is MatchBand.NO_MATCH:
            continue
        verify = face.band is MatchBand.POSSIBLE
        for entry, kind in entries:
            if entry.person_id != person_id:
                continue
            for rule in rules:
                if not rule_takes(rule, entry, kind, LIST_OF_RULE) or (
                    verify and rule.params.get("min_band") == "match"
                ):
                    continue
                hit = Hit(rule, entry, f"p{person_id}", verify, face.band, face.score)
                hits.setdefault((rule.id, hit.subject, verify), hit)
    plate = observation.plate
    if plate is not None and plate.text:
        watched = [(e, k) for e, k in entries if e.plate]
        found = match_plate(plate.text, [e.plate for e, _ in watched if e.plate])
        for entry, kind in watched:
            if found is None or entry.plate != found.watched:
                continue
            for rule in rules:
                if rule_takes(rule, entry, kind, LIST_OF_RULE):
                    read = plate.text if plate.text != entry.plate else None
                    hit = Hit(
                        rule, entry, f"v{entry.plate}", False, None, float(found.distance), read
                    )
                    hits.setdefault((rule.id, hit.subject, False), hit)
    # A person is named once: a confident face beats a look-alike of the same person.
    for rule_id, subject, verify in list(hits):
        if verify and (rule_id, subject, False) in hits:
            del hits[(rule_id, subject, verify)]
    return hits
