"""Captions of the alert kinds that have no camera sighting to show, in both languages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.i18n import load_catalogues
from core.models import AlertKind, AlertStatus
from core.services.alerts import AlertView, VerdictHistory
from handlers.alerts.cards import buttons, caption

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 8, 0, tzinfo=ZONE)


def view(kind: AlertKind, **changes: object) -> AlertView:
    values: dict[str, object] = {
        "id": 7, "kind": kind, "verify": False, "status": AlertStatus.OPEN, "subject": "张三",
        "plate_read": None, "list_name": "独居老人", "reason": "需每日关注", "camera": "",
        "layer": 0, "first_seen": NOW, "last_seen": NOW - timedelta(days=4), "sightings": 1,
        "band": None, "score": None, "taken_by": None, "taken_at": None, "note": "",
        "photo": None,
    }  # fmt: skip
    values.update(changes)
    return AlertView(**values)  # type: ignore[arg-type]


def test_a_long_absence_says_since_when() -> None:
    catalogues = load_catalogues()
    zh = caption(catalogues.translator("zh_CN", ZONE), view(AlertKind.LONG_ABSENCE))
    assert "长时间未出现" in zh
    assert "自 11月23日 08:00 起未被任何摄像头拍到（4 天）" in zh
    en = caption(catalogues.translator("en", ZONE), view(AlertKind.LONG_ABSENCE))
    assert "Not seen by any camera since 23 Nov 08:00 (4 days)" in en


def test_a_please_verify_alert_offers_verdicts_and_shows_earlier_ones() -> None:
    t = load_catalogues().translator("en", ZONE)
    history = VerdictHistory(same=1, other=2, last_same=False, last_by="Li", last_at=NOW)
    card = view(AlertKind.PERSON_OF_INTEREST, verify=True, history=history)
    assert [label for row in buttons(t, card) for label, _ in row] == [
        "✅ Same person",
        "❌ Not this person",
        "🚓 Dispatch",
    ]
    text = caption(t, card)
    assert "Earlier checks of this person: same 1, not this person 2" in text
    assert "Latest: Li, 27 Nov 08:00, not this person" in text


def test_stranger_and_tailgating_alerts_say_what_happened_without_a_score() -> None:
    catalogues = load_catalogues()
    t = catalogues.translator("zh_CN", ZONE)
    tail = caption(t, view(AlertKind.TAILGATING, camera="北门", layer=1, subject="?"))
    assert "尾随进入" in tail
    assert "随授权人员" in tail
    assert "北门" in tail
    stranger = caption(
        catalogues.translator("en", ZONE), view(AlertKind.STRANGER, camera="Door 3", sightings=3)
    )
    assert "Stranger" in stranger
    assert "matches nobody registered" in stranger
