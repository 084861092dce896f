"""What each platform is posted, signed as it requires, and what its answer means.

The words come from the front end (the alert's caption, rendered in the channel's language,
turned from Telegram HTML into markdown); the facts are data. Shapes and signing follow
`INTEGRATIONS_NOTES.md` (WeCom / DingTalk / Feishu group robots):

* webhook: our JSON (facts + ``text`` + ``snapshot_url``), header
  ``X-SafeCommunity-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>``;
* WeCom: a ``markdown`` message, then the snapshot as an ``image`` (base64 + MD5, ≤ 2 MB);
* DingTalk: ``markdown`` with ``timestamp`` (ms) and ``sign`` in the URL;
* Feishu: a ``post`` with ``timestamp`` (s) and ``sign`` in the body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote_plus

from core.models import ChannelKind

SIGNATURE_HEADER = "X-SafeCommunity-Signature"
DELIVERY_HEADER = "X-SafeCommunity-Delivery"  # the same id on a retry: receivers may dedupe
WECOM_IMAGE_LIMIT = 2 * 1024 * 1024
WECOM_MARKDOWN_LIMIT = 4096  # bytes
FEISHU_BODY_LIMIT = 20 * 1024
DINGTALK_THROTTLE = timedelta(minutes=10)
THROTTLED_RETRY = timedelta(minutes=1)


@dataclass(frozen=True)
class Message:
    """One message for a channel: the front end's words and the alert's facts."""

    title: str  # plain text, one line
    markdown: str  # the whole text as markdown
    text: str = ""  # the whole text, plain
    facts: dict[str, Any] = field(default_factory=dict)
    link: str | None = None  # the signed snapshot URL
    link_label: str = "snapshot"
    image: bytes | None = None  # JPEG or PNG ≤ 2 MB (WeCom only)


@dataclass(frozen=True)
class Outgoing:
    """One HTTP POST."""

    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    throttled: bool = False
    permanent: bool = False  # retrying cannot help (bad key, bad signature, bad request)
    retry_after: timedelta | None = None
    detail: str = ""


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def webhook_signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _cut_bytes(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def _with_link(message: Message) -> str:
    if not message.link:
        return message.markdown
    return f"{message.markdown}\n\n[{message.link_label}]({message.link})"


def build(
    kind: ChannelKind,
    url: str,
    secret: str | None,
    message: Message,
    now: datetime,
    *,
    delivery_id: int | None = None,
) -> list[Outgoing]:
    """The POSTs that carry `message` to one robot, in order."""
    json_type = {"Content-Type": "application/json; charset=utf-8"}
    if kind is ChannelKind.WEBHOOK:
        body = _json({**message.facts, "text": message.text, "snapshot_url": message.link})
        headers = dict(json_type)
        if secret:
            headers[SIGNATURE_HEADER] = webhook_signature(secret, body)
        if delivery_id is not None:
            headers[DELIVERY_HEADER] = str(delivery_id)
        return [Outgoing(url, body, headers)]
    if kind is ChannelKind.WECOM:
        text = _cut_bytes(_with_link(message), WECOM_MARKDOWN_LIMIT)
        posts = [
            Outgoing(url, _json({"msgtype": "markdown", "markdown": {"content": text}}), json_type)
        ]
        if message.image is not None:
            image = {
                "base64": base64.b64encode(message.image).decode(),
                "md5": hashlib.md5(message.image).hexdigest(),  # WeCom checks the MD5
            }
            posts.append(Outgoing(url, _json({"msgtype": "image", "image": image}), json_type))
        return posts
    if kind is ChannelKind.DINGTALK:
        target = url
        if secret:
            ms = int(now.timestamp() * 1000)
            joiner = "&" if "?" in url else "?"
            target += f"{joiner}timestamp={ms}&sign={dingtalk_sign(secret, ms)}"
        body = _json(
            {
                "msgtype": "markdown",
                "markdown": {"title": message.title, "text": _with_link(message)},
            }
        )
        return [Outgoing(target, body, json_type)]
    assert kind is ChannelKind.FEISHU
    return [Outgoing(url, _feishu_body(secret, message, now), json_type)]


def _feishu_body(secret: str | None, message: Message, now: datetime) -> bytes:
    lines = [line for line in message.text.splitlines()[1:] if line.strip()]
    content: list[list[dict[str, str]]] = [[{"tag": "text", "text": line}] for line in lines]
    if message.link:
        content.append([{"tag": "a", "text": message.link_label, "href": message.link}])
    data: dict[str, Any] = {
        "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": message.title, "content": content}}},
    }
    if secret:
        seconds = int(now.timestamp())
        data = {"timestamp": str(seconds), "sign": feishu_sign(secret, seconds), **data}
    body = _json(data)
    while len(body) > FEISHU_BODY_LIMIT and len(content) > 1:
        del content[-2 if message.link else -1]  # drop detail lines, keep the link
        body = _json(data)
    return body


def classify(kind: ChannelKind, status: int, text: str, retry_after: str | None = None) -> Outcome:
    """What a robot's answer means: sent, throttled (retry later), or failed."""
    detail = f"HTTP {status}: {text[:200]}"
    if status == 429:
        after = (
            timedelta(seconds=float(retry_after)) if retry_after and _number(retry_after) else None
        )
        return Outcome(False, throttled=True, retry_after=after or THROTTLED_RETRY, detail=detail)
    if status >= 500 or status in (408, 425):
        return Outcome(False, detail=detail)
    if status >= 400:
        return Outcome(False, permanent=True, detail=detail)
    if kind is ChannelKind.WEBHOOK:
        return Outcome(True, detail=detail)
    try:
        answer = json.loads(text or "{}")
    except ValueError:
        return Outcome(False, detail=f"not JSON: {detail}")
    if not isinstance(answer, dict):
        return Outcome(False, detail=f"unexpected answer: {detail}")
    code = answer.get("code", answer.get("StatusCode")) if kind is ChannelKind.FEISHU else None
    if kind is not ChannelKind.FEISHU:
        code = answer.get("errcode")
    if code == 0:
        return Outcome(True, detail=detail)
    return _platform_error(kind, code, detail)


