"""The matcher's case table: fixtures/matcher/cases.toml against fixtures/matcher/config.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from monitor.config import load_config
from monitor.matcher import Matcher

FIXTURES = Path(__file__).parents[3] / "fixtures" / "matcher"
CASES: list[dict[str, Any]] = tomllib.loads((FIXTURES / "cases.toml").read_text("utf-8"))["cases"]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    config = load_config(FIXTURES / "config.toml")
    return Matcher(config.terms, config.rules)


def test_table_has_at_least_60_cases_with_unique_ids() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(matcher: Matcher, case: dict[str, Any]) -> None:
    result = matcher.match(
        title=case.get("title", ""), summary=case.get("summary", ""), body=case["text"]
    )
    assert sorted(result.terms) == sorted(case["terms"])
    assert sorted(result.rules) == sorted(case.get("rules", []))
    for term, count in case.get("counts", {}).items():
        assert result.terms[term].count == count
    assert result.matched == bool(case["terms"])
