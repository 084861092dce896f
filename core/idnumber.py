"""China resident identity card numbers (GB 11643-1999) and phone numbers: check and mask."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from core.errors import InvalidIdNumber, InvalidPhone
from core.text import normalize

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$")
# Nobody living was born before this; later than today (see `latest_today`) is a typo.
EARLIEST_BIRTH = date(1900, 1, 1)


def latest_today() -> date:
    """The latest calendar date anywhere on Earth now (UTC+14): a newborn is never refused."""
    return (datetime.now(UTC) + timedelta(hours=14)).date()


def _typed_digits(raw: str) -> str:
    """Typed text as `normalize` keeps it (NFKC: full-width Ｘ and ６ become X and 6), with
    any script's decimal digits as ASCII ones and no whitespace at all."""
    value = normalize(raw)
    return "".join(
        str(int(char)) if char.isdecimal() else char for char in value if not char.isspace()
    )


def check_digit(first17: str) -> str:
    """The 18th character that GB 11643 computes from the first seventeen digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize_id_number(raw: str, *, today: date | None = None) -> str:
    """The canonical form (18 ASCII characters, X upper-case) of a typed ID number.

    Full-width digits and letters, spaces and invisible characters are accepted and folded
    away, so the same number always gives the same look-up hash. InvalidIdNumber details:
    "length", "characters", "birth_date" (no such day, before EARLIEST_BIRTH or after `today`,
    by default `latest_today()`), "check_digit".
    """
    value = _typed_digits(raw).upper()
    if len(value) != 18:
        raise InvalidIdNumber("length", length=len(value))
    if not _SHAPE.match(value):
        raise InvalidIdNumber("characters")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber("birth_date") from None
    if not EARLIEST_BIRTH <= born <= (today or latest_today()):
        raise InvalidIdNumber("birth_date")
    if check_digit(value[:17]) != value[17]:
        raise InvalidIdNumber("check_digit")
    return value


def is_valid_id_number(raw: str) -> bool:
    try:
        normalize_id_number(raw)
    except InvalidIdNumber:
        return False
    return True


def mask_id_number(value: str) -> str:
    """Keep the region prefix and the last four: 3301**********1234."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def normalize_phone(raw: str) -> str:
    """The canonical ASCII form of a typed phone (full-width digits fold); else InvalidPhone."""
    value = _typed_digits(raw).replace("(", "").replace(")", "")
    match = _PHONE.match(value)
    if not match:
        raise InvalidPhone("format")
    return match.group(1)


def mask_phone(value: str) -> str:
    """138****5678 for mobiles; landlines keep the area code and the last three."""
    if len(value) == 11 and value.startswith("1"):
        return value[:3] + "****" + value[-4:]
    if len(value) <= 4:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 7) + value[-3:]


def mask_name(name: str) -> str:
    """张三 → 张*, 王小明 → 王**, 欧阳娜娜 → 欧阳** (compound surnames keep two characters)."""
    value = name.strip()
    if len(value) <= 1:
        return "*" * len(value)
    keep = 1 if len(value) <= 3 else 2
    return value[:keep] + "*" * (len(value) - keep)
