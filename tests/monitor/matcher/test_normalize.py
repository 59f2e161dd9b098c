"""Normalisation before matching, and the offsets that map back to the original text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.normalize import fold_case, normalize_text


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
