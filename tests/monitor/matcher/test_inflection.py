"""Inflected forms (fixtures/matcher/inflection.toml): an alias written once in its
dictionary form finds the forms the text uses, in Russian, Ukrainian, Polish, German, French,
Spanish and English, and the look-alike traps stay unmatched."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from monitor.config import ConfigError, TermConfig, parse_config
from monitor.matcher import Matcher

TABLE = Path(__file__).parents[3] / "fixtures" / "matcher" / "inflection.toml"
CASES: list[dict[str, Any]] = tomllib.loads(TABLE.read_text("utf-8"))["cases"]


def test_table_has_at_least_60_cases_in_seven_languages() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 60 and len(set(ids)) == len(ids)
    assert {i.split("-")[0] for i in ids} >= {"ru", "uk", "pl", "de", "fr", "es", "en"}


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_inflection_case(case: dict[str, Any]) -> None:
    aliases = case["aliases"]
    term = TermConfig(
        name=aliases[0], aliases=tuple(aliases[1:]), inflect=case.get("inflect", True)
    )
    result = Matcher([term]).match(body=case["text"])
    hits = [hit for match in result.terms.values() for hit in match.hits]
    assert [hit.found for hit in hits] == case["found"]
    for hit in hits:  # the offset and the snippet's mark show the form found
        assert case["text"][hit.offset : hit.offset + len(hit.found)] == hit.found
        assert f"«{hit.found}»" in hit.snippet


def _matcher(toml: str) -> Matcher:
    config = parse_config(toml, env={})
    return Matcher(config.terms)


def test_inflect_false_per_alias_keeps_that_alias_exact() -> None:
    matcher = _matcher(
        '[[terms]]\nname = "Putin"\naliases = [{ alias = "Путин", inflect = false }, "Putin"]\n'
    )
    result = matcher.match(body="Встреча Путина; rozmowa z Putinem; Путин уехал.")
    assert [h.found for h in result.terms["Putin"].hits] == ["Putinem", "Путин"]


def test_inflect_false_per_term_and_true_per_alias() -> None:
    matcher = _matcher(
        '[[terms]]\nname = "sanctions"\ninflect = false\n'
        'aliases = ["санкции", { alias = "sankcje", inflect = true }]\n'
    )
    result = matcher.match(body="под санкциями; objęta sankcjami; новые санкции")
    assert [h.found for h in result.terms["sanctions"].hits] == ["sankcjami", "санкции"]


@pytest.mark.parametrize(
    ("term", "error"),
    [
        ('inflect = "no"', r'terms\[0\].inflect = "no": expected true or false'),
        (
            'aliases = [{ alias = "Путин", inflect = "off" }]',
            r'terms\[0\].aliases\[0\].inflect = "off": expected true or false',
        ),
        (
            'aliases = [{ alias = "Путин", inflected = false }]',
            r"terms\[0\].aliases\[0\].inflected: unknown key; did you mean 'inflect'",
        ),
        ("aliases = [{ inflect = false }]", r"terms\[0\].aliases\[0\].alias.*required|missing"),
        ("aliases = [3]", r"terms\[0\].aliases\[0\] = 3: expected a string, or a table"),
    ],
    ids=["term-inflect-not-bool", "alias-inflect-not-bool", "alias-unknown-key",
         "alias-table-without-alias", "alias-not-a-string"],
)  # fmt: skip
def test_bad_inflect_config_is_refused_with_where_and_what(term: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        parse_config(f'[[terms]]\nname = "Putin"\n{term}\n', env={})
