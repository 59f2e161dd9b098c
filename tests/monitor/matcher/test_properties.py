"""Properties: an alias at a word boundary anywhere in random text is found, with its offset;
one glued inside a longer word is not."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.config import TermConfig
from monitor.matcher import Matcher

TERMS = (
    TermConfig("Putin", aliases=("Vladimir Putin", "Путин")),
    TermConfig("Xi", aliases=("Xi Jinping",)),
    TermConfig("SCO", aliases=("Shanghai Cooperation Organisation", "ШОС")),
    TermConfig("Erdoğan"),
)
SPACED = [(t.name, s) for t in TERMS for s in t.spellings]
UNSPACED = [("Putin", "普京"), ("Xi", "习近平"), ("Putin", "プーチン")]
MATCHER = Matcher(
    [*TERMS, TermConfig("Putin-cjk", ("普京", "プーチン")), TermConfig("Xi-cjk", ("习近平",))]
)
# One matcher per spelling, for the glued test: "Xi Jinping9" does not contain the alias
# "Xi Jinping" as a word, but does contain the alias "Xi". Exact forms only: "Putina" is an
# inflected form of "Putin" (test_inflection.py), not a glued one.
ALONE = {alias: Matcher([TermConfig(alias, inflect=False)]) for _, alias in SPACED}

# Random prose: words of Latin, Cyrillic and Han letters and digits, with soft hyphens and
# zero-width spaces inside, separated by spaces, newlines, NBSP and punctuation.
WORD = st.text(
    alphabet=st.sampled_from("abcxyzXIOSCOputinжшос习近平普京0123\u00ad\u200b"),
    min_size=1,
    max_size=8,
)
SEPARATOR = st.sampled_from(
    [" ", "  ", "\n\n", "\u00a0", ", ", ". ", " - ", " (", ") ", " “", "” "]
)
PROSE = st.lists(st.tuples(WORD, SEPARATOR), max_size=12).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
BEFORE = st.sampled_from(
    [" ", "\n", "-", "(", "\u00a0", "—", "/", '"', "“", "#", "\u200b", "'", "«", "€", "😀"]
)
AFTER = st.sampled_from(
    [" ", ".", ",", "-", ")", "'s ", "’s ", ":", "\u00a0", "!", "’ ", "\u200b ", "»", "×", "😀"]
)
GLUE = st.text(alphabet=st.sampled_from("abzXж9_"), min_size=1, max_size=3)


def _offsets(text: str, term: str, matcher: Matcher = MATCHER) -> set[int]:
    found = matcher.match(body=text).terms.get(term)
    return {h.offset for h in found.hits} if found else set()


@settings(max_examples=300)
@given(PROSE, st.sampled_from(SPACED), BEFORE, AFTER, PROSE)
def test_alias_at_a_word_boundary_is_found(
    left: str, term_alias: tuple[str, str], before: str, after: str, right: str
) -> None:
    term, alias = term_alias
    text = left + before + alias + after + right
    assert len(left) + len(before) in _offsets(text, term)


@settings(max_examples=300)
@given(PROSE, st.sampled_from(SPACED), GLUE, GLUE, st.booleans(), st.booleans(), PROSE)
def test_alias_glued_inside_a_longer_word_is_not_found(
    left: str,
    term_alias: tuple[str, str],
    prefix: str,
    suffix: str,
    glue_before: bool,
    glue_after: bool,
    right: str,
) -> None:
    _, alias = term_alias
    prefix = prefix if glue_before or not glue_after else ""
    suffix = suffix if glue_after else ""
    at = len(left) + 1 + len(prefix)
    text = left + " " + prefix + alias + suffix + " " + right
    assert at not in _offsets(text, alias, ALONE[alias])


@settings(max_examples=200)
@given(PROSE, st.sampled_from(UNSPACED), GLUE, GLUE, PROSE)
def test_chinese_and_japanese_aliases_match_as_substrings(
    left: str, term_alias: tuple[str, str], prefix: str, suffix: str, right: str
) -> None:
    term, alias = term_alias
    text = left + "的" + alias + "说" + right
    assert len(left) + 1 in _offsets(text, f"{term}-cjk")


# Words and separators with the characters that need care: capitals that fold to another
# length or form (İ, Σ), non-word symbols (€, ×, ⓒ, ½, emoji), letters of two and three
# bytes (é, ⱥ), marks.
RICH_WORD = st.text(
    alphabet=st.sampled_from("abxXIputinПутинжШОСéÉİΣσςßⱥ€×ⓒ½😀ﬁ\u0301\u00ad习平0_'"),
    min_size=1,
    max_size=8,
)
RICH_PROSE = st.lists(st.tuples(RICH_WORD, SEPARATOR), max_size=12).map(
    lambda pairs: "".join(w + s for w, s in pairs)
)
# What an article's text is mostly made of decides how the matcher reads it (mostly ASCII,
# mostly Cyrillic, Korean…); a passage must give the same hits in any of them.
ARTICLES = [
    "The talks went on for a second day. " * 40,
    "Переговоры «продолжились» — в Москве. " * 40,
    "Переговоры продолжились в Москве и закончились поздно вечером, сказал «источник». " * 20,
    "회담은 계속되었다 · 서울에서. " * 20,
    "会谈在北京继续进行。" * 20,
]


def _hits(text: str, shift: int = 0) -> set[tuple[str, str, int, str]]:
    return {
        (h.term, h.alias, h.offset - shift, h.found)
        for match in MATCHER.match(body=text).terms.values()
        for h in match.hits
    }


@settings(max_examples=200)
@given(
    RICH_PROSE,
    st.sampled_from(SPACED + UNSPACED),
    st.one_of(BEFORE, RICH_WORD),
    st.one_of(AFTER, RICH_WORD),
    RICH_PROSE,
)
@example("", ("Putin", "Putin"), "ⱥ", " ", "")  # a letter of three bytes glued to the alias
@example("", ("Putin", "Путин"), "«", "×", "")
def test_a_passage_has_the_same_hits_in_any_article(
    left: str, term_alias: tuple[str, str], before: str, after: str, right: str
) -> None:
    _, alias = term_alias
    passage = left + before + alias + after + right
    alone = _hits(passage)
    for article in ARTICLES:
        assert _hits(article + passage, len(article)) == alone
        assert _hits(passage + " " + article) == alone
