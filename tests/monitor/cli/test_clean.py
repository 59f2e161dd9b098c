"""``newshound clean``: paths, stdin, gzip, --json, and errors that name the path."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from click.testing import CliRunner

from monitor.cli.clean import clean

FIXTURES = Path(__file__).parents[3] / "fixtures" / "cleaner"
SEED = FIXTURES / "seed-scraped-article.txt"
PAGE = FIXTURES / "wp-translatepress-en-gas.html"
SEED_TAIL = ("Leave a Reply", "Your email address will not be published", "en_USEnglish")


def run(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(clean, list(args), input=stdin)


def test_seed_prints_title_and_paragraphs_without_the_tail() -> None:
    result = run(str(SEED))
    assert result.exit_code == 0
    assert result.output.startswith("Russia’s Putin hails ‘unprecedented’ ties with China")
    assert result.output.rstrip().endswith("geopolitical landscape of the 21st century.")
    assert not any(line in result.output for line in SEED_TAIL)


def test_html_prints_headline_then_text() -> None:
    result = run(str(PAGE))
    assert result.exit_code == 0
    assert result.output.startswith("Pipeline deal signed as leaders meet in Beijing\n\nRussia")
    assert "Leave a Reply" not in result.output


def test_json_one_object_per_input_including_gzip_and_stdin(tmp_path: Path) -> None:
    gz = tmp_path / "page.html.gz"
    gz.write_bytes(gzip.compress(PAGE.read_bytes()))
    result = run("--json", str(SEED), str(gz), "-", stdin=PAGE.read_bytes())
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.output.splitlines()]
    assert [r["path"] for r in records] == [str(SEED), str(gz), "-"]
    assert set(records[0]) == {"path", "title", "text", "author", "published", "language"}
    assert records[1]["text"] == records[2]["text"]
    assert records[1]["language"] == "en" and records[1]["published"].startswith("2024-05-03")


def test_missing_file_is_an_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.html"
    result = run(str(missing))
    assert result.exit_code == 1
    assert str(missing) in result.output and "Traceback" not in result.output


def test_binary_file_is_an_error_naming_the_path(tmp_path: Path) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(b"%PDF-1.7\n\x00\x01\x02")
    result = run(str(pdf))
    assert result.exit_code == 1
    assert f"{pdf}: binary input (PDF)" in result.output


def test_huge_input_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    big = tmp_path / "big.html"
    big.write_bytes(b"<p>" + b"a" * (50 * 2**20))
    result = run(str(big))
    assert result.exit_code == 1
    assert str(big) in result.output and "at most" in result.output


def test_empty_input_gives_empty_output() -> None:
    result = run("-", stdin=b"")
    assert result.exit_code == 0
    assert result.output == "\n"
