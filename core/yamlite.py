"""A small, strict subset of YAML that remembers line numbers (for files people edit).

PyYAML is not a dependency here, and its `safe_load` forgets where a value came from; a rules
file needs errors such as "line 12: unknown day 'funday'". Supported: block mappings
(`key: value`, `key:` + an indented block), block sequences (`- item`, `- key: value` with
the mapping continued on deeper lines), flow sequences of scalars (`[1, 2, "a b"]`),
comments (`# …`), and scalars: integers, `true`/`false`, `null`/`~`, quoted strings and
plain strings. Unlike YAML 1.1, `22:00` stays the string "22:00". Anything else (anchors,
multi-line strings, flow mappings, tabs) is refused with its line number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_INT = re.compile(r"^[-+]?\d+$")
_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$")


class YamlError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line, self.message = line, message


class Mapping(dict[str, Any]):
    """A mapping with the line of each key (`lines`) and of itself (`line`)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[str, int] = {}


class Sequence(list[Any]):
    """A sequence with the line of each item (`lines`) and of itself (`line`)."""

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []


@dataclass
class _Line:
    number: int
    indent: int
    text: str


@dataclass
class _Reader:
    lines: list[_Line]
    at: int = 0
    seen: list[int] = field(default_factory=list)

    def peek(self) -> _Line | None:
        return self.lines[self.at] if self.at < len(self.lines) else None


def loads(text: str) -> Any:
    """The document's value (a `Mapping`, a `Sequence` or a scalar; None when empty)."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlError(number, "indent with spaces, not tabs")
        content = _strip_comment(raw, number).rstrip()
        if not content.strip() or content.strip() in ("---", "..."):
            continue
        lines.append(_Line(number, len(content) - len(content.lstrip(" ")), content.strip()))
    if not lines:
        return None
    reader = _Reader(lines)
    value = _block(reader, lines[0].indent)
    extra = reader.peek()
    if extra is not None:
        raise YamlError(extra.number, "unexpected indentation")
    return value


def _block(reader: _Reader, indent: int) -> Any:
    first = reader.peek()
    assert first is not None
    if first.text == "-" or first.text.startswith("- "):
        return _sequence(reader, indent)
    if _KEY.match(first.text):
        return _mapping(reader, indent)
    reader.at += 1
    return _scalar(first.text, first.number)


def _sequence(reader: _Reader, indent: int) -> Sequence:
    first = reader.peek()
    assert first is not None
    result = Sequence(first.number)
    while (line := reader.peek()) is not None and line.indent == indent:
        if not (line.text == "-" or line.text.startswith("- ")):
            raise YamlError(line.number, "expected '- ' (an item of the list)")
        rest = line.text[1:].lstrip()
        result.lines.append(line.number)
        if not rest:
            reader.at += 1
            nested = reader.peek()
            if nested is None or nested.indent <= indent:
                result.append(None)
            else:
                result.append(_block(reader, nested.indent))
            continue
        # "- key: value" starts a mapping whose keys sit where `key` sits.
        inner = indent + (len(line.text) - len(rest))
        reader.lines[reader.at] = _Line(line.number, inner, rest)
        result.append(_block(reader, inner))
    return result


def _mapping(reader: _Reader, indent: int) -> Mapping:
    first = reader.peek()
    assert first is not None
    result = Mapping(first.number)
    while (line := reader.peek()) is not None and line.indent == indent:
        found = _KEY.match(line.text)
        if found is None:
            raise YamlError(line.number, "expected 'key: value'")
        key, rest = found.group(1), (found.group(2) or "").strip()
        if key in result:
            raise YamlError(line.number, f"'{key}' is given twice")
        result.lines[key] = line.number
        reader.at += 1
        if rest:
            result[key] = _scalar(rest, line.number)
            continue
        nested = reader.peek()
        if nested is not None and (
            nested.indent > indent or (nested.indent == indent and nested.text.startswith("- "))
        ):
            result[key] = _block(reader, nested.indent)
        else:
            result[key] = None
    if (line := reader.peek()) is not None and line.indent > indent:
        raise YamlError(line.number, "unexpected indentation")
    return result


def _scalar(text: str, line: int) -> Any:
    if text.startswith("["):
        if not text.endswith("]"):
            raise YamlError(line, "a list in brackets must end on the same line with ']'")
        inner = text[1:-1].strip()
        items = Sequence(line)
        for part in _split_flow(inner, line) if inner else []:
            items.append(_scalar(part, line))
            items.lines.append(line)
        return items
    if text[0] in "{&*!|>%@`":
        raise YamlError(line, f"this YAML feature is not supported here: {text[:20]!r}")
    if text[0] in "\"'":
        quote = text[0]
        if len(text) < 2 or not text.endswith(quote):
            raise YamlError(line, "a quoted string must end on the same line")
        body = text[1:-1]
        return body.replace("''", "'") if quote == "'" else _unescape(body, line)
    if _INT.match(text):
        return int(text)
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "~"):
        return None
    if ": " in text:
        raise YamlError(line, "a value cannot contain ': ' unless it is quoted")
    return text


def _split_flow(text: str, line: int) -> list[str]:
    parts, current, quote = [], "", ""
    for char in text:
        if quote:
            current += char
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote, current = char, current + char
        elif char == ",":
            parts.append(current.strip())
            current = ""
        elif char in "[]{}":
            raise YamlError(line, "nested brackets are not supported here")
        else:
            current += char
    if quote:
        raise YamlError(line, "a quoted string must end on the same line")
    parts.append(current.strip())
    if any(not p for p in parts):
        raise YamlError(line, "an empty item in a list")
    return parts


def _unescape(body: str, line: int) -> str:
    escapes = {'"': '"', "\\": "\\", "n": "\n", "t": "\t"}
    out, chars = [], iter(body)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        following = next(chars, "")
        if following not in escapes:
            raise YamlError(line, f"unknown escape '\\{following}'")
        out.append(escapes[following])
    return "".join(out)


def _strip_comment(raw: str, line: int) -> str:
    quote = ""
    for index, char in enumerate(raw):
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'" and (index == 0 or raw[index - 1] in " [,:-"):
            quote = char
        elif char == "#" and (index == 0 or raw[index - 1] == " "):
            return raw[:index]
    return raw
