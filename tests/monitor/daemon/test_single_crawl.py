"""A launcher for one crawl (``run --once``): a spawned worker, no fork server."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from pathlib import Path

from monitor.config import load_config
from monitor.daemon.poll import Crawl, CrawlLauncher, wait_crawl

WORLD, ASIA = "Fixture World", "Fixture Asia"


def test_a_single_crawl_stores_in_a_spawned_worker_and_leaves_no_process(
    site_config: Path,
) -> None:
    config = load_config(site_config)

    async def run() -> tuple[Crawl, int]:
        launcher = CrawlLauncher(fork_server=False)
        try:
            crawl = await launcher.start(config, (WORLD, ASIA))
            stat = Path(f"/proc/{crawl.pid}/stat").read_text()
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            await wait_crawl(crawl, lambda _: None, timeout=120, launcher=launcher)
            return crawl, parent
        finally:
            launcher.close()

    crawl, parent = asyncio.run(run())
    assert parent == os.getpid(), "the worker is this process's child: no fork server"
    assert crawl.returncode == 0
    assert crawl.stats["newshound/store/stored"] > 0
    assert multiprocessing.active_children() == []
