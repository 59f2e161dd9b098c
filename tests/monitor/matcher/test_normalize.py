"""Normalisation before matching, and the offsets that map back to the original text."""

from __future__ import annotations

import random
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.normalize import (
    _MOVES_NFKC,
    _replace_one_to_one,
    _rewrite_all,
    fold_case,
    normalize_text,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Xi’s", "Xi's"),
        ("“Putin”", '"Putin"'),
        ("Vladimir\u00a0Putin", "Vladimir Putin"),
        ("Vladimir\n\n  Putin", "Vladimir Putin"),
        ("Pu\u00adtin", "Putin"),
        ("Pu\u200b\u200dtin\ufeff", "Putin"),
        ("ＳＣＯ", "SCO"),
        ("ﬁnal", "final"),
        ("Erdog\u0306an", "Erdoğan"),
        ("Putin\u2011Xi", "Putin-Xi"),
        ("习近平，主席", "习近平,主席"),
    ],
    ids=[
        "curly-apostrophe", "curly-quotes", "nbsp", "newlines-and-spaces", "soft-hyphen",
        "zero-width", "full-width", "ligature", "decomposed-accent", "non-breaking-hyphen",
        "full-width-comma",
    ],
)  # fmt: skip
def test_normalized_text(text: str, expected: str) -> None:
    assert normalize_text(text).text == expected


def test_plain_text_keeps_identity_offsets() -> None:
    norm = normalize_text("Putin met Xi.")
    assert [norm.original_offset(i) for i in range(13)] == list(range(13))


@pytest.mark.parametrize(
    "text",
    ["a  b\u00ad\u00adc Xi", "ﬁ ﬁ Xi", "\u200bXi", "x\n\n\nXi", "ＡＢ Xi", "e\u0301e\u0301 Xi"],
    ids=["spaces-and-soft-hyphens", "ligatures", "leading-zero-width", "newlines", "full-width",
         "combining"],
)  # fmt: skip
def test_offsets_map_back_to_the_original(text: str) -> None:
    norm = normalize_text(text)
    start = norm.text.index("Xi")
    assert text[norm.original_offset(start) :].startswith("Xi")


def test_fold_case_keeps_length() -> None:
    assert fold_case("İstanbul") == "istanbul"
    assert len(fold_case("İİ")) == 2
    assert fold_case("ΤΣΊΠΡΑΣ") == fold_case("Τσίπρας")


@given(st.text(max_size=60))
def test_normalize_never_raises_and_offsets_are_monotonic(text: str) -> None:
    norm = normalize_text(text)
    assert len(norm.folded) == len(norm.text)
    offsets = [norm.original_offset(i) for i in range(len(norm.text))]
    assert offsets == sorted(offsets)
    assert all(0 <= o < len(text) for o in offsets)


# Long texts that are not NFKC: a few of "½", "ⓒ", full-width letters, combining marks,
# Hangul jamo, Unicode and removed characters far apart among plain words and runs of spaces.
_PLAIN = ["путин", "Xi", "ШОС", "한국", "习近平。", "é"]
_RARE = [
    "½",
    "ⓒ",
    "ＳＣＯ",
    "ﬁn",
    "a\u00adb",
    "e\u0301",
    "\u11a8",
    "\u3000",
    "\u200b",
    "\u0301",
    " \u3000 ",
    "习近平，",
]
_SEPARATORS = [" ", " ", " ", "  ", "\n\n", "", "   "]


def _long_text(rng: random.Random) -> str:
    words = [
        rng.choice(_RARE) if rng.random() < 1 / 80 else rng.choice(_PLAIN)
        for _ in range(rng.randint(100, 1500))
    ]
    words[rng.randrange(len(words))] = "½"  # at least one change NFKC makes
    return "".join(word + rng.choice(_SEPARATORS) for word in words)


@pytest.mark.parametrize("seed", range(4))
def test_nfkc_windows_give_what_one_pass_over_the_whole_text_gives(seed: int) -> None:
    # normalize_text rewrites only the windows NFKC changes; one pass of the NFKC pattern over
    # the whole text must give the same text and offsets.
    rng = random.Random(seed)
    for _ in range(50):
        same_length = _replace_one_to_one(_long_text(rng))
        whole = _rewrite_all(same_length, [(0, len(same_length), _MOVES_NFKC)])
        windows = normalize_text(same_length)
        assert (windows.text, windows._segments) == (whole.text, whole._segments)


# Text that is NFKC already: removed characters, runs of spaces of every length.
_NFKC_RARE = ["a\u00adb", "\u200b", "x\u200b\u200dy", "\ufeff", "  ", "    ", "\n\n\n"]


@pytest.mark.parametrize("seed", range(4))
def test_text_that_is_nfkc_gets_what_one_pass_over_the_whole_text_gives(seed: int) -> None:
    # Its runs of spaces are collapsed by str.split, its removed characters found by
    # str.find, and its offsets worked out when first asked for: the same text and offsets
    # as one pass of the NFKC pattern.
    rng = random.Random(seed)
    for _ in range(50):
        words = [
            rng.choice(_NFKC_RARE) if rng.random() < 1 / 20 else rng.choice(_PLAIN)
            for _ in range(rng.randint(1, 300))
        ]
        text = "".join(word + rng.choice(_SEPARATORS) for word in words)
        same_length = _replace_one_to_one(text)
        whole = _rewrite_all(same_length, [(0, len(same_length), _MOVES_NFKC)])
        norm = normalize_text(text)
        assert norm.text == whole.text
        offsets = range(len(norm.text) + 1)
        assert [norm.original_offset(i) for i in offsets] == [
            whole.original_offset(i) for i in offsets
        ]


def test_one_full_width_character_in_a_long_chinese_run_keeps_offsets() -> None:
    text = "中国经济" * 300 + "（ＳＣＯ）" + "上海合作组织" + "中国经济" * 300
    norm = normalize_text(text)
    assert norm.text == unicodedata.normalize("NFKC", text)
    start = norm.text.index("(SCO)上海")
    assert norm.original_offset(start) == 1200
    assert text[norm.original_offset(start + 5) :].startswith("上海合作组织")


def test_one_compatibility_character_in_a_long_article_keeps_offsets() -> None:
    text = "Слово за слово. " * 500 + "Рост на ½ процента.\n\n" + "Встреча  Путина и ШОС."
    norm = normalize_text(text)
    assert "Рост на 1⁄2 процента. Встреча Путина" in norm.text
    start = norm.text.index("Путина")
    assert text[norm.original_offset(start) :].startswith("Путина и ШОС.")
