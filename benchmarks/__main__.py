"""Run every benchmark (``./dev bench``) and print a Markdown table for docs/performance.md.

``./dev bench NAME...`` runs only the modules ``benchmarks/bench_NAME.py``.
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
from pathlib import Path

from benchmarks.harness import HEADER


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if argv:
        names = [n for n in names if n.removeprefix("bench_") in argv]
    print(f"Python {platform.python_version()} on {platform.machine()}, {platform.system()}", file=sys.stderr)
    rows = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        for comparison in module.run():
            rows.append(comparison.row())
            print(comparison.row(), file=sys.stderr, flush=True)
    print(HEADER)
    print("\n".join(rows))
    failed = [r for r in rows if r.endswith("✘ |") or "✘" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
