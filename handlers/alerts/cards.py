"""How an alert reads in a guard group (caption + buttons), in the group's language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_, Translator
from core.models import AlertKind, AlertStatus, MatchBand
from core.notify import Notice, Rendered
from core.serial import persistable
from core.services.alerts import AlertView

CAPTION_LIMIT = 1024  # Telegram's limit for a photo's caption
KIND_TITLES = {
    AlertKind.MISSING_PERSON: N_("alerts.kind.missing_person"),
    AlertKind.PERSON_OF_INTEREST: N_("alerts.kind.person_of_interest"),
    AlertKind.WATCHED_VEHICLE: N_("alerts.kind.watched_vehicle"),
    AlertKind.CARE: N_("alerts.kind.care"),
    AlertKind.STRANGER: N_("alerts.kind.stranger"),
    AlertKind.LONG_ABSENCE: N_("alerts.kind.long_absence"),
    AlertKind.TAILGATING: N_("alerts.kind.tailgating"),
}
STATUS_LINES = {
    AlertStatus.TAKEN: N_("alerts.status.taken"),
    AlertStatus.FALSE_ALARM: N_("alerts.status.false_alarm"),
    AlertStatus.DISPATCHED: N_("alerts.status.dispatched"),
    AlertStatus.RESOLVED: N_("alerts.status.resolved"),
}
VERDICT_LINES = {True: N_("alerts.verdict.same"), False: N_("alerts.verdict.not")}
BANDS = {MatchBand.MATCH: N_("alerts.band.match"), MatchBand.POSSIBLE: N_("alerts.band.possible")}


@persistable("button.alert")
@dataclass(frozen=True)
class AlertButton:
    """✅ / ❌ / 🚓 under an alert, or a verdict under a "please verify" one (`action` is a key
    of `core.services.alerts.ACTIONS` or `VERDICTS`)."""

    alert_id: int
    action: str


def caption(t: Translator, view: AlertView) -> str:
    kind = t(KIND_TITLES.get(view.kind, "alerts.kind.other"))
    lines = [t("alerts.verify_title", kind=kind) if view.verify else t("alerts.title", kind=kind)]
    if view.kind is AlertKind.STRANGER:
        lines.append(t("alerts.stranger"))
    elif view.kind is AlertKind.TAILGATING:
        lines.append(t("alerts.tailgating"))
    elif view.kind is AlertKind.WATCHED_VEHICLE:
        lines.append(t("alerts.plate", plate=view.subject, list=view.list_name))
        if view.plate_read:
            lines.append(t("alerts.plate_read", plate=view.plate_read))
    else:
        lines.append(t("alerts.person", name=view.subject, list=view.list_name))
    if view.reason:
        lines.append(t("alerts.reason", reason=view.reason))
    if view.kind is AlertKind.LONG_ABSENCE:
        days = (view.first_seen - view.last_seen).days
        lines.append(t("alerts.absent", time=t.short_datetime(view.last_seen), days=days))
    else:
        lines.append(t("alerts.camera", camera=view.camera, layer=view.layer))
        lines.append(t("alerts.time", time=t.short_datetime(view.first_seen)))
    if view.sightings > 1:
        lines.append(
            t.ngettext(
                "alerts.sightings",
                "alerts.sightings.plural",
                view.sightings,
                last=t.short_datetime(view.last_seen),
            )
        )
    if view.kind in (AlertKind.STRANGER, AlertKind.TAILGATING):
        pass  # no one matched: no score to show
    elif view.band is not None and view.score is not None:
        lines.append(
            t(
                "alerts.score",
                band=t(BANDS.get(view.band, "alerts.band.match")),
                score=f"{view.score:.2f}",
            )
        )
    elif view.score is not None:
        lines.append(t("alerts.plate_score", distance=int(view.score)))
    if view.verify and view.open:
        lines.append(t("alerts.verify_hint"))
    when = t.short_datetime(view.taken_at) if view.taken_at else ""
    if view.verdict is not None:
        lines.append(t(VERDICT_LINES[view.verdict], name=view.taken_by or "—", time=when))
    elif view.status in STATUS_LINES:
        lines.append(t(STATUS_LINES[view.status], name=view.taken_by or "—", time=when))
    if view.history is not None:
        h = view.history
        lines.append(t("alerts.history", same=h.same, other=h.other))
        last = "alerts.history.last_same" if h.last_same else "alerts.history.last_not"
        lines.append(t(last, name=h.last_by or "—", time=t.short_datetime(h.last_at)))
    if view.note:
        lines.append(t("alerts.note", note=view.note))
    text = "\n".join(lines)
    return text if len(text) <= CAPTION_LIMIT else text[: CAPTION_LIMIT - 1] + "…"


def buttons(t: Translator, view: AlertView) -> list[list[tuple[str, AlertButton]]]:
    if not view.open:
        return []
    if view.verify:
        return [
            [
                (t("alerts.button.same"), AlertButton(view.id, "same")),
                (t("alerts.button.not"), AlertButton(view.id, "not")),
            ],
            [(t("alerts.button.dispatch"), AlertButton(view.id, "dispatch"))],
        ]
    return [
        [
            (t("alerts.button.ack"), AlertButton(view.id, "ack")),
            (t("alerts.button.false"), AlertButton(view.id, "false")),
        ],
        [(t("alerts.button.dispatch"), AlertButton(view.id, "dispatch"))],
    ]


def render(t: Translator, notice: Notice) -> Rendered:
    """An alert (or its edit) for one guard group."""
    view: AlertView = notice.params["view"]
    return Rendered(caption(t, view), buttons(t, view))
