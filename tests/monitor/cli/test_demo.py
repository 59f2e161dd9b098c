"""`newshound demo`: the README's first command prints the matched fixture articles only."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.support import SITE

EXPECTED = json.loads((SITE / "expected.json").read_text(encoding="utf-8"))


def test_demo_prints_matched_articles_and_not_the_traps() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "demo"],
        capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    articles = EXPECTED["articles"]
    matched = [path for path, info in articles.items() if info["terms"]]
    unmatched = [path for path, info in articles.items() if not info["terms"]]
    for path in matched:
        assert path in out, f"{path} missing from the demo's output"
        for term in articles[path]["terms"]:
            assert term in out
    for path in unmatched:
        assert path not in out, f"trap or non-matching {path} printed"
    assert "«" in out  # snippets mark the hit
    assert f"{len(matched)} of {len(articles)} articles matched" in result.stderr
