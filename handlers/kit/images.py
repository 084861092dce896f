"""What to tell someone whose picture the recognition core refused (any feature that checks
photos: visits, watchlists, reports), keyed by the error's code (recognition/errors.py)."""

from __future__ import annotations

from bot.i18n import N_, Translator
from recognition.errors import RecognitionError

IMAGE_PROBLEMS = {
    "image_empty": N_("recognition.image_empty"),
    "image_not_an_image": N_("recognition.image_not_an_image"),
    "image_unsupported_format": N_("recognition.image_unsupported_format"),
    "image_corrupt": N_("recognition.image_corrupt"),
    "image_too_large": N_("recognition.image_too_large"),
    "image_too_small": N_("recognition.image_too_small"),
    "image_blank": N_("recognition.image_blank"),
}


def image_problem(t: Translator, exc: RecognitionError, otherwise: str) -> str:
    """The words for an image the recognition core refused (`otherwise` for other errors)."""
    return t(IMAGE_PROBLEMS.get(exc.code, otherwise))
