"""The signed, expiring snapshot link a channel message carries (Feishu and DingTalk cannot
upload a picture through a webhook). The signature covers the alert id and the expiry; the
HTTP server serves the picture, decrypted in memory, only while it is valid."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from core.crypto import Vault

PATH = "/channels/snapshots/{alert_id}"
TAG_BYTES = 16


def _message(alert_id: int, expires: int) -> str:
    return f"channel-snapshot:{alert_id}:{expires}"


def sign_snapshot(vault: Vault, alert_id: int, now: datetime, valid: timedelta) -> str:
    """`/channels/snapshots/7?e=…&s=…` (append to the public base URL)."""
    expires = int((now + valid).timestamp())
    return PATH.format(alert_id=alert_id) + "?" + snapshot_query(vault, alert_id, expires)


def snapshot_query(vault: Vault, alert_id: int, expires: int) -> str:
    tag = vault.sign(_message(alert_id, expires), length=TAG_BYTES)
    return urlencode({"e": expires, "s": tag})


def verify_snapshot(vault: Vault, alert_id: int, expires: str, tag: str, now: datetime) -> bool:
    """True while the link is unexpired and its signature is ours (any known key)."""
    if not expires.isdigit() or int(expires) < now.timestamp():
        return False
    return vault.verify(_message(alert_id, int(expires)), tag, length=TAG_BYTES)
