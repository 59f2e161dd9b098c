"""Rule queries: grammar, precedence, evaluation and syntax errors with positions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.config import ConfigError, parse_config
from monitor.query import And, Not, Or, Phrase, QuerySyntaxError, TermRef, parse_query


def test_precedence_is_not_then_and_then_or() -> None:
    query = parse_query("A OR B AND NOT C")
    assert query.root == Or((TermRef("A"), And((TermRef("B"), Not(TermRef("C"))))))


def test_side_by_side_operands_mean_and() -> None:
    assert parse_query('A B "c d"').root == And((TermRef("A"), TermRef("B"), Phrase("c d")))


def test_parentheses_group() -> None:
    query = parse_query('Putin AND (Xi OR SCO) AND NOT "Champions League"')
    assert query.root == And(
        (
            TermRef("Putin"),
            Or((TermRef("Xi"), TermRef("SCO"))),
            Not(Phrase("Champions League")),
        )
    )


def test_term_names_exclude_phrases() -> None:
    query = parse_query('Putin AND (Xi OR SCO) AND NOT "Champions League" OR "Xi"')
    assert query.term_names() == ("Putin", "Xi", "SCO")
    assert query.phrases() == ("Champions League", "Xi")


def test_backticks_name_a_term_with_spaces() -> None:
    query = parse_query("`European Union` AND `NOT`")
    assert query.term_names() == ("European Union", "NOT")


def test_phrase_whitespace_is_collapsed() -> None:
    assert parse_query('"Champions\n   League"').phrases() == ("Champions League",)


def test_apostrophes_belong_to_bare_words() -> None:
    assert parse_query("O'Brien OR Xi").term_names() == ("O'Brien", "Xi")


@pytest.mark.parametrize(
    ("terms", "phrases", "expected"),
    [
        ({"Putin", "Xi"}, set(), True),
        ({"Putin", "SCO"}, set(), True),
        ({"Putin"}, set(), False),
        ({"Putin", "Xi"}, {"Champions League"}, False),
        ({"Xi"}, set(), False),
    ],
    ids=["putin-xi", "putin-sco", "putin-alone", "blocked-by-phrase", "xi-alone"],
)
def test_evaluate(terms: set[str], phrases: set[str], expected: bool) -> None:
    query = parse_query('Putin AND (Xi OR SCO) AND NOT "Champions League"')
    assert query.evaluate(terms, phrases) is expected


@pytest.mark.parametrize(
    ("query", "message", "offset"),
    [
        ("Putin AND (Xi", 'unclosed "(" at position 11', 10),
        ("Putin AND", "query ends at position 10: expected a term", 9),
        ("", "empty query", 0),
        ("   ", "empty query", 0),
        ("Putin)", 'unexpected ")" at position 6', 5),
        ("AND Xi", "unexpected AND at position 1", 0),
        ("Putin OR OR Xi", "unexpected OR at position 10", 9),
        ("()", 'unexpected ")" at position 2', 1),
        ('Putin AND "Champions', "unclosed \" at position 11", 10),
        ('Xi ""', 'empty phrase "" at position 4', 3),
        ("`European Union", "unclosed ` at position 1", 0),
        ("Putin and Xi", '"and" at position 7: operators are written in capitals (AND)', 6),
        ("NOT", "query ends at position 4", 3),
    ],
    ids=[
        "unclosed-paren", "dangling-and", "empty", "blank", "stray-close", "leading-and",
        "double-or", "empty-parens", "unclosed-quote", "empty-phrase", "unclosed-backtick",
        "lowercase-operator", "lone-not",
    ],
)  # fmt: skip
def test_syntax_error_names_the_position(query: str, message: str, offset: int) -> None:
    with pytest.raises(QuerySyntaxError) as info:
        parse_query(query)
    assert message in str(info.value)
    assert info.value.offset == offset


def test_config_error_names_the_rule_and_position() -> None:
    text = """
[[terms]]
name = "Putin"
[[terms]]
name = "Xi"
[[rules]]
name = "summit"
query = "Putin AND (Xi"
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    message = str(info.value)
    assert 'rules[0].query = "Putin AND (Xi"' in message
    assert "position 11" in message


def test_config_error_names_an_unknown_term() -> None:
    text = '[[terms]]\nname = "Putin"\n[[rules]]\nname = "r"\nquery = "Putin AND Xi"\n'
    with pytest.raises(ConfigError, match="unknown term 'Xi'"):
        parse_config(text)


def test_config_accepts_a_quoted_phrase_that_is_not_a_term() -> None:
    text = '[[terms]]\nname = "Putin"\n[[rules]]\nname = "r"\nquery = \'Putin "Xi"\'\n'
    assert parse_config(text).rules[0].query == 'Putin "Xi"'


@given(st.text(max_size=40))
def test_any_text_parses_or_raises_a_syntax_error(query: str) -> None:
    try:
        parsed = parse_query(query)
    except QuerySyntaxError as e:
        assert "position" in str(e) or str(e).startswith("empty")
        assert 0 <= e.offset <= len(query)
    else:
        assert parsed.source == query
