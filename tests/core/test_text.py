"""core.text: one normalisation for typed text; empty and overlong input refused, never cut."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import InvalidInput
from core.text import (
    BIDI_CONTROLS,
    BLANK_LOOKING,
    MAX_NAME,
    clean_block,
    clean_line,
    clean_name,
    is_invisible,
    normalize,
)

ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
# Characters the properties should meet often, beside everything else Unicode has.
TRICKY = sorted(
    {*BIDI_CONTROLS, *BLANK_LOOKING, *ZERO_WIDTH}
    | set(" \t\n\r\x00\x07\x0b\x1c\x85\u2028\u2029\u3000\u00a0\u0301\u00b4\u3099６Ｘｘ，①e张")
)
typed = st.text(st.one_of(st.characters(), st.sampled_from(TRICKY)), max_size=60)


def test_full_width_digits_and_letters_become_ascii() -> None:
    assert normalize("41272６199007080578") == "412726199007080578"
    assert normalize("１３８ １２３４ ５６７８") == "138 1234 5678"
    assert normalize("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"


def test_zero_width_and_bidi_controls_are_removed() -> None:
    assert normalize("张\u200b三\ufeff") == "张三"
    assert normalize("\u202eevil\u202c \u2066name\u2069\u200f") == "evil name"
    assert normalize("Jo\u00adhn\u2060") == "John"
    assert normalize("\u061c\u200e") == ""


def test_whitespace_collapses_on_one_line_and_keeps_paragraphs_in_a_block() -> None:
    assert normalize("  王\u3000\t 小明 \n 同学 ") == "王 小明 同学"
    block = " 第一行  有空格 \r\n\n\n\n第二段\u2028第三行\n \n"
    assert normalize(block, multiline=True) == "第一行 有空格\n\n第二段\n第三行"


def test_free_text_may_keep_its_full_width_punctuation() -> None:
    assert normalize("你好，邻居！") == "你好,邻居!"
    assert normalize("你好，邻居！", compatibility=False) == "你好，邻居！"
    assert normalize("e\u0301", compatibility=False) == "\u00e9"  # still composed (NFC)


@pytest.mark.parametrize(
    "blank",
    ["", "   ", "\u200b", "\u200b\u200c\u200d\ufeff", "\u3164", "\u2800 \u115f", "\u0301", "\n"],
)
def test_what_shows_nothing_is_refused_as_empty(blank: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_name(blank)
    assert (caught.value.detail, caught.value.params) == ("empty", {"field": "name"})


def test_a_long_name_is_refused_not_cut() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_name("长" * 5000)
    assert caught.value.detail == "too_long"
    assert caught.value.params == {"field": "name", "max": MAX_NAME, "length": 5000}
    assert clean_name(" " + "长" * MAX_NAME + "\u200b ") == "长" * MAX_NAME  # the limit fits


def test_lines_and_blocks_name_their_field() -> None:
    assert clean_line(" 群租 隐患 ", field="reason", max_length=5) == "群租 隐患"
    with pytest.raises(InvalidInput) as caught:
        clean_block("a\n\nb", field="text", max_length=3)
    assert caught.value.params == {"field": "text", "max": 3, "length": 4}
    with pytest.raises(InvalidInput) as empty:
        clean_block("\n \u200b\n", field="text", max_length=3)
    assert empty.value.params == {"field": "text"}


@given(text=typed, multiline=st.booleans(), compatibility=st.booleans())
def test_normalize_is_idempotent(text: str, multiline: bool, compatibility: bool) -> None:
    once = normalize(text, multiline=multiline, compatibility=compatibility)
    assert normalize(once, multiline=multiline, compatibility=compatibility) == once


@given(text=typed, compatibility=st.booleans())
def test_one_line_has_no_invisible_characters_and_single_spaces(
    text: str, compatibility: bool
) -> None:
    value = normalize(text, compatibility=compatibility)
    assert not any(is_invisible(char) for char in value)
    assert not any(unicodedata.category(char) == "Cf" for char in value)
    assert not set(value) & BIDI_CONTROLS
    assert all(char == " " or not char.isspace() for char in value)
    assert value == value.strip()
    assert "  " not in value
    form = "NFKC" if compatibility else "NFC"
    assert unicodedata.is_normalized(form, value)


@given(text=typed)
def test_a_block_keeps_trimmed_lines_and_at_most_one_blank_line(text: str) -> None:
    value = normalize(text, multiline=True)
    assert not any(is_invisible(char) for char in value)
    assert "\n\n\n" not in value
    assert value == value.strip()
    assert all(line == " ".join(line.split()) for line in value.split("\n"))


@given(text=typed, max_length=st.integers(1, 40))
def test_clean_line_returns_the_normal_form_within_the_limit_or_says_why(
    text: str, max_length: int
) -> None:
    value = normalize(text)
    # What is left after normalize shows something unless it is whitespace or lone marks.
    shows_something = any(
        not char.isspace() and unicodedata.category(char) not in ("Mn", "Me") for char in value
    )
    if shows_something and len(value) <= max_length:
        assert clean_line(text, field="x", max_length=max_length) == value
        return
    with pytest.raises(InvalidInput) as caught:
        clean_line(text, field="x", max_length=max_length)
    assert caught.value.detail == ("too_long" if shows_something else "empty")
