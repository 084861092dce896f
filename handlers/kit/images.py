"""What to tell someone whose picture the recognition core refused (any feature that checks
photos: visits, watchlists, reports), keyed by the error's code (recognition/errors.py)."""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import N_, Translator
from recognition import RecognitionCore
from recognition.errors import FaceError, Overloaded, RecognitionError
from recognition.faces.base import FaceResult

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


async def checked_face(
    core: RecognitionCore, data: bytes, t: Translator, problems: Mapping[str, str]
) -> FaceResult | str:
    """The face of a photo that passed the quality gate, else what to tell the sender
    (`problems` maps the face error codes to the feature's own words; its "face_none" is
    the fallback)."""
    try:
        return await core.enrol_face(data)
    except FaceError as exc:
        return t(problems.get(exc.code, problems["face_none"]))
    except Overloaded:
        return t("visit.busy")
    except RecognitionError as exc:
        return image_problem(t, exc, "visit.photo.unreadable")
