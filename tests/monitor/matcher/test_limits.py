"""Limits (issue 23, item 4): a page made of watch terms costs bounded memory, time and
storage (the crawl worker, for a 1.8 MB page of them: at most 150 MB and 5 s of CPU).
Every hit is counted; only the first MAX_HITS are kept per term, the first
MAX_SNIPPETS of them with a snippet; only MAX_MATCHED_CHARS of a field are matched."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from monitor.cleaner import clean_html
from monitor.config import TermConfig
from monitor.fixture_site import FixtureSite, Reply
from monitor.matcher import Matcher
from monitor.matcher.matcher import MAX_MATCHED_CHARS
from monitor.matcher.result import MAX_HITS, MAX_SNIPPETS

ROOT = Path(__file__).parents[3]
TERMS = [
    TermConfig("Putin", aliases=("Путин",)),
    TermConfig("Xi", aliases=("Xi Jinping", "习近平")),
    TermConfig("SCO", aliases=("ШОС",)),
]
DENSE = "Putin met Xi Jinping. Путина и ШОС. 习近平 "  # 4 terms, 5 hits


def _in_child(script: str, *args: object) -> subprocess.CompletedProcess[str]:
    """``script`` run by a Python child of its own: its RUSAGE_CHILDREN then sees only the
    processes it starts."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        capture_output=True, text=True, env=env, check=True, timeout=300,
    )  # fmt: skip


def test_dense_text_keeps_bounded_hits_and_counts_them_all() -> None:
    result = Matcher(TERMS).match(body=DENSE * 20_000)
    putin = result.terms["Putin"]
    assert putin.count == 40_000
    assert len(putin.hits) == MAX_HITS
    assert sum(1 for h in putin.hits if h.snippet) == MAX_SNIPPETS
    assert result.terms["Xi"].count == 40_000 and result.terms["SCO"].count == 20_000
    assert len(json.dumps(result.to_json(), ensure_ascii=False)) < 5_000


def test_text_past_the_matched_limit_is_not_matched() -> None:
    filler = "word " * (MAX_MATCHED_CHARS // 5)
    assert not Matcher(TERMS).match(body=filler + "Putin").matched
    assert Matcher(TERMS).match(body="Putin " + filler).terms["Putin"].count == 1


def test_match_command_on_10_mb_of_watch_terms_stays_small(tmp_path: Path) -> None:
    config = tmp_path / "newshound.toml"
    config.write_text(
        '[[terms]]\nname = "Putin"\naliases = ["Путин"]\n'
        '[[terms]]\nname = "Xi"\naliases = ["Xi Jinping", "习近平"]\n'
        '[[terms]]\nname = "SCO"\naliases = ["ШОС"]\n',
        encoding="utf-8",
    )
    text = tmp_path / "dense.txt"
    text.write_text(DENSE * (10 * 2**20 // len(DENSE.encode())), encoding="utf-8")
    # A child of its own, so its peak memory is the only one RUSAGE_CHILDREN sees.
    script = (
        "import resource, subprocess, sys\n"
        "with open(sys.argv[1], 'rb') as f:\n"
        "    p = subprocess.run(['newshound', 'match', '-c', sys.argv[2], '-'], stdin=f,"
        " capture_output=True)\n"
        "sys.stderr.write(p.stderr.decode())\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "print(p.stdout.decode())\n"
    )
    out = _in_child(script, text, config)
    peak_kb, printed = out.stdout.split("\n", 1)
    assert int(peak_kb) < 200 * 1024, f"peak RSS {int(peak_kb) // 1024} MB"
    result = json.loads(printed)
    matched = text.read_text(encoding="utf-8")[:MAX_MATCHED_CHARS]
    assert (
        result["terms"]["Putin"]["count"]
        == Matcher(TERMS).match(body=matched).terms["Putin"].count
        > 100_000
    )
    assert len(printed) < 5_000


def test_crawl_of_a_page_made_of_watch_terms_stores_bounded_hits(tmp_path: Path) -> None:
    paragraphs = 18_000  # about 1.8 MB of HTML
    body = "".join(
        f"<p>Paragraph {i}: Putin met Xi Jinping again, item {i}.</p>\n" for i in range(paragraphs)
    )
    page = f"<html><head><title>Dense</title></head><body><article>{body}</article></body></html>"
    with FixtureSite(tmp_path) as site:
        feed = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            f"<item><title>Dense</title><link>{site.url('/dense.html')}</link>"
            "<guid>dense</guid></item></channel></rss>"
        )
        site.routes["/feed.xml"] = lambda _: Reply(
            200, feed.encode(), {"Content-Type": "application/rss+xml"}
        )
        site.routes["/dense.html"] = lambda _: Reply(
            200, page.encode(), {"Content-Type": "text/html; charset=utf-8"}
        )
        config = tmp_path / "newshound.toml"
        config.write_text(
            f'[storage]\npath = "{tmp_path / "news.db"}"\n'
            "[network]\nallow_private_addresses = true\n"
            f'[[sources]]\nname = "Dense"\nurl = "{site.url("/feed.xml")}"\n'
            '[[terms]]\nname = "Putin"\n[[terms]]\nname = "Xi"\naliases = ["Xi Jinping"]\n',
            encoding="utf-8",
        )
        # The crawl as a child of a child, so RUSAGE_CHILDREN sees the crawl worker alone.
        script = (
            "import resource, sys\n"
            "from pathlib import Path\n"
            "from monitor.daemon.poll import run_crawl\n"
            "result = run_crawl(Path(sys.argv[1]), timeout=240)\n"
            "sys.stderr.write(result.stderr[-3000:])\n"
            "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(result.returncode, usage.ru_maxrss, usage.ru_utime + usage.ru_stime)\n"
        )
        out = _in_child(script, config)
    returncode, peak_kb, cpu = out.stdout.split()
    assert returncode == "0", out.stderr
    # The worker's own memory and CPU time (not wall-clock time), its start-up included.
    assert int(peak_kb) <= 150 * 1024, f"crawl worker peak RSS {int(peak_kb) // 1024} MB"
    assert float(cpu) <= 5.0, f"crawl worker CPU {float(cpu):.1f} s"
    # Only the first MAX_PAGE_TEXT characters of a page's text are read.
    kept = clean_html(page.encode()).text.count("Putin met Xi Jinping")
    assert 0.4 * paragraphs < kept < paragraphs
    conn = sqlite3.connect(tmp_path / "news.db")
    try:
        rows = conn.execute("SELECT term, count, length(hits), hits FROM matches").fetchall()
    finally:
        conn.close()
    assert {term for term, *_ in rows} == {"Putin", "Xi"}
    for _, count, size, hits in rows:
        assert count == kept
        assert len(json.loads(hits)) == MAX_HITS
        assert size < 50_000


def test_a_lone_surrogate_in_any_field_is_matched_around() -> None:
    """JSON allows "\\ud800" alone; json.loads gives a str Python cannot encode. The
    matcher never raises: it reads such a character as "?" and finds the rest."""
    matcher = Matcher(TERMS)
    result = matcher.match(title="Putin \ud800 met", summary="\udfff", body="Xi Jinping \ud83d.")
    assert set(result.terms) == {"Putin", "Xi"}
    assert result.terms["Putin"].hits[0].field == "title"
