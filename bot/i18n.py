"""Gettext catalogues (Babel) and the per-update `Translator`.

Conventions (see also `locales/README.md`):

* **msgids are dotted keys**, never English sentences: ``_("start.welcome", name=…)``. The text
  of *both* languages lives in the catalogues (`locales/zh_CN/…/messages.po` and
  `locales/en/…/messages.po`); every key has a non-empty translation in both (a test checks it).
  Keys group by feature (``start.``, ``help.``, ``menu.``, ``error.``, ``command.`` …); a domain
  error's message is ``error.<DomainError.code>``.
* **Placeholders** use `str.format` braces: ``{name}``. Every ``str`` parameter is HTML-escaped
  when it is substituted (messages go out in HTML parse mode); pass `markupsafe.Markup` for a
  fragment that is already HTML. Translations may use Telegram's HTML tags (``<b>``, ``<i>``).
* **Plurals**: ``ngettext("x.count", "x.count.plural", n)``; ``{n}`` is always available.
* **Marking without translating** (tables of labels): ``N_("menu.visit")`` returns the key; the
  translator turns it into text later.
* The `.po` files are compiled in memory when they are first loaded (`read_po` + `write_mo`);
  there is no separate `.mo` build step. Fuzzy entries are ignored.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from markupsafe import escape

log = logging.getLogger(__name__)

LOCALES: tuple[str, ...] = ("zh_CN", "en")
FALLBACK_LOCALE = "en"
LOCALES_DIR = Path(__file__).resolve().parents[1] / "locales"
DOMAIN = "messages"
SHORT_DATETIME = {"zh_CN": "M月d日 HH:mm", "en": "d MMM HH:mm"}
# Dates without a time: with the year, the day alone (this year's lists), a chart's axis tick.
DATE_PATTERNS = {
    "year": {"zh_CN": "y年M月d日", "en": "d MMM y"},
    "day": {"zh_CN": "M月d日", "en": "d MMM"},
    "tick": {"zh_CN": "M/d", "en": "d MMM"},
}
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
# Telegram's setMyCommands takes a two-letter ISO 639-1 code.
TELEGRAM_LANGUAGE = {"zh_CN": "zh", "en": "en"}


def N_(msgid: str) -> str:
    """Mark a key for extraction without translating it now."""
    return msgid


def normalize_locale(code: str | None) -> str | None:
    """Map a Telegram `language_code` or a saved choice to a supported locale, else None."""
    if not code:
        return None
    value = code.strip().replace("_", "-").lower()
    if value == "zh" or value.startswith("zh-"):
        # zh, zh-cn, zh-hans, zh-hans-cn … (Traditional Chinese readers still read 简体 best
        # among what we offer.)
        return "zh_CN"
    if value == "en" or value.startswith("en-"):
        return "en"
    return None


def resolve_locale(saved: str | None, language_code: str | None, default: str) -> str:
    """The member's saved choice, else Telegram's language_code, else the configured default."""
    return normalize_locale(saved) or normalize_locale(language_code) or default


class _Params(dict[str, Any]):
    """Format parameters that leave an unknown ``{placeholder}`` visible instead of failing."""

    def __missing__(self, key: str) -> str:
        log.warning("translation placeholder {%s} has no value", key)
        return "{" + key + "}"


_FORMATTER = string.Formatter()


def _format(text: str, params: Mapping[str, Any]) -> str:
    if not params:
        return text
    safe = _Params({k: escape(v) if isinstance(v, str) else v for k, v in params.items()})
    try:
        return _FORMATTER.vformat(text, (), safe)
    except (ValueError, IndexError) as exc:
        log.warning("cannot format translation %r: %s", text, exc)
        return text


class Translator:
    """Text of one locale: ``t("key", name=…)``, plurals, short local dates."""

    def __init__(self, locale: str, translations: NullTranslations, zone: ZoneInfo) -> None:
        self.locale = locale
        self.zone = zone
        self._translations = translations

    def gettext(self, msgid: str, /, **params: Any) -> str:
        text = self._translations.gettext(msgid)
        if text == msgid:
            log.warning("no translation for %r in %s", msgid, self.locale)
        return _format(text, params)

    __call__ = gettext

    def has(self, msgid: str) -> bool:
        """Whether either catalogue translates `msgid` (for keys built at run time)."""
        return bool(self._translations.gettext(msgid) != msgid)

    def ngettext(self, singular: str, plural: str, n: int, /, **params: Any) -> str:
        text = self._translations.ngettext(singular, plural, n)
        if text in (singular, plural):
            log.warning("no translation for %r in %s", singular, self.locale)
        return _format(text, {"n": n, **params})

    def short_datetime(self, value: datetime) -> str:
        """zh_CN: 11月28日 14:05; en: 28 Nov 14:05 (in the community's time zone)."""
        if value.tzinfo is None:
            raise ValueError("short_datetime needs a timezone-aware datetime")
        pattern = SHORT_DATETIME.get(self.locale, SHORT_DATETIME["en"])
        return format_datetime(value, pattern, tzinfo=self.zone, locale=self.locale)

    def short_date(self, value: date, style: Literal["year", "day", "tick"] = "year") -> str:
        """zh_CN: 2026年11月28日 / 11月28日 / 11/28; en: 28 Nov 2026 / 28 Nov / 28 Nov."""
        patterns = DATE_PATTERNS[style]
        return format_date(value, patterns.get(self.locale, patterns["en"]), locale=self.locale)

    @property
    def telegram_language(self) -> str:
        return TELEGRAM_LANGUAGE[self.locale]


def read_catalogue(paths: Sequence[Path], locale: str) -> Catalog:
    """The `.po` files of one locale merged into one catalogue (a key in two files is refused).

    Each feature may keep its own file beside `messages.po` (`admin.po`, `reports.po` …), so
    features added side by side never edit the same file.
    """
    merged: Catalog | None = None
    for path in paths:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale, domain=DOMAIN)
        if merged is None:
            merged = catalog
            continue
        for message in catalog:
            if not message.id:
                continue
            if message.id in merged:
                raise ValueError(f"{path.name}: {message.id!r} is already in another .po file")
            merged[message.id] = message
    if merged is None:
        raise FileNotFoundError(f"no .po file for {locale}")
    return merged


