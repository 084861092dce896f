"""Every image error code of the recognition core has its text, in both languages."""

from __future__ import annotations

from bot.i18n import LOCALES, load_catalogues
from recognition.errors import ImageError


def codes(error: type[ImageError]) -> set[str]:
    """The codes of `error`'s subclasses, all the way down (the base's own code is generic)."""
    found: set[str] = set()
    for sub in error.__subclasses__():
        found |= {sub.code} | codes(sub)
    return found


def test_each_image_error_code_has_a_text() -> None:
    expected = {
        "image_empty", "image_not_an_image", "image_unsupported_format", "image_corrupt",
        "image_too_large", "image_too_small", "image_blank",
    }
    assert codes(ImageError) == expected
    catalogues = load_catalogues()
    for locale in LOCALES:
        t = catalogues.translator(locale)
        texts = {t(f"recognition.{code}") for code in expected}
        assert all(t.has(f"recognition.{code}") for code in expected), locale
        assert len(texts) == len(expected), f"{locale}: two codes share a text"
