"""The catalogues are complete in both languages, and the code only uses keys they have."""

from __future__ import annotations

import re
import string
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from markupsafe import Markup

from bot.i18n import (
    LOCALES,
    LOCALES_DIR,
    load_catalogues,
    po_paths,
    read_catalogue,
    resolve_locale,
)

REPO = Path(__file__).resolve().parents[2]
KEYWORDS = {"t": None, "_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")


def catalogue(locale: str) -> Catalog:
    return read_catalogue(po_paths(locale), locale)


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list | tuple) else []


def msgid(value: object) -> str:
    return value if isinstance(value, str) else strings(value)[0]


def entries(locale: str) -> dict[str, list[str]]:
    return {msgid(m.id): strings(m.string) for m in catalogue(locale) if m.id}


def placeholders(texts: list[str]) -> set[str]:
    return {name for t in texts for _, name, _, _ in string.Formatter().parse(t) if name}


def test_every_key_is_translated_in_both_languages() -> None:
    zh, en = entries("zh_CN"), entries("en")
    assert set(zh) == set(en), set(zh) ^ set(en)
    for locale in LOCALES:
        for message in catalogue(locale):
            if not message.id:
                continue
            assert KEY.match(msgid(message.id)), message.id
            texts = strings(message.string)
            assert texts, f"{locale}: {message.id} has no translation"
            assert all(s.strip() for s in texts), f"{locale}: {message.id} is empty"
            assert not message.fuzzy, f"{locale}: {message.id} is fuzzy"
    for key in zh:
        assert placeholders(zh[key]) == placeholders(en[key]), key


def test_the_code_uses_only_keys_the_catalogues_have() -> None:
    known = set(entries("en"))
    used: dict[str, str] = {}
    method_map = [("sandbox/**", "ignore"), ("**.py", "python")]
    for folder in ("bot", "handlers"):
        for filename, lineno, message, _c, _x in extract_from_dir(
            REPO / folder, method_map=method_map, keywords=KEYWORDS
        ):
            msgid = message if isinstance(message, str) else message[0]
            if msgid:
                used[msgid] = f"{folder}/{filename}:{lineno}"
    assert len(used) > 50  # the scan really found the code's keys
    missing = {key: where for key, where in used.items() if key not in known}
    assert not missing, f"keys used in code but missing from the catalogues: {missing}"


def test_catalogues_load_from_the_po_files() -> None:
    catalogues = load_catalogues()
    assert catalogues.directory == LOCALES_DIR
    zh, en = catalogues.translator("zh_CN"), catalogues.translator("en")
    assert zh("error.apology", phone="110").startswith("😔 <b>抱歉，出了点问题……</b>")
    assert en("menu.back") == "⬅️ Back"
    assert zh("no.such.key") == "no.such.key"  # visible, not a crash
    assert not zh.has("no.such.key")


def test_parameters_are_escaped_unless_marked_safe() -> None:
    t = load_catalogues().translator("en")
    text = t("start.card", address="<b>1 & 2</b>", community="X", phone="1")
    assert "&lt;b&gt;1 &amp; 2&lt;/b&gt;" in text
    assert "<b>X</b>" not in text
    assert "<i>ok</i>" in t("start.contact", community=Markup("<i>ok</i>"), phone="1")
    assert "{phone}" in t("start.contact", community="X")  # a missing value stays visible


@pytest.mark.parametrize(
    ("saved", "language_code", "expected"),
    [
        (None, "zh", "zh_CN"),
        (None, "zh-hans", "zh_CN"),
        (None, "zh-CN", "zh_CN"),
        (None, "zh-Hans-CN", "zh_CN"),
        (None, "en", "en"),
        (None, "en-GB", "en"),
        (None, "fr", "zh_CN"),
        (None, None, "zh_CN"),
        ("en", "zh-hans", "en"),
        ("zh_CN", "en", "zh_CN"),
    ],
)
def test_locale_resolution(saved: str | None, language_code: str | None, expected: str) -> None:
    assert resolve_locale(saved, language_code, "zh_CN") == expected


def test_short_local_dates() -> None:
    catalogues = load_catalogues()
    moment = datetime(2024, 11, 28, 6, 5, tzinfo=UTC)  # 14:05 in Shanghai
    assert catalogues.translator("zh_CN").short_datetime(moment) == "11月28日 14:05"
    assert catalogues.translator("en").short_datetime(moment) == "28 Nov 14:05"
    with pytest.raises(ValueError, match="timezone-aware"):
        catalogues.translator("en").short_datetime(datetime(2024, 1, 1))  # noqa: DTZ001


def test_plurals_and_compilation_from_a_fresh_directory(tmp_path: Path) -> None:
    from bot.i18n import Catalogues

    headers = {"zh_CN": "nplurals=1; plural=0;", "en": "nplurals=2; plural=(n != 1);"}
    texts = {"zh_CN": ["{n} 户超期"], "en": ["{n} house overdue", "{n} houses overdue"]}
    for locale in LOCALES:
        folder = tmp_path / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        strings = "\n".join(f'msgstr[{i}] "{s}"' for i, s in enumerate(texts[locale]))
        (folder / "messages.po").write_text(
            f'msgid ""\nmsgstr ""\n"Plural-Forms: {headers[locale]}\\n"\n\n'
            f'msgid "x.overdue"\nmsgid_plural "x.overdue.plural"\n{strings}\n',
            encoding="utf-8",
        )
    catalogues = Catalogues(tmp_path)
    en, zh = catalogues.translator("en"), catalogues.translator("zh_CN")
    assert en.ngettext("x.overdue", "x.overdue.plural", 1) == "1 house overdue"
    assert en.ngettext("x.overdue", "x.overdue.plural", 3) == "3 houses overdue"
    assert zh.ngettext("x.overdue", "x.overdue.plural", 3) == "3 户超期"


def test_a_features_own_po_file_joins_the_catalogue_and_may_not_repeat_a_key(
    tmp_path: Path,
) -> None:
    from bot.i18n import Catalogues

    def write(locale: str, name: str, body: str) -> None:
        folder = tmp_path / locale / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(f'msgid ""\nmsgstr ""\n\n{body}', encoding="utf-8")

    for locale in LOCALES:
        write(locale, "messages.po", f'msgid "a.one"\nmsgstr "one {locale}"\n')
        write(locale, "feature.po", f'msgid "b.two"\nmsgstr "two {locale}"\n')
    assert Catalogues(tmp_path).translator("en")("b.two") == "two en"
    write("en", "other.po", 'msgid "a.one"\nmsgstr "again"\n')
    with pytest.raises(ValueError, match=r"a\.one"):
        Catalogues(tmp_path)
