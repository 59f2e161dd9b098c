"""Benchmark: what https adds to an unchanged source's poll, per poll and per connection.

Two warm crawl workers of the daemon's own launcher, one polling 330 loopback feeds over
http and one the same feeds over https (TLS 1.3, a certificate of a CA made for the run,
the system's CA bundle plus that CA as the trust store: ``bench/daemon.py --https``'s
set-up), crawl after crawl, alternating, so both meet the machine at the same speed.
Every answer is a 304. Prints the median CPU per poll of each (as the workers measure a
crawl), their ratio, and what https adds per connection the server accepted: the
handshake, which a poll on the open web pays whole, its feed's server having closed the
last connection long before.

    python bench/tls.py                 # 10 crawls each
    python bench/tls.py --crawls 20
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
from pathlib import Path

from daemon import Site, bench_tls

from monitor.config import Config, load_config
from monitor.daemon.poll import CrawlLauncher, wait_crawl


def config(site: Site, sources: int, folder: Path) -> Config:
    path = folder / f"{site.scheme}.toml"
    feeds = "".join(f'[[sources]]\nname = "feed {k}"\nurl = "{site.base(k)}/feeds/{k}.rss"\n'
                    for k in range(sources))  # fmt: skip
    path.write_text(
        f'[storage]\npath = "{folder / site.scheme}.db"\n[network]\n'
        'allow_private_addresses = true\n[[terms]]\nname = "Putin"\n' + feeds,
        encoding="utf-8",
    )
    return load_config(path)


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
    folder = Path(tempfile.mkdtemp(prefix="newshound-bench-"))
    tls, trust = bench_tls(folder)
    os.environ["SSL_CERT_FILE"] = str(trust)  # before the fork server starts
    plain, secure = Site(sources), Site(sources, tls)
    configs = {plain: config(plain, sources, folder), secure: config(secure, sources, folder)}
    launchers = {plain: CrawlLauncher(idle_workers=1), secure: CrawlLauncher(idle_workers=1)}
    cpu: dict[Site, list[float]] = {plain: [], secure: []}
    connections: list[int] = []
    try:
        for i in range(crawls + 2):  # two warm-up crawls each: parse, then first 304s
            order = (plain, secure) if i % 2 else (secure, plain)
            for site in order:
                seconds, opened = await crawl(launchers[site], configs[site], site, i == 0)
                if i >= 2:
                    cpu[site].append(seconds)
                    if site is secure:
                        connections.append(opened)
    finally:
        for launcher in launchers.values():
            launcher.close()
        plain.close()
        secure.close()
    http, https = (statistics.median(cpu[s]) for s in (plain, secure))
    per_connection = sources / statistics.median(connections)
    print(f"{sources} feeds on 50 hosts, {crawls} crawls each, alternating")
    print(f"CPU per unchanged source, http:   {http * 1000:.2f} ms")
    print(f"CPU per unchanged source, https:  {https * 1000:.2f} ms   ({https / http:.2f}x)")
    print(f"  polls per https connection:     {per_connection:.1f}")
    print(f"  https adds per connection:      {(https - http) * per_connection * 1000:.2f} ms")
    alone = http + (https - http) * per_connection
    print(f"  a poll on a connection of its own: {alone * 1000:.2f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sources", type=int, default=330)
    ap.add_argument("--crawls", type=int, default=10)
    args = ap.parse_args()
    asyncio.run(run(args.sources, args.crawls))


if __name__ == "__main__":
    main()
