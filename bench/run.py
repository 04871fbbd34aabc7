"""Run every benchmark script in bench/, one after the other: the `make bench` entry point.

Usage: python bench/run.py [NAME ...] [-- OPTION ...]

With names (e.g. ``sans_io``, ``asyncio_peers``), runs only those scripts. Options after
``--`` are passed to each script run (e.g. ``asyncio_peers -- --quick``). Exits non-zero
if any script failed, after running the others.

"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent


def scripts() -> list[Path]:
    # Modules whose name starts with an underscore are helpers, not benchmarks.
    return sorted(
        path
        for path in BENCH_DIR.glob("*.py")
        if path.name != Path(__file__).name and not path.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    options: list[str] = []
    if "--" in argv:
        argv, options = argv[: argv.index("--")], argv[argv.index("--") + 1 :]
    selected = scripts()
    if argv:
        selected = [path for path in selected if path.stem in argv]
        unknown = set(argv) - {path.stem for path in selected}
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    failed: list[str] = []
    for path in selected:
        print(f"== {path.relative_to(BENCH_DIR.parent)}", flush=True)
        if subprocess.run([sys.executable, str(path), *options], check=False).returncode != 0:
            failed.append(path.name)
        print(flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
