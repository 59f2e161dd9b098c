"""Poll: one crawl over the sources that are due, as a ``scrapy crawl feeds`` subprocess.

Why a subprocess per tick and not ``AsyncCrawlerRunner`` in the daemon's own reactor:
full isolation. Whatever a hostile page does to lxml, trafilatura or Twisted (memory
fragmentation, a leaked reference, a C-level crash), it dies with the child; the daemon's
memory stays flat for months and a crash costs one tick, not the service. The price is
about 0.5 s of CPU per spawn, which at one tick a minute is noise, and is shared by every
due source in that tick. The child runs exactly what ``scrapy crawl feeds`` runs, so the
one-off and the daemon cannot drift apart.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CrawlResult", "crawl_command", "run_crawl"]

_PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class CrawlResult:
    returncode: int
    stderr: str


def crawl_command(
    config_path: Path | None, *, due: bool = False, url: str | None = None
) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "feeds"]
    if config_path is not None:
        cmd += ["-a", f"config={Path(config_path).resolve()}"]
    if url:
        cmd += ["-a", f"url={url}"]
    if due:
        cmd += ["-a", "due=1"]
    return cmd


def crawl_env() -> dict[str, str]:
    """The child's environment: our settings module, found from any working directory."""
    env = dict(os.environ)
    env["SCRAPY_SETTINGS_MODULE"] = "scraper.settings"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    return env


def run_crawl(
    config_path: Path | None, *, due: bool = False, url: str | None = None, timeout: float = 600
) -> CrawlResult:
    """Run one crawl to completion; the child's log goes to ``CrawlResult.stderr``."""
    proc = subprocess.run(
        crawl_command(config_path, due=due, url=url),
        env=crawl_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return CrawlResult(proc.returncode, proc.stderr)
