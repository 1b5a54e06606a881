"""Timing helpers shared by the benchmarks: best-of-N wall time and a ratio to a baseline."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Comparison:
    """One benchmark: our code against a baseline measured in the same run."""

    name: str
    ours_seconds: float
    baseline_name: str
    baseline_seconds: float
    target: float | None = None

    @property
    def ratio(self) -> float:
        return self.ours_seconds / self.baseline_seconds

    def row(self) -> str:
        """A Markdown table row."""
        target = f"≤ {self.target:g}x" if self.target else "—"
        verdict = "" if self.target is None else (" ✔" if self.ratio <= self.target else " ✘")
        return (
            f"| {self.name} | {self.ours_seconds * 1000:.1f} ms | {self.baseline_name} | "
            f"{self.baseline_seconds * 1000:.1f} ms | {self.ratio:.2f}x{verdict} | {target} |"
        )


HEADER = "| benchmark | ours | baseline | baseline time | ratio | target |\n|---|---|---|---|---|---|"


def _times(function: Callable[[], object], repeat: int, setup: Callable[[], object] | None) -> list[float]:
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def best_of(function: Callable[[], object], repeat: int = 5, setup: Callable[[], object] | None = None) -> float:
    """The fastest of ``repeat`` runs (seconds): the least disturbed by the machine."""
    return min(_times(function, repeat, setup))


def median_of(function: Callable[[], object], repeat: int = 5, setup: Callable[[], object] | None = None) -> float:
    """The median of ``repeat`` runs (seconds), for operations with noisy I/O."""
    return statistics.median(_times(function, repeat, setup))


def interleaved(ours: Callable[[], object], baseline: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Best-of times of ``ours`` and ``baseline``, run alternately so drift hits both."""
    ours_times, base_times = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        baseline()
        base_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        ours()
        ours_times.append(time.perf_counter() - start)
    return min(ours_times), min(base_times)