def compile_po(paths: Path | Sequence[Path], locale: str) -> Translations:
    """Compile a locale's `.po` files to gettext translations in memory."""
    catalog = read_catalogue([paths] if isinstance(paths, Path) else paths, locale)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def po_path(locale: str, directory: Path = LOCALES_DIR) -> Path:
    return directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def po_paths(locale: str, directory: Path = LOCALES_DIR) -> list[Path]:
    """`messages.po` first, then the features' own files in name order."""
    folder = directory / locale / "LC_MESSAGES"
    main = po_path(locale, directory)
    return [main, *sorted(p for p in folder.glob("*.po") if p != main)]


class Catalogues:
    """Both compiled catalogues; zh_CN falls back to en, then to the key itself."""

    def __init__(self, directory: Path = LOCALES_DIR) -> None:
        self.directory = directory
        self._translations: dict[str, Translations] = {
            locale: compile_po(po_paths(locale, directory), locale) for locale in LOCALES
        }
        fallback = self._translations[FALLBACK_LOCALE]
        for locale, translations in self._translations.items():
            if locale != FALLBACK_LOCALE:
                translations.add_fallback(fallback)

    def translator(self, locale: str, zone: ZoneInfo | None = None) -> Translator:
        if locale not in self._translations:
            raise ValueError(f"unsupported locale {locale!r}")
        return Translator(locale, self._translations[locale], zone or ZoneInfo("Asia/Shanghai"))


@lru_cache(maxsize=4)
def load_catalogues(directory: Path = LOCALES_DIR) -> Catalogues:
    """The catalogues, compiled once per process."""
    return Catalogues(directory)
