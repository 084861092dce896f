"""Which 18-character readings to believe: GB 11643 plus two cheap plausibility checks.

The check digit catches every single misread digit, but a reader that tries many crops sees
many wrong readings, and about one in eleven random ones passes the checksum. On the synthetic
harsh photos 1-3 per 100 photos did (two to four misread digits) when any one crop could
decide; the province code and a birth year in range reject part of those, and the reader asks
two crops to agree, after which none of 350 passed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from core.idnumber import is_valid_id_number

# First two digits: the provinces of GB/T 2260, plus 71 (Taiwan) and 81-83 (the residence
# permits of Hong Kong, Macao and Taiwan residents).
PROVINCE_CODES = frozenset(
    {
        *range(11, 16),
        *range(21, 24),
        *range(31, 38),
        *range(41, 47),
        *range(50, 55),
        *range(61, 66),
        71,
        81,
        82,
        83,
    }
)
OLDEST_BIRTH_YEAR = 1900


def plausible_id_number(text: str) -> bool:
    """A valid GB 11643 number (shape, date, check digit) with a real province code and a
    birth year between 1900 and this year."""
    if len(text) != 18 or not is_valid_id_number(text):
        return False
    year = int(text[6:10])
    return int(text[:2]) in PROVINCE_CODES and (
        OLDEST_BIRTH_YEAR <= year <= datetime.now(UTC).year
    )


def vote(readings: list[tuple[str, list[float]]], *, min_agree: int) -> tuple[str, float] | None:
    """The plausible reading with the most support among several crops of one line, when at
    least `min_agree` crops read exactly it: (text, share of the crops' summed mean character
    probability), else None."""
    counts: dict[str, int] = defaultdict(int)
    support: dict[str, float] = defaultdict(float)
    for text, probs in readings:
        if probs and plausible_id_number(text):
            counts[text] += 1
            support[text] += sum(probs) / len(probs)
    agreed = [text for text, count in counts.items() if count >= min_agree]
    if not agreed:
        return None
    best = max(agreed, key=lambda text: support[text])
    return best, support[best] / len(readings)


def best_guess(readings: list[tuple[str, list[float]]]) -> tuple[str, float] | None:
    """For a line no crop read plausibly: the most frequent reading of 15 to 20 characters
    (18 first) that fails the checksum, so it is never mistaken for a confirmed number."""
    counts: dict[str, int] = defaultdict(int)
    support: dict[str, float] = defaultdict(float)
    for text, probs in readings:
        if probs and 15 <= len(text) <= 20 and not is_valid_id_number(text):
            counts[text] += 1
            support[text] += sum(probs) / len(probs)
    if not counts:
        return None
    best = max(counts, key=lambda text: (len(text) == 18, counts[text], support[text]))
    return best, support[best] / len(readings)
