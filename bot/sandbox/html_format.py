"""Telegram's HTML parse mode: parse to (text, entities) strictly, and render entities back.

Only the tags Telegram documents are accepted; unknown tags, unclosed or mismatched tags and
stray ``<`` / ``&`` raise :class:`HtmlParseError`, which the Bot API layer turns into
``400 Bad Request: can't parse entities: ...``. Entity offsets and lengths are in UTF-16 code
units like Telegram's.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
SUPPORTED_TAGS = {*SIMPLE_TAGS, "span", "a", "code", "pre", "blockquote", "tg-emoji"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# Entities that may not contain other entities, and entities nothing may be nested in.
_OPAQUE = {"code", "pre"}
_TRIM = " \t\n\r"

_NAME_RE = re.compile(r"[A-Za-z0-9-]*")
_ATTR_NAME_RE = re.compile(r"[A-Za-z0-9_-]*")
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{0,31});")
_USER_LINK_RE = re.compile(r"tg://user\?id=(\d+)$")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML."""


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (Telegram counts entity offsets this way)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output text
    byte_offset: int
    attrs: dict[str, str] = field(default_factory=dict)
    language: str | None = None


class _Parser:
    def __init__(self, source: str) -> None:
        self.src = source
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0  # UTF-16 length of the output so far
        self.stack: list[_Open] = []
        self.entities: list[dict[str, Any]] = []

    def byte_offset(self, index: int) -> int:
        return len(self.src[:index].encode("utf-8"))

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.out_len += utf16_len(text)

    def run(self) -> tuple[str, list[dict[str, Any]]]:
        src = self.src
        while self.pos < len(src):
            char = src[self.pos]
            if char == "&":
                self.entity()
            elif char == "<":
                if src.startswith("</", self.pos):
                    self.end_tag()
                else:
                    self.start_tag()
            else:
                nxt = min(
                    (i for i in (src.find("&", self.pos), src.find("<", self.pos)) if i >= 0),
                    default=len(src),
                )
                self.emit(src[self.pos : nxt])
                self.pos = nxt
        if self.stack:
            raise HtmlParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        return "".join(self.out), self.entities

    def entity(self) -> None:
        match = _ENTITY_RE.match(self.src, self.pos)
        value = _decode_entity(match.group(1)) if match else None
        if match is None or value is None:
            found = match.group(0) if match else self.src[self.pos : self.pos + 8]
            raise HtmlParseError(
                f"Unsupported HTML entity {found!r} at byte offset {self.byte_offset(self.pos)}; "
                "escape '&' as &amp;"
            )
        self.emit(value)
        self.pos = match.end()

    def read_name(self, pattern: re.Pattern[str]) -> str:
        match = pattern.match(self.src, self.pos)
        assert match is not None  # the patterns match the empty string
        self.pos = match.end()
        return match.group(0)

    def skip_spaces(self) -> None:
        while self.pos < len(self.src) and self.src[self.pos] in _TRIM:
            self.pos += 1

    def start_tag(self) -> None:
        begin = self.pos
        offset = self.byte_offset(begin)
        self.pos += 1
        name = self.read_name(_NAME_RE).lower()
        if not name:
            raise HtmlParseError(
                f"Unexpected '<' at byte offset {offset}; escape it as &lt; "
                '(Unsupported start tag "")'
            )
        if name not in SUPPORTED_TAGS:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        attrs = self.attributes(name, offset)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have a numeric "emoji-id" at byte offset {offset}'
            )
        self.stack.append(_Open(name, self.out_len, offset, attrs))

    def attributes(self, tag: str, offset: int) -> dict[str, str]:
        attrs: dict[str, str] = {}
        src = self.src
        while True:
            self.skip_spaces()
            if self.pos >= len(src):
                raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
            if src[self.pos] == ">":
                self.pos += 1
                return attrs
            attr_offset = self.byte_offset(self.pos)
            name = self.read_name(_ATTR_NAME_RE).lower()
            if not name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {attr_offset}'
                )
            self.skip_spaces()
            value = ""
            if self.pos < len(src) and src[self.pos] == "=":
                self.pos += 1
                self.skip_spaces()
                value = self.attribute_value(offset)
            attrs[name] = value

    def attribute_value(self, offset: int) -> str:
        src = self.src
        if self.pos >= len(src):
            raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
        quote = src[self.pos]
        if quote in "\"'":
            end = src.find(quote, self.pos + 1)
            if end < 0:
                raise HtmlParseError(f"Unclosed start tag at byte offset {offset}")
            raw = src[self.pos + 1 : end]
            self.pos = end + 1
        else:
            end = self.pos
            while end < len(src) and src[end] not in _TRIM + ">":
                end += 1
            raw = src[self.pos : end]
            self.pos = end
        return html.unescape(raw)

    def end_tag(self) -> None:
        offset = self.byte_offset(self.pos)
        self.pos += 2
        name = self.read_name(_NAME_RE).lower()
        self.skip_spaces()
        if self.pos >= len(self.src) or self.src[self.pos] != ">":
            raise HtmlParseError(f"Unclosed end tag at byte offset {offset}")
        self.pos += 1
        if not self.stack:
            raise HtmlParseError(f"Unexpected end tag at byte offset {offset}")
        top = self.stack[-1]
        if name != top.tag:
            raise HtmlParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.tag}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        self.close(top)

    def close(self, tag: _Open) -> None:
        length = self.out_len - tag.start
        parent = self.stack[-1] if self.stack else None
        if tag.tag == "code" and parent is not None and parent.tag == "pre":
            cls = tag.attrs.get("class", "")
            if cls.startswith("language-"):
                parent.language = cls.removeprefix("language-")
            return
        if any(_entity_kind(t) in _OPAQUE for t in self.stack):
            return  # Telegram drops entities nested inside code/pre
        entity = _entity_for(tag, length)
        if entity is not None:
            if entity["type"] == "blockquote" and any(t.tag == "blockquote" for t in self.stack):
                return  # blockquotes can't be nested
            self.entities.append(entity)