def _platform_error(kind: ChannelKind, code: Any, detail: str) -> Outcome:
    if kind is ChannelKind.DINGTALK and code == 130101:  # sent too fast: throttled 10 min
        return Outcome(False, throttled=True, retry_after=DINGTALK_THROTTLE, detail=detail)
    if kind is ChannelKind.WECOM and code == 45009:  # API frequency out of limit
        return Outcome(False, throttled=True, retry_after=THROTTLED_RETRY, detail=detail)
    if kind is ChannelKind.FEISHU and code == 11232:  # frequency limited
        return Outcome(False, throttled=True, retry_after=THROTTLED_RETRY, detail=detail)
    permanent = {
        ChannelKind.WECOM: {93000, 40008, 40058},  # bad key, bad message type, bad argument
        ChannelKind.DINGTALK: {300001, 310000, 400101},  # bad token, bad sign/keyword/ip
        ChannelKind.FEISHU: {19001, 19021, 19022, 19024, 9499},  # bad token, sign, ip, keyword
    }
    return Outcome(False, permanent=code in permanent.get(kind, set()), detail=detail)


def _number(value: str | None) -> bool:
    try:
        return value is not None and float(value) >= 0
    except ValueError:
        return False


def digest(header: str, messages: Sequence[Message]) -> Message:
    """Several lower-severity alerts folded into one message (a saturated robot)."""
    lines = [f"- {m.title}" + (f" [{m.link_label}]({m.link})" if m.link else "") for m in messages]
    facts = {"kind": "digest", "alerts": [m.facts for m in messages]}
    plain = [f"- {m.title}" + (f" {m.link}" if m.link else "") for m in messages]
    return Message(
        title=header,
        markdown="\n".join([f"**{header}**", *lines]),
        text="\n".join([header, *plain]),
        facts=facts,
    )


_TAGS = {"b": "**", "strong": "**", "i": "*", "em": "*", "code": "`"}
_TAG = re.compile(r"<(/?)([a-zA-Z]+)[^>]*>")


def html_to_markdown(text: str) -> tuple[str, str, str]:
    """(title, markdown, plain) of a Telegram HTML text: bold, italic, code kept as
    markdown, other tags dropped."""
    markdown = html.unescape(_TAG.sub(lambda m: _TAGS.get(m.group(2).lower(), ""), text))
    plain = html.unescape(_TAG.sub("", text))
    title = next((line.strip() for line in plain.splitlines() if line.strip()), "")
    return title, markdown, plain
