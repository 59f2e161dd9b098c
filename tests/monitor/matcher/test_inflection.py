"""Inflected forms (fixtures/matcher/inflection.toml): an alias written once in its
dictionary form finds the forms the text uses, in Russian, Ukrainian, Polish, German, French,
Spanish and English, and the look-alike traps stay unmatched."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from monitor.config import TermConfig
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
