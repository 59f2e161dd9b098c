"""What a whole word is: apostrophes, hyphens, elisions, scripts without spaces."""

from __future__ import annotations

import pytest

from monitor.matcher.boundaries import ends_word, is_unspaced, is_word_char, starts_word


def test_xi_s_is_xi() -> None:
    assert ends_word("Xi's visit", 2)


def test_xi_an_is_not_xi() -> None:
    assert not ends_word("Xi'an", 2)


def test_xi_s_followed_by_letters_is_not_a_possessive() -> None:
    assert not ends_word("Xi'sa", 2)


def test_trailing_apostrophe_is_punctuation() -> None:
    assert ends_word("'Xi' said", 3)
    assert ends_word("Xi'", 2)


def test_hyphen_splits_words() -> None:
    assert ends_word("Putin-Xi", 5)
    assert starts_word("Putin-Xi", 6)


@pytest.mark.parametrize("text", ["l'OTAN", "d'Erdogan", "qu'Obama", "dell'ONU", "(l'OTAN"])
def test_elision_does_not_join(text: str) -> None:
    assert starts_word(text, text.index("'") + 1)


@pytest.mark.parametrize("text", ["O'Neill", "Ab'Xi", "L'OTAN", "xl'OTAN"])
def test_other_apostrophe_joins_do(text: str) -> None:
    assert not starts_word(text, text.index("'") + 1)


def test_opening_quote_does_not_join() -> None:
    assert starts_word("'Xi", 1)
    assert starts_word(" 'Xi", 2)


def test_han_next_to_latin_is_a_boundary() -> None:
    assert ends_word("Xi访问", 2)
    assert starts_word("访问Xi", 2)


@pytest.mark.parametrize("c", ["习", "プ", "ー", "ก", "々"])
def test_unspaced_scripts(c: str) -> None:
    assert is_unspaced(c)
    assert not is_word_char(c)


@pytest.mark.parametrize("c", ["a", "Z", "7", "_", "ж", "ğ", "ب", "α", "\u0301", "한"])
def test_word_chars(c: str) -> None:
    assert is_word_char(c)


@pytest.mark.parametrize("c", [" ", "-", "'", ".", "«", "—", "/", "#"])
def test_non_word_chars(c: str) -> None:
    assert not is_word_char(c)