def _entity_kind(tag: _Open) -> str:
    return tag.tag if tag.tag in {"code", "pre"} else "other"


def _entity_for(tag: _Open, length: int) -> dict[str, Any] | None:
    base: dict[str, Any] = {"offset": tag.start, "length": length}
    name = tag.tag
    if name in SIMPLE_TAGS:
        return {"type": SIMPLE_TAGS[name], **base}
    if name == "span":
        return {"type": "spoiler", **base}
    if name == "code":
        return {"type": "code", **base}
    if name == "pre":
        entity = {"type": "pre", **base}
        if tag.language:
            entity["language"] = tag.language
        return entity
    if name == "blockquote":
        kind = "expandable_blockquote" if "expandable" in tag.attrs else "blockquote"
        return {"type": kind, **base}
    if name == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": tag.attrs["emoji-id"], **base}
    url = tag.attrs.get("href", "").strip()
    if not url:
        return None
    user = _USER_LINK_RE.match(url)
    if user:
        user_data = {"id": int(user.group(1)), "is_bot": False, "first_name": ""}
        return {"type": "text_mention", "user": user_data, **base}
    return {"type": "text_link", "url": url, **base}


def _decode_entity(name: str) -> str | None:
    if name.startswith("#"):
        code = int(name[2:], 16) if name[:2] in ("#x", "#X") else int(name[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code)
    return NAMED_ENTITIES.get(name)


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and entities (untrimmed)."""
    return _Parser(source).run()


def trim(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Strip leading/trailing whitespace like Telegram and shift/clip the entities."""
    stripped_start = text[: len(text) - len(text.lstrip(_TRIM))]
    result = text.strip(_TRIM)
    shift = utf16_len(stripped_start)
    total = utf16_len(result)
    fixed = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    fixed.sort(key=lambda e: (e["offset"], -e["length"]))
    return result, fixed


_RENDER = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="tg-spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre><code>", "</code></pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ('<blockquote class="expandable">', "</blockquote>"),
    "bot_command": ('<span class="tg-command">', "</span>"),
    "mention": ('<span class="tg-mention">', "</span>"),
    "text_mention": ('<span class="tg-mention">', "</span>"),
    "hashtag": ('<span class="tg-hashtag">', "</span>"),
}
_SAFE_URL_RE = re.compile(r"(https?|tg|mailto):", re.IGNORECASE)


def _tags_for(entity: dict[str, Any], text: str) -> tuple[str, str]:
    kind = entity["type"]
    if kind in ("text_link", "url"):
        url = entity.get("url") or text
        if _SAFE_URL_RE.match(url):
            href = html.escape(url, quote=True)
            return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
        return "", ""
    return _RENDER.get(kind, ("", ""))


def render_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    """Safe HTML for the web page built from text + entities (only Telegram's tags)."""
    units = text.encode("utf-16-le")

    def raw(start: int, end: int) -> str:
        return units[start * 2 : end * 2].decode("utf-16-le", "replace")

    def piece(start: int, end: int) -> str:
        return html.escape(raw(start, end), quote=False)

    ordered = sorted(entities or [], key=lambda e: (e["offset"], -e["length"]))
    out: list[str] = []
    stack: list[tuple[int, str]] = []  # (end offset, closing tag)
    pos = 0
    for entity in ordered:
        start, end = entity["offset"], entity["offset"] + entity["length"]
        while stack and stack[-1][0] <= start:
            close_at, closing = stack.pop()
            out.append(piece(pos, close_at) + closing)
            pos = close_at
        out.append(piece(pos, start))
        pos = start
        if stack:
            end = min(end, stack[-1][0])  # keep the markup properly nested
        opening, closing = _tags_for(entity, raw(start, end))
        out.append(opening)
        stack.append((end, closing))
    while stack:
        close_at, closing = stack.pop()
        out.append(piece(pos, close_at) + closing)
        pos = close_at
    out.append(piece(pos, len(units) // 2))
    return "".join(out)
