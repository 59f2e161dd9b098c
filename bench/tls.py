"""Benchmark: what https adds to an unchanged source's poll, per poll and per connection.

Two warm crawl workers of the daemon's own launcher, one polling 330 loopback feeds over
http and one the same feeds over https (TLS 1.3, a certificate of a CA made for the run,
the system's CA bundle plus that CA as the trust store: ``bench/daemon.py --https``'s
set-up), crawl after crawl, alternating, so both meet the machine at the same speed.
Every answer is a 304. After each crawl, a spider with Scrapy's default settings that
does nothing with the answers (``bench/bare_spider.py``, verifying certificates over https
as newshound does) polls the same feeds over the same scheme. Prints the CPU per poll of
each (as the workers measure a crawl), and what https adds per connection the server
accepted: the handshake, which a poll on the open web pays whole, its feed's server
having closed the last connection long before. That is a difference of two figures times
the polls per connection (6.6), so one run's moves by several ms: the medians of ten.

    python bench/tls.py                 # 10 crawls each
    python bench/tls.py --crawls 20
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
from pathlib import Path

from daemon import Site, bench_config, bench_tls, scrapy_floor

from monitor.config import Config, load_config
from monitor.daemon.poll import CrawlLauncher, wait_crawl


async def crawl(
    launcher: CrawlLauncher, config: Config, site: Site, first: bool
) -> tuple[float, int]:
    """(CPU seconds per poll, connections the server accepted) of one crawl of all
    (every answer a 304 but on the ``first``)."""
    names = tuple(s.name for s in config.sources)
    before = site.connections
    job = await launcher.start(config, names)
    await wait_crawl(job, lambda _: None, launcher=launcher, timeout=600)
    if not first and job.stats.get("newshound/source/unchanged") != len(names):
        raise SystemExit(f"{site.scheme}: not all 304s: {job.stats} {job.log_lines[:3]}")
    return job.stats["cpu_seconds"] / len(names), site.connections - before


async def run(sources: int, crawls: int) -> None:
    tls = bench_tls(Path(tempfile.mkdtemp(prefix="newshound-bench-")))  # before the workers
    plain, secure = Site(sources), Site(sources, tls)
    configs = {s: load_config(bench_config(s, sources, "10m")) for s in (plain, secure)}
    launchers = {plain: CrawlLauncher(idle_workers=1), secure: CrawlLauncher(idle_workers=1)}
    # per row, per scheme: (CPU seconds per poll, polls per connection) of each run
    runs: dict[str, dict[Site, list[tuple[float, float]]]] = {
        row: {plain: [], secure: []} for row in ("newshound", "Scrapy doing nothing")
    }
    try:
        for i in range(crawls + 2):  # two warm-up crawls each: parse, then first 304s
            for site in (plain, secure) if i % 2 else (secure, plain):
                seconds, connections = await crawl(launchers[site], configs[site], site, i == 0)
                if i < 2:
                    continue
                runs["newshound"][site].append((seconds, sources / connections))
                # Scrapy doing nothing on the same 304s, right after (its second pass)
                before = site.connections
                seconds = scrapy_floor(site, sources, sources)
                polls = sources / ((site.connections - before) / 2)
                runs["Scrapy doing nothing"][site].append((seconds, polls))
    finally:
        for launcher in launchers.values():
            launcher.close()
        plain.close()
        secure.close()
    print(f"{sources} feeds on 50 hosts, every answer a 304; {crawls} runs of each over each "
          "scheme, alternating (medians)")  # fmt: skip
    print("CPU per unchanged source     http      https   polls per   https adds per")
    print("                                                connection  connection")
    rows = {row: {site: (statistics.median(r[0] for r in samples),
                         statistics.median(r[1] for r in samples))
                  for site, samples in by_site.items()}
            for row, by_site in runs.items()}  # fmt: skip
    for name, row in rows.items():
        (http, _), (https, polls) = row[plain], row[secure]
        print(f"  {name:<24} {http * 1000:5.2f} ms  {https * 1000:5.2f} ms  {polls:6.1f}"
              f"      {(https - http) * polls * 1000:5.2f} ms")  # fmt: skip
    (http, _), (https, polls) = rows["newshound"][plain], rows["newshound"][secure]
    alone = http + (https - http) * polls
    print(f"newshound, a poll on a connection of its own (as on the open web): "
          f"{alone * 1000:.2f} ms over https, {http * 1000:.2f} ms over http")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=int, default=330)
    ap.add_argument("--crawls", type=int, default=10)
    args = ap.parse_args()
    asyncio.run(run(args.sources, args.crawls))


if __name__ == "__main__":
    main()
