"""Benchmark: the response guard's size checks are linear in the body (issue 23.3).

Bodies of 200 KB text runs (under every cap, so every check runs to the end), n runs and
4n runs. Prints the guard's time for each, the 4n/n ratio (4.0 is linear; the old
``re.search(b"[^<]{N}")`` restarted at every position and grew with the square of a run),
and the guard's time per MB against one ``bytes.count`` over the same body (the floor:
one pass that reads every byte), both measured in this run.

    python bench/response_guard.py           # n = 24 runs
    python bench/response_guard.py --runs 48
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from scraper.middlewares.response_guard import BodyLimits, body_too_large

LIMITS = BodyLimits(max_elements=100_000, max_text_run=1024 * 1024, max_text=0)


def body(runs: int) -> bytes:
    return b"<html><body>" + b"".join(b"<p>" + b"x" * 200_000 + b"</p>" for _ in range(runs))


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=24, help="text runs of 200 KB in n")
    n = parser.parse_args().runs
    small, large = body(n), body(4 * n)
    assert body_too_large(large, LIMITS) is None  # every check runs to the end
    t_small = best_of(lambda: body_too_large(small, LIMITS))
    t_large = best_of(lambda: body_too_large(large, LIMITS))
    floor = best_of(lambda: large.count(b"<"))
    mb = len(large) / 1e6
    print(f"guard, {n} runs ({len(small) / 1e6:.1f} MB):  {t_small * 1000:8.2f} ms")
    print(f"guard, {4 * n} runs ({mb:.1f} MB): {t_large * 1000:8.2f} ms")
    print(f"4n / n: {t_large / t_small:.2f}  (4.00 is linear)")
    print(f"guard per MB: {t_large / mb * 1000:.2f} ms, {t_large / floor:.1f}x one bytes.count")


if __name__ == "__main__":
    main()
