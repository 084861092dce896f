"""A tagged JSON codec for state that outlives an update: flows, button data, outbox payloads.

Values may be JSON types plus tuples, sets, dicts with non-string keys, datetimes, dates,
bytes, and dataclasses registered with `@persistable("name")`. A dataclass is stored by its
registered name (not its module path), so moving a class does not lose anybody's draft; an
enum field (a `StrEnum` step, say) is stored as its value and rebuilt from the field's type.
Anything else (an ORM object, an unregistered class) is refused with a `TypeError` naming it.
A stored dataclass whose name is no longer registered, or whose fields no longer fit, decodes
to None (logged): a flow started by an older release is dropped, not a crash.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import logging
import types
import typing
from datetime import date, datetime
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
_REGISTRY: dict[str, type[Any]] = {}
_NAMES: dict[type[Any], str] = {}


class UnknownData:
    """Marker type for button data that could not be decoded (see `decode`)."""


def persistable(name: str) -> typing.Callable[[type[T]], type[T]]:
    """Register a dataclass under `name` (unique) so the codec can store and rebuild it."""

    def register(cls: type[T]) -> type[T]:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__qualname__} is not a dataclass")
        owner = _REGISTRY.get(name)
        if owner is not None and owner.__qualname__ != cls.__qualname__:
            raise ValueError(f"{name!r} is already the stored name of {owner.__qualname__}")
        _REGISTRY[name] = cls
        _NAMES[cls] = name
        return cls

    return register


def registered_name(cls: type[Any]) -> str | None:
    return _NAMES.get(cls)


def _tag(name: str) -> str:
    return f"__{name}__"


def _is_tag(key: object) -> bool:
    return isinstance(key, str) and key.startswith("__") and key.endswith("__")


def encode(value: Any) -> Any:
    """A JSON-compatible form of `value` that `decode` turns back into an equal object."""
    if value is None or isinstance(value, bool | int | float | str):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {_tag("tuple"): [encode(item) for item in value]}
    if isinstance(value, set | frozenset):
        name = "frozenset" if isinstance(value, frozenset) else "set"
        return {_tag(name): [encode(item) for item in value]}
    if isinstance(value, dict):
        if all(isinstance(key, str) and not _is_tag(key) for key in value):
            return {str(key): encode(item) for key, item in value.items()}
        return {_tag("dict"): [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, datetime):
        return {_tag("datetime"): value.isoformat()}
    if isinstance(value, date):
        return {_tag("date"): value.isoformat()}
    if isinstance(value, bytes):
        return {_tag("bytes"): base64.b64encode(value).decode()}
    stored = _NAMES.get(type(value))
    if stored is not None:
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {_tag("dc"): [stored, fields]}
    raise TypeError(
        f"cannot persist a {type(value).__qualname__}: keep JSON values, tuples, sets, "
        "datetimes, bytes or @persistable dataclasses in flows, user data and button data"
    )


def _hashable(value: Any) -> Any:
    return tuple(_hashable(v) for v in value) if isinstance(value, list) else value


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, inner),) = value.items()
        if _is_tag(key):
            return _decode_tagged(key[2:-2], inner)
    return {key: decode(item) for key, item in value.items()}


def _decode_tagged(name: str, inner: Any) -> Any:
    if name == "tuple":
        return tuple(decode(item) for item in inner)
    if name == "set":
        return {decode(item) for item in inner}
    if name == "frozenset":
        return frozenset(decode(item) for item in inner)
    if name == "dict":
        return {_hashable(decode(k)): decode(v) for k, v in inner}
    if name == "datetime":
        return datetime.fromisoformat(inner)
    if name == "date":
        return date.fromisoformat(inner)
    if name == "bytes":
        return base64.b64decode(inner)
    if name == "dc":
        return _decode_dataclass(str(inner[0]), inner[1])
    return {_tag(name): decode(inner)}


def _decode_dataclass(name: str, fields: dict[str, Any]) -> Any:
    cls = _REGISTRY.get(name)
    if cls is None:
        log.warning("stored %r is no longer a known type: dropped", name)
        return None
    hints = _field_types(cls)
    try:
        values = {key: _coerce(hints.get(key), decode(item)) for key, item in fields.items()}
        return cls(**values)
    except (TypeError, ValueError) as exc:
        log.warning("stored %r no longer fits its class (%s): dropped", name, exc)
        return None


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _field_types(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _coerce(hint: Any, value: Any) -> Any:
    """An enum field comes back as its enum (also inside `X | None`)."""
    if value is None or hint is None:
        return value
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        for option in typing.get_args(hint):
            if isinstance(option, type) and issubclass(option, enum.Enum):
                return option(value)
    return value
