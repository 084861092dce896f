"""Chinese plate text: normalisation, tolerant watchlist matching, camera/server reconciliation.

A mainland plate is a province character (京, 沪, 浙 …), the issuing-office letter, then five
characters (six on green new-energy plates), sometimes ending in 学/警/挂/领/港/澳. The letters
I and O are never issued after the office letter, so there they are read as 1 and 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

PROVINCES = frozenset("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
SPECIAL_PREFIXES = frozenset("使领")  # embassy/consulate plates start with these
DEFAULT_LOCAL_PROVINCE = "京"
_SEPARATORS = frozenset(" \t\r\n·•・.-_—–/\\|:,，。")
_CONFUSIONS = str.maketrans({"O": "0", "I": "1"})
_FULLWIDTH_OFFSET = 0xFEE0


def normalize_plate(text: str) -> str:
    """Upper case, no separators/spaces/·, full-width letters folded, and O→0 / I→1 everywhere
    except the province character and the office letter right after it."""
    chars: list[str] = []
    for char in text.strip():
        if char in _SEPARATORS:
            continue
        code = ord(char)
        if 0xFF01 <= code <= 0xFF5E:  # full-width ASCII (Ａ, １) typed on Chinese keyboards
            char = chr(code - _FULLWIDTH_OFFSET)
        chars.append(char.upper())
    plate = "".join(chars)
    letter_at = 1 if plate and _is_cjk(plate[0]) else 0
    head, tail = plate[: letter_at + 1], plate[letter_at + 1 :]
    return head + tail.translate(_CONFUSIONS)


def split_province(plate: str) -> tuple[str, str]:
    """(province character or "", the rest) of a normalised plate."""
    if plate and _is_cjk(plate[0]):
        return plate[0], plate[1:]
    return "", plate


def edit_distance(a: str, b: str, *, limit: int | None = None) -> int:
    """Levenshtein distance; stops early and returns limit+1 once it is exceeded."""
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    if limit is not None and len(a) - len(b) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if limit is not None and min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


@dataclass(frozen=True, slots=True)
class PlateMatch:
    """How a read plate matched a watched one; lower `rank` is a better match."""

    watched: str
    distance: int  # edit distance between the plates without their province characters
    province: Literal["same", "missing", "assumed_local", "different"]

    @property
    def rank(self) -> tuple[int, int]:
        order = {"same": 0, "assumed_local": 1, "missing": 2, "different": 3}
        return self.distance, order[self.province]


def match_plate(
    read: str,
    watched: str,
    *,
    max_distance: int = 1,
    local_province: str = DEFAULT_LOCAL_PROVINCE,
) -> PlateMatch | None:
    """Tolerant comparison of a read plate with a watched one, or None when they differ.

    - The rest of the plate (after the province) may differ by up to `max_distance` edits.
    - A read without a province is taken as the local province: it matches a local watched
      plate with the full edit budget, and a plate of another province only when the rest
      is identical (the missing character already used the budget).
    - A wrong province (the reader's commonest mistake) is accepted when the rest is identical.
    - A watched entry without a province matches any province.
    """
    read_p, read_rest = split_province(normalize_plate(read))
    watch_p, watch_rest = split_province(normalize_plate(watched))
    if not read_rest or not watch_rest:
        return None
    distance = edit_distance(read_rest, watch_rest, limit=max_distance)
    if distance > max_distance:
        return None
    if not watch_p or read_p == watch_p:
        return PlateMatch(watched, distance, "same")
    if not read_p:
        if watch_p == local_province:
            return PlateMatch(watched, distance, "assumed_local")
        return PlateMatch(watched, distance, "missing") if distance == 0 else None
    return PlateMatch(watched, distance, "different") if distance == 0 else None


def plate_matches(
    read: str,
    watched: str,
    *,
    max_distance: int = 1,
    local_province: str = DEFAULT_LOCAL_PROVINCE,
) -> bool:
    """True when `read` is `watched` up to reading errors (see `match_plate`)."""
    found = match_plate(read, watched, max_distance=max_distance, local_province=local_province)
    return found is not None


def best_match(
    read: str,
    watched: Iterable[str],
    *,
    max_distance: int = 1,
    local_province: str = DEFAULT_LOCAL_PROVINCE,
) -> PlateMatch | None:
    """The best watched plate for `read`: fewest edits, then same > local > other province."""
    found = (
        match_plate(read, plate, max_distance=max_distance, local_province=local_province)
        for plate in watched
    )
    candidates = [match for match in found if match is not None]
    return min(candidates, key=lambda match: match.rank) if candidates else None


@dataclass(frozen=True, slots=True)
class PlateResolution:
    """The plate to act on, where it came from, and whether camera and server agreed."""

    text: str | None
    source: Literal["camera", "image", "none"]
    camera_text: str | None
    image_text: str | None
    agree: bool | None  # None when there was nothing to cross-check

    @property
    def disagreement(self) -> bool:
        return self.agree is False


class HasText(Protocol):
    @property
    def text(self) -> str: ...


def resolve_plate(
    camera_text: str | None,
    image_reading: HasText | Sequence[HasText] | None,
    *,
    max_distance: int = 1,
    local_province: str = DEFAULT_LOCAL_PROVINCE,
) -> PlateResolution:
    """Prefer the plate the camera sent; the server's reading fills in when none was sent and
    otherwise only cross-checks it (a disagreement is reported, never silently overridden).

    `image_reading` is one reading (anything with `.text`) or several, best first.
    """
    readings = _texts(image_reading)
    camera = normalize_plate(camera_text) if camera_text else ""
    if not camera:
        first = readings[0] if readings else None
        return PlateResolution(first, "image" if first else "none", None, first, None)
    if not readings:
        return PlateResolution(camera, "camera", camera, None, None)
    matching = [
        text
        for text in readings
        if plate_matches(text, camera, max_distance=max_distance, local_province=local_province)
    ]
    if matching:
        return PlateResolution(camera, "camera", camera, matching[0], True)
    return PlateResolution(camera, "camera", camera, readings[0], False)


def _texts(image_reading: HasText | Sequence[HasText] | None) -> list[str]:
    if image_reading is None:
        return []
    items = list(image_reading) if isinstance(image_reading, Sequence) else [image_reading]
    return [plate for plate in (normalize_plate(item.text) for item in items) if plate]


def _is_cjk(char: str) -> bool:
    return char in PROVINCES or char in SPECIAL_PREFIXES or "\u4e00" <= char <= "\u9fff"
