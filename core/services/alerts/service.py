"""Alert rules and alerts: what a passage raises, cool-down folding, the guards' verdicts.

Rules of kind *appears* (persons of interest, people needing care, watched vehicles) and
*missing person* match a passage's faces and plate against the live entries of their lists.
One person (or plate) at one camera makes one alert per rule while the rule's cool-down runs:
later sightings are folded into it (count and last time) and its messages are edited. A face
in the possible band raises only a "please verify" alert, never a confirmed one; a guard's
"not this person" on one keeps that look-alike quiet at that camera for a while (`verdicts`).

Alerts are told through the one notification path (`kind="alert"`, one delivery per guard
group) in the same transaction as the passage; a change (a sighting, a guard's press) is told
as an edit of every message already sent (`kind="alert.edit"`, `Notice.edit_of`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select

from core.channels.severity import alert_facts, alert_severity
from core.errors import DomainError, NotFound
from core.models import (
    Alert,
    AlertKind,
    AlertRule,
    AlertStatus,
    Camera,
    Delivery,
    DeliveryStatus,
    GroupChat,
    Passage,
    Watchlist,
    WatchlistEntry,
    WatchlistKind,
)
from core.notify import Audience, Notice
from core.roles import Actor, Permission
from core.services.alerts import absence, digest, look_alikes, strangers, tailgating, verdicts
from core.services.alerts.matching import LIST_OF_RULE, PRIORITY, Hit, watch_hits
from core.services.alerts.scope import in_scope
from core.services.alerts.views import AlertView, build
from core.services.base import Service
from core.services.outbox import TELEGRAM
from core.sightings import Observation, PlateMatcher

ALERT_KIND, EDIT_KIND = "alert", "alert.edit"
# A fresh install's rules: appears for each built-in list, missing persons everywhere, and
# strangers at building and unit doors (layer 3) at night, seen 3 times within 10 minutes.
NIGHT = {"days": "mon-sun", "start": "22:00", "end": "06:00"}
DEFAULT_RULES: tuple[tuple[AlertKind, int, dict[str, Any]], ...] = (
    (AlertKind.MISSING_PERSON, 300, {}),
    (AlertKind.PERSON_OF_INTEREST, 600, {}),
    (AlertKind.WATCHED_VEHICLE, 300, {}),
    (AlertKind.CARE, 1800, {}),
    (AlertKind.STRANGER, 1800, {"layers": [3], "count": 3, "minutes": 10, "windows": [NIGHT]}),
)
RULE_KINDS = frozenset([*LIST_OF_RULE, AlertKind.STRANGER, AlertKind.TAILGATING])
ACTIONS = {
    "ack": AlertStatus.TAKEN,
    "false": AlertStatus.FALSE_ALARM,
    "dispatch": AlertStatus.DISPATCHED,
}
# A guard's verdict on a "please verify" alert: (same person?, the alert's new status).
VERDICTS = {"same": (True, AlertStatus.TAKEN), "not": (False, AlertStatus.FALSE_ALARM)}
MAX_NOTE = 500


class AlertTaken(DomainError):
    """Another guard has already taken this alert."""

    code = "alert_taken"


class NotVerifiable(DomainError):
    """A verdict (same person / not this person) only goes on a "please verify" alert."""

    code = "alert_not_verifiable"


class AlertService(Service):
    async def ensure_default_rules(self) -> int:
        """Add the default rule of each built-in list kind that has no rule yet; how many."""
        have = set(await self.session.scalars(select(AlertRule.kind).distinct()))
        added = 0
        for kind, cooldown, params in DEFAULT_RULES:
            if kind in have:
                continue
            self.session.add(
                AlertRule(
                    kind=kind,
                    enabled=True,
                    params={"default": True, **params},
                    cooldown_seconds=cooldown,
                )
            )
            added += 1
        await self.session.flush()
        return added

    async def evaluate(
        self,
        camera: Camera,
        passage: Passage,
        observation: Observation,
        persons: dict[int, int],
        match_plate: PlateMatcher,
        *,
        snapshot_id: int | None,
        best_views: frozenset[str] = frozenset(),
    ) -> list[Alert]:
        """Raise or fold the alerts the rules say for this passage (caller's transaction).

        `best_views`: the subjects (``p<person id>``) this frame shows better than the
        passage's earlier frames; their alerts take this frame's snapshot.
        """
        zone = self.context.zone
        rules = [r for r in await self._rules() if in_scope(r, camera, passage.seen_at, zone)]
        if not rules:
            return []
        entries = await self._live_entries()
        hits = watch_hits(rules, entries, observation, persons, match_plate)
        hits.update(
            await strangers.hits(
                self.session, self.context.zone, rules, camera, passage, observation
            )
        )
        hits.update(
            await tailgating.check(
                self.session, rules, camera, passage, observation, persons, self.now()
            )
        )
        ordered = sorted(hits.values(), key=lambda h: PRIORITY.get(h.rule.kind, 99))
        raised = []
        for hit in ordered:
            if hit.verify and await look_alikes.quieted(self, camera, passage, hit):
                continue
            # (a "please verify" alert keeps its picture: the enrolled photo is beside it)
            better = hit.subject in best_views and not hit.verify
            raised.append(await self._raise(camera, passage, hit, snapshot_id, better))
        return raised

    async def act(self, actor: Actor, alert_id: int, action: str) -> AlertView:
        """A guard's ✅ / ❌ / 🚓 or verdict: the alert is theirs, every message is edited."""
        actor.require(Permission.HANDLE_ALERTS)
        same, status = VERDICTS[action] if action in VERDICTS else (None, ACTIONS[action])
        alert = await self._get(alert_id)
        if alert.status is not AlertStatus.OPEN:
            raise AlertTaken("alert", id=alert_id)
        now = self.now()
        if same is not None:
            if not alert.verify or alert.person_id is None:
                raise NotVerifiable("alert", id=alert_id)
            quiet = now + self.context.alerts.rejection_quiet
            verdicts.record(
                self.session,
                alert,
                same=same,
                member_id=actor.member_id,
                at=now,
                quiet_until=quiet,
            )
            await self.uow.audit.record(
                actor,
                "verdict",
                "watchlist_entry",
                alert.entry_id,
                alert_id=alert.id,
                same=same,
                quiet_until=None if same else quiet.isoformat(),
            )
        alert.status, alert.taken_by_id, alert.taken_at = status, actor.member_id, now
        await self.uow.audit.record(actor, action, "alert", alert.id, status=status.value)
        await self.tell_change(alert)
        return await self.view(alert)

    async def add_note(self, actor: Actor, alert_id: int, note: str) -> AlertView:
        """The dispatching guard's note (what was done), shown on every message of it."""
        actor.require(Permission.HANDLE_ALERTS)
        alert = await self._get(alert_id)
        alert.note = " ".join(note.split())[:MAX_NOTE]
        await self.uow.audit.record(actor, "note", "alert", alert.id)
        await self.tell_change(alert)
        return await self.view(alert)

    async def open_alerts(
        self, actor: Actor, *, offset: int = 0, limit: int = 5
    ) -> tuple[list[AlertView], int]:
        """Open alerts, newest first (a page of them), and how many there are."""
        actor.require(Permission.HANDLE_ALERTS)
        where = Alert.status == AlertStatus.OPEN
        total = await self.session.scalar(select(func.count(Alert.id)).where(where)) or 0
        rows = await self.session.scalars(
            select(Alert).where(where).order_by(Alert.id.desc()).offset(offset).limit(limit)
        )
        return [await self.view(a) for a in rows], int(total)

    async def get(self, actor: Actor, alert_id: int) -> AlertView:
        actor.require(Permission.HANDLE_ALERTS)
        return await self.view(await self._get(alert_id))

    async def fold_saturated(self, per_minute: int) -> int:
        """Fold lower-severity alerts of saturated guard groups into digests (see `digest`)."""
        return await digest.fold(self, per_minute)

    async def check_absences(self) -> list[Alert]:
        """The daily long-absence check (see `absence`)."""
        return await absence.check(self)

    async def view(self, alert: Alert) -> AlertView:
        return await build(self.session, alert)

    # --- internals ------------------------------------------------------------------------

    async def _raise(
        self,
        camera: Camera,
        passage: Passage,
        hit: Hit,
        snapshot_id: int | None,
        better: bool = False,
    ) -> Alert:
        base = f"{hit.rule.id}:{hit.subject}:{camera.id}"
        key = base + (":verify" if hit.verify else "")
        known = await look_alikes.of_passage(self, camera, passage, base, hit, better, snapshot_id)
        if known is not None:
            return known
        recent = await self.session.scalar(
            select(Alert).where(Alert.dedup_key == key).order_by(Alert.id.desc()).limit(1)
        )
        window = timedelta(seconds=hit.rule.cooldown_seconds)
        if recent is not None:
            last = recent.last_seen_at or recent.created_at
            # (no cool-down: every passage its own alert, even one captured a moment earlier)
            if window > timedelta(0) and passage.seen_at - last <= window:
                recent.sightings += 1
                recent.last_seen_at = max(last, passage.seen_at)
                look_alikes.remember(passage, key, recent.id)
                await self.audit_match(camera, passage, hit, recent)
                await self.tell_change(recent)
                return recent
        alert = Alert(
            kind=hit.rule.kind,
            rule_id=hit.rule.id,
            camera_id=camera.id,
            passage_id=passage.id,
            person_id=hit.entry.person_id if hit.entry else None,
            plate=hit.plate_read or (hit.entry.plate if hit.entry else None),
            score=hit.score,
            band=hit.band,
            snapshot_id=snapshot_id,
            status=AlertStatus.OPEN,
            dedup_key=key,
            created_at=passage.seen_at,
            last_seen_at=passage.seen_at,
            sightings=hit.sightings,
            verify=hit.verify,
            entry_id=hit.entry.id if hit.entry else None,
            note="",
        )
        self.session.add(alert)
        await self.session.flush()
        look_alikes.remember(passage, key, alert.id)
        await self.audit_match(camera, passage, hit, alert)
        view = await self.view(alert)
        everywhere = hit.rule.kind is AlertKind.MISSING_PERSON
        audience = Audience.grid_guards(None if everywhere else camera.grid_id)
        await self.uow.notifications.notify(
            Notice(ALERT_KIND, audience, {"view": view}, photo=view.photo, alert_id=alert.id)
        )
        # The same alert for the robots outside Telegram that take it (never edited there).
        channels = Audience.channels(
            None if everywhere else camera.grid_id, alert_severity(alert.kind, alert.verify)
        )
        await self.uow.notifications.notify(
            Notice(
                ALERT_KIND,
                channels,
                {"view": view},
                dedup=f"alert:{alert.id}",
                photo=view.photo,
                alert_id=alert.id,
                facts=alert_facts(view),
            )
        )
        return alert

    async def audit_match(self, camera: Camera, passage: Passage, hit: Hit, alert: Alert) -> None:
        """Every match of a watchlist entry leaves an audit entry (the camera is the actor)."""
        if hit.entry is None:
            return
        await self.uow.audit.record(
            Actor.system(f"camera:{camera.id}"),
            "match",
            "watchlist_entry",
            hit.entry.id,
            alert_id=alert.id,
            passage_id=passage.id,
            verify=hit.verify,
            score=hit.score,
        )

    async def tell_change(self, alert: Alert, *, new_photo: bool = False) -> None:
        """Edit every message of this alert (those not sent yet are edited once they are);
        `new_photo`: its snapshot changed, the photo is replaced too."""
        await self.session.flush()
        view = await self.view(alert)
        originals = await self.session.execute(
            select(Delivery.id, Delivery.chat_id, GroupChat.locale)
            .outerjoin(GroupChat, GroupChat.chat_id == Delivery.chat_id)
            .where(
                Delivery.alert_id == alert.id,
                Delivery.channel == TELEGRAM,
                Delivery.kind == ALERT_KIND,
                Delivery.status.not_in([DeliveryStatus.FAILED, DeliveryStatus.FOLDED]),
            )
            .order_by(Delivery.id)
        )
        for delivery_id, chat_id, locale in originals:
            params: dict[str, Any] = {"view": view}
            await self.uow.notifications.notify(
                Notice(
                    EDIT_KIND,
                    Audience.chat(chat_id, locale),
                    params,
                    photo=view.photo if new_photo else None,
                    alert_id=alert.id,
                    edit_of=delivery_id,
                )
            )

    async def _rules(self) -> Sequence[AlertRule]:
        query = select(AlertRule).where(
            AlertRule.enabled.is_(True), AlertRule.kind.in_(list(RULE_KINDS))
        )
        return (await self.session.scalars(query.order_by(AlertRule.id))).all()

    async def _live_entries(self) -> list[tuple[WatchlistEntry, WatchlistKind]]:
        now = self.now()
        rows = await self.session.execute(
            select(WatchlistEntry, Watchlist.kind)
            .join(Watchlist, Watchlist.id == WatchlistEntry.watchlist_id)
            .where(
                Watchlist.kind.in_(list(LIST_OF_RULE.values())),
                WatchlistEntry.ended_at.is_(None),
                or_(WatchlistEntry.valid_until.is_(None), WatchlistEntry.valid_until > now),
                or_(WatchlistEntry.valid_from.is_(None), WatchlistEntry.valid_from <= now),
                or_(WatchlistEntry.person_id.is_not(None), WatchlistEntry.plate.is_not(None)),
            )
            .order_by(WatchlistEntry.id)
        )
        return [(entry, kind) for entry, kind in rows]

    async def _get(self, alert_id: int) -> Alert:
        alert = await self.session.get(Alert, alert_id)
        if alert is None:
            raise NotFound("alert", id=alert_id)
        return alert
