"""Spoken numbers: parsing the ways people say quantities, words for speech, and homophone-safe read-backs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogue.understanding.numbers import (
    digits_words,
    fit_repeat,
    has_homophone,
    parse_number,
    read_back,
    to_words,
    tokenize,
    with_soundalike,
)

pytestmark = pytest.mark.unit


@given(st.integers(min_value=0, max_value=99_999))
def test_words_round_trip(n: int) -> None:
    assert parse_number(to_words(n)) == n


@given(st.integers(min_value=0, max_value=99_999))
def test_digit_by_digit_round_trip(n: int) -> None:
    digits = str(n).zfill(2)  # a single digit alone is a plain cardinal, covered above
    assert parse_number(digits_words(digits)) == int(digits)


@given(st.integers(min_value=0, max_value=99_999))
def test_digit_strings_round_trip(n: int) -> None:
    assert parse_number(f"{n:,}") == n
    assert parse_number(str(n)) == n


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("one twenty", 120),
        ("one fifty", 150),
        ("a hundred and twenty", 120),
        ("one hundred twenty", 120),
        ("one two zero", 120),
        ("twelve hundred", 1200),
        ("twelve fifty", 1250),
        ("one oh five", 105),
        ("nineteen ninety", 1990),
        ("a dozen", 12),
        ("two dozen", 24),
        ("half a dozen", 6),
        ("two and a half", 2.5),
        ("1,200", 1200),
        ("2.5", 2.5),
        ("a thousand", 1000),
        ("two thousand and five", 2005),
        ("forty-seven", 47),
        ("oh seven", 7),
        ("zero", 0),
    ],
)
def test_spoken_forms(text: str, value: float) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "widgets", "one widget", "hundred hundred", "and"])
def test_not_a_number(text: str) -> None:
    assert parse_number(text) is None


def test_leading_zero_digits_are_kept() -> None:
    from dialogue.understanding.numbers import parse_at

    found = parse_at(tokenize("oh seven"), 0)
    assert found is not None and found.digit_string == "07"


@pytest.mark.parametrize(
    ("n", "words", "digits"),
    [
        (15, "fifteen", "one five"),
        (50, "fifty", "five zero"),
        (13, "thirteen", "one three"),
        (30, "thirty", "three zero"),
        (12, "twelve", ""),
        (120, "one hundred twenty", ""),
        (1315, "one thousand three hundred fifteen", "one three one five"),
    ],
)
def test_read_back_adds_digits_for_homophones(n: int, words: str, digits: str) -> None:
    assert read_back(n) == (words, digits)


@given(st.integers(min_value=0, max_value=99_999))
def test_homophone_rule(n: int) -> None:
    groups = [n // 1000 % 100, n % 100] if n >= 1000 else [n % 100]
    risky = any(13 <= g <= 19 or g >= 30 for g in groups)
    assert has_homophone(n) == risky


@pytest.mark.parametrize(
    ("digits", "length", "fitted"),
    [
        ("888", 2, "88"),
        ("977", 2, "97"),
        ("9977", 2, "9977"),
        ("123", 2, "123"),
        ("97", 2, "97"),
        ("8888", 2, "88"),  # "eight eight" said twice
        ("5757", 2, "57"),
        ("34343", 2, "34"),  # the second copy cut short
        ("5696", 2, "5696"),
        ("121121", 3, "121"),
    ],
)
def test_digits_written_again_are_fitted_only_when_there_is_one_way(
    digits: str, length: int, fitted: str
) -> None:
    assert fit_repeat(digits, length) == fitted


def test_a_digit_soundalike_completes_only_a_tens_figure() -> None:
    assert with_soundalike(20, "free") == 23
    assert with_soundalike(120, "for") == 124
    assert with_soundalike(23, "free") is None  # already has its digit
    assert with_soundalike(15, "to") is None
    assert with_soundalike(20, "kilt") is None
