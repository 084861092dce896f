"""Typed text, normalised once before anything checks or stores it.

Everything a person types (a name, an ID number, a phone, a reason, a message) goes through
`normalize` first, so that what is checked is what is stored and what is compared:

1. invisible characters are dropped: format characters (Unicode category Cf: zero-width space
   and joiners, BOM, soft hyphen, word joiner, every bidirectional control …), control
   characters other than whitespace, stray surrogates, and the Hangul fillers and braille
   blank that people paste to make a name look empty;
2. Unicode NFKC folds compatibility forms (full-width digits and letters, ligatures), so
   ``41272６…`` is the same ID number as ``412726…``; free text may ask for NFC instead
   (``compatibility=False``) to keep the writer's full-width Chinese punctuation;
3. whitespace: a single-line field collapses every run to one space and is trimmed; a
   multi-line text keeps its line breaks, trims each line, and keeps at most one blank line
   between paragraphs.

`clean_line`, `clean_block` and `clean_name` then refuse what is left empty
(``InvalidInput("empty", field=…)``) or too long (``InvalidInput("too_long", field=…, max=…,
length=…)``); nothing is ever cut silently. The errors carry no part of the text itself.
"""

from __future__ import annotations

import unicodedata

from core.errors import InvalidInput

MAX_NAME = 80

# Every bidirectional control: marks, embeddings and overrides, isolates, the Arabic letter
# mark. All are category Cf today; listed so that the rule does not hang on that.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Letters and symbols that render as nothing (Hangul fillers, braille blank).
BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# What may be left once invisible characters are gone and still show nothing on its own.
_SHOWS_NOTHING = frozenset({"Mn", "Me", "Zs", "Zl", "Zp", "Cc"})


def is_invisible(char: str) -> bool:
    """Whether `normalize` drops this character (one code point)."""
    category = unicodedata.category(char)
    return (
        category in ("Cf", "Cs")
        or (category == "Cc" and not char.isspace())
        or char in BIDI_CONTROLS
        or char in BLANK_LOOKING
    )


def normalize(text: str, *, multiline: bool = False, compatibility: bool = True) -> str:
    """The text as it is checked and stored; may be empty (the `clean_*` functions refuse)."""
    visible = "".join(char for char in text if not is_invisible(char))
    folded = unicodedata.normalize("NFKC" if compatibility else "NFC", visible)
    if not multiline:
        return " ".join(folded.split())
    lines: list[str] = []
    for raw in folded.splitlines():
        line = " ".join(raw.split())
        if line or (lines and lines[-1]):  # at most one blank line in a row
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


def clean_line(text: str, *, field: str, max_length: int, compatibility: bool = True) -> str:
    """A single-line field, normalised; InvalidInput "empty" or "too_long" (with `max`)."""
    return _checked(normalize(text, compatibility=compatibility), field, max_length)


def clean_block(text: str, *, field: str, max_length: int, compatibility: bool = True) -> str:
    """A multi-line text (a message), normalised; InvalidInput "empty" or "too_long"."""
    value = normalize(text, multiline=True, compatibility=compatibility)
    return _checked(value, field, max_length)


def clean_name(text: str) -> str:
    """A person's or member's name: one line of 1 to MAX_NAME characters."""
    return clean_line(text, field="name", max_length=MAX_NAME)


def _checked(value: str, field: str, max_length: int) -> str:
    if all(unicodedata.category(char) in _SHOWS_NOTHING for char in value):
        raise InvalidInput("empty", field=field)
    if len(value) > max_length:
        raise InvalidInput("too_long", field=field, max=max_length, length=len(value))
    return value
