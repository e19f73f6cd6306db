"""Wall time of the search view's default search: 20 random trials of the default net, 200 steps
each, run trial by trial as the view runs them (python benchmarks/search_view.py [repeats])."""
import statistics
import sys
import time

from initlab.core.config import Config
from initlab.core.search import Search

SPACE = {"lr": (1e-4, 1.0), "l2": (1e-6, 1e-1)}


def once() -> float:
    t0 = time.perf_counter()
    search = Search(Config(), SPACE, kind="random", trials=20, steps=200)
    while not search.done:
        search.step()
    return time.perf_counter() - t0


if __name__ == "__main__":
    times = [once() for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3)]
    print(f"20 trials x 200 steps, default net: median {statistics.median(times):.1f} s "
          f"(runs: {', '.join(f'{t:.1f}' for t in times)})")
