"""How urgent an alert is for channels (their `--min-severity`), and its facts as JSON."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import InvalidInput
from core.models import AlertKind

if TYPE_CHECKING:
    from core.services.alerts import AlertView

SEVERITIES = ("low", "medium", "high", "critical")
# A please-verify alert (a possible face) is one step less urgent than a sure one.
KIND_SEVERITY = {
    AlertKind.MISSING_PERSON: 3,
    AlertKind.PERSON_OF_INTEREST: 2,
    AlertKind.WATCHED_VEHICLE: 2,
    AlertKind.CARE: 1,
}
FOLD_BELOW = 2  # when a robot is saturated, alerts below "high" fold into a digest


def severity_value(name: str) -> int:
    try:
        return SEVERITIES.index(name.strip().lower())
    except ValueError:
        raise InvalidInput("severity", choices=",".join(SEVERITIES)) from None


def alert_severity(kind: AlertKind, verify: bool) -> int:
    return max(0, KIND_SEVERITY.get(kind, 1) - (1 if verify else 0))


def alert_facts(view: AlertView) -> dict[str, Any]:
    """What a machine receiver gets (the generic webhook's JSON): data, no words."""
    severity = alert_severity(view.kind, view.verify)
    return {
        "kind": "alert",
        "alert_id": view.id,
        "alert_kind": view.kind.value,
        "verify": view.verify,
        "severity": SEVERITIES[severity],
        "subject": view.subject,
        "list": view.list_name,
        "camera": view.camera,
        "time": view.first_seen.isoformat(),
        "band": view.band.value if view.band is not None else None,
        "score": view.score,
    }
