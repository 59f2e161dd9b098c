"""`newshound serve` while `newshound run` polls the same database: neither blocks the
other (WAL; serve reads through read-only connections)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from monitor.fixture_site import FixtureSite
from monitor.store import open_database
from tests.support import write_site_config
from tests.web.conftest import MATCHED
from tests.web.server import serving


def test_serve_and_run_on_one_database_block_neither(web_site: FixtureSite, tmp_path: Path) -> None:
    config = write_site_config(web_site, tmp_path)
    open_database(tmp_path / "news.db").close()  # an empty store, as before a first run
    statuses: list[int] = []
    done = threading.Event()
    with serving(config) as base:

        def browse() -> None:
            with httpx.Client(base_url=base, timeout=30) as client:
                while not done.is_set():
                    for path in ("/", "/sources", "/news/articles.json?_shape=array"):
                        statuses.append(client.get(path).status_code)

        reader = threading.Thread(target=browse)
        reader.start()
        try:
            cmd = [sys.executable, "-m", "monitor", "run", "--once", "--config", str(config)]
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
        finally:
            done.set()
            reader.join(timeout=60)
        assert run.returncode == 0, run.stderr[-4000:]
        assert "locked" not in run.stderr
        assert len(statuses) >= 3 and set(statuses) == {200}, statuses
        rows = httpx.get(f"{base}/news/articles.json?matched=1&_shape=array").json()
        assert {urlsplit(r["url"]).path for r in rows} == MATCHED  # serve sees the writes
