"""Alerts: rules over passages, cool-down folding, guards' presses and verdicts.

`service` raises and changes alerts; `scope` says where and when a rule applies (grid,
layers, cameras, weekly time windows); `matching` finds watchlist hits, `strangers` counts
unknown faces; `views` is what a caption needs; `verdicts` keeps the guards' "same person" /
"not this person" on "please verify" alerts.
"""

from core.services.alerts.digest import DIGEST_KIND
from core.services.alerts.matching import LIST_OF_RULE, PRIORITY
from core.services.alerts.service import (
    ACTIONS,
    ALERT_KIND,
    DEFAULT_RULES,
    EDIT_KIND,
    RULE_KINDS,
    VERDICTS,
    AlertService,
    AlertTaken,
    NotVerifiable,
)
from core.services.alerts.verdicts import VerdictHistory
from core.services.alerts.views import AlertView

__all__ = [
    "ACTIONS",
    "ALERT_KIND",
    "DEFAULT_RULES",
    "DIGEST_KIND",
    "EDIT_KIND",
    "LIST_OF_RULE",
    "PRIORITY",
    "RULE_KINDS",
    "VERDICTS",
    "AlertService",
    "AlertTaken",
    "AlertView",
    "NotVerifiable",
    "VerdictHistory",
]
