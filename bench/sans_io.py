"""Micro-benchmark of the Sans-I/O layer: this project against upstream websockets 15.0.1.

Usage: python bench/sans_io.py [--rounds N] [--budget SECONDS] [--only TEXT]

The script plays two roles. Run plainly, it is the driver: it makes sure that upstream
websockets is installed in its own virtualenv (bench/.venv-upstream), then runs itself
as a worker under each interpreter in turn, alternating which goes first, and prints the
median of the runs for each case side by side. A worker (--worker) imports whichever
websockets its interpreter has, times every case once and prints the results as JSON.

Only public APIs that both implementations have are used. A case that fails on one side
(e.g. because that part isn't written yet) is reported as "n/a (error: ...)" and skipped
in later rounds; the other cases go on.

"""

from __future__ import annotations

import argparse
import gc
import importlib
import itertools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import FrameType

UPSTREAM_VERSION = "15.0.1"
BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
UPSTREAM_VENV = BENCH_DIR / ".venv-upstream"

KIB = 1024
MIB = 1024 * KIB
FRAME_SIZES = (64, 16 * KIB, MIB)
MASK_SIZES = (16 * KIB, MIB)
DEFLATE_SIZE = 16 * KIB

CASE_TIMEOUT = 10.0
"""Seconds one case may take in a worker before it is abandoned as broken."""

WORKER_TIMEOUT = 600.0
"""Seconds one worker run may take before the driver kills it."""

MAX_ITERATIONS = 10_000_000
"""Upper bound on the iterations of any timed loop, whatever the calibration says."""

REPEATS = 3
"""Timed loops per case per run; the fastest counts, as the others met more interference."""

STEADY_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 * MIB), "MALLOC_TRIM_THRESHOLD_": str(256 * MIB)}
"""glibc settings that keep large buffers on the heap instead of mapping them afresh.

By default, glibc serves a request of about 1 MiB either from the heap or from new
pages, which cost a page fault each, depending on the sizes of the blocks freed before.
Figures for 1 MiB frames then varied tenfold with the order of the cases. These settings
make the allocator behave the same way throughout, for both sides.
"""


# -- Workloads: pure functions of the size, so both sides get the same bytes -------------


def size_label(size: int) -> str:
    if size >= MIB:
        return f"{size // MIB} MiB"
    if size >= KIB:
        return f"{size // KIB} KiB"
    return f"{size} B"


def binary_payload(size: int) -> bytes:
    return random.Random(size).randbytes(size)


def json_text(size: int, seed: int) -> bytes:
    """Return ``size`` bytes of ASCII text that looks like a JSON API response."""
    rng = random.Random(seed)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    records: list[dict[str, object]] = []
    length = 0
    while length < size:
        record: dict[str, object] = {
            "id": rng.randrange(10**9),
            "name": f"{rng.choice(words)}-{rng.choice(words)}-{rng.randrange(1000)}",
            "active": rng.random() < 0.5,
            "score": round(rng.uniform(0, 100), 3),
            "tags": rng.sample(words, 3),
            "updated": f"2025-{rng.randrange(1, 13):02}-{rng.randrange(1, 29):02}T12:00:00Z",
        }
        records.append(record)
        length += len(json.dumps(record)) + 2
    return json.dumps(records).encode()[:size]


def masked_client_frame(opcode: int, payload: bytes, mask: bytes) -> bytes:
    """Encode a final, masked frame by hand, so parse cases don't depend on serialize."""
    length = len(payload)
    if length < 126:
        header = bytes((0x80 | opcode, 0x80 | length))
    elif length < 65536:
        header = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + length.to_bytes(8, "big")
    key = (mask * (length // 4 + 1))[:length]
    masked = int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")
    return header + mask + masked.to_bytes(length, "big")


class WrongResult(Exception):
    """A case produced a result that isn't the expected one."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise WrongResult(message)


# -- Cases: each builder sets up, checks the result once, and returns the timed operation --

Operation = Callable[[], object]


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    unit: str
    """``us/op``: time per operation; ``MB/s``: ``size`` bytes per operation."""
    size: int
    build: Callable[[], Operation]


def build_serialize(size: int) -> Operation:
    from websockets.frames import Frame, Opcode

    payload = binary_payload(size)
    frame = Frame(Opcode.BINARY, payload)
    data = frame.serialize(mask=True)
    # Same header as the hand-made frame; then the mask, which is random, and the payload.
    expected = masked_client_frame(0x2, payload, b"\x00\x00\x00\x00")
    header = len(expected) - size - 4
    expect(data[:header] == expected[:header] and len(data) == len(expected), "header")
    mask = data[header : header + 4]
    expect(data == masked_client_frame(0x2, payload, mask), "masked payload")

    def operation() -> object:
        return frame.serialize(mask=True)

    return operation


def check_events(events: Sequence[object], payload: bytes) -> None:
    expect(len(events) == 1, f"{len(events)} events instead of 1")
    frame = events[0]
    expect(int(getattr(frame, "opcode", -1)) == 0x2, "opcode")
    expect(bytes(getattr(frame, "data", b"")) == payload, "payload")


def build_parse(size: int) -> Operation:
    from websockets.protocol import Protocol, Side

    payload = binary_payload(size)
    data = masked_client_frame(0x2, payload, b"\x5a\xc3\x0f\x96")
    protocol = Protocol(Side.SERVER, max_size=None)
    protocol.receive_data(data)
    check_events(protocol.events_received(), payload)

    def operation() -> object:
        protocol.receive_data(data)
        return protocol.events_received()

    return operation


def build_round_trip(size: int) -> Operation:
    from websockets.frames import Frame, Opcode
    from websockets.protocol import Protocol, Side

    payload = binary_payload(size)
    frame = Frame(Opcode.BINARY, payload)
    protocol = Protocol(Side.SERVER, max_size=None)
    protocol.receive_data(frame.serialize(mask=True))
    check_events(protocol.events_received(), payload)

    def operation() -> object:
        protocol.receive_data(frame.serialize(mask=True))
        return protocol.events_received()

    return operation


def build_mask(module_name: str, size: int) -> Operation:
    apply_mask = importlib.import_module(module_name).apply_mask
    data = binary_payload(size)
    mask = b"\x5a\xc3\x0f\x96"
    expect(apply_mask(apply_mask(data, mask), mask) == data, "involution")
    expect(apply_mask(data[:5], mask) == masked_client_frame(0, data[:5], mask)[6:], "value")

    def operation() -> object:
        return apply_mask(data, mask)

    return operation


def build_deflate(size: int) -> Operation:
    from websockets.extensions.permessage_deflate import PerMessageDeflate
    from websockets.frames import Frame, Opcode

    # Distinct messages: a repeat of the previous one would compress to almost nothing.
    frames = [Frame(Opcode.TEXT, json_text(size, seed)) for seed in range(16)]
    extension = PerMessageDeflate(False, False, 15, 15)
    for frame in frames:
        encoded = extension.encode(frame)
        expect(encoded.rsv1 and len(encoded.data) < size, "compression")
        decoded = extension.decode(encoded)
        expect(bytes(decoded.data) == frame.data and not decoded.rsv1, "round trip")
    cycle = itertools.cycle(frames)

    def operation() -> object:
        return extension.decode(extension.encode(next(cycle)))

    return operation


def all_cases() -> list[Case]:
    cases: list[Case] = []
    frame_builders = [
        ("serialize", "serialize (masked)", build_serialize),
        ("parse", "parse (server Protocol)", build_parse),
        ("both", "serialize + parse", build_round_trip),
    ]
    for size in FRAME_SIZES:
        for key, text, builder in frame_builders:
            label = f"frame {size_label(size)}: {text}"
            cases.append(Case(f"{key}-{size}", label, "us/op", size, partial(builder, size)))
    for size in MASK_SIZES:
        for module, kind in (("websockets.speedups", "C speedups"), ("websockets.utils", "Python")):
            key = f"mask-{module.rsplit('.', 1)[1]}-{size}"
            label = f"apply_mask {size_label(size)}: {kind}"
            cases.append(Case(key, label, "MB/s", size, partial(build_mask, module, size)))
    label = f"permessage-deflate {size_label(DEFLATE_SIZE)} JSON: encode + decode"
    build = partial(build_deflate, DEFLATE_SIZE)
    cases.append(Case(f"deflate-{DEFLATE_SIZE}", label, "us/op", DEFLATE_SIZE, build))
    return cases


# -- Worker -----------------------------------------------------------------------------


class CaseTimeout(Exception):
    """A case ran past CASE_TIMEOUT."""


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise CaseTimeout(f"took more than {CASE_TIMEOUT:.0f} s")


def timed(operation: Operation, iterations: int) -> float:
    start = time.perf_counter()
    for _ in itertools.repeat(None, iterations):
        operation()
    return time.perf_counter() - start


def measure(operation: Operation, budget: float) -> float:
    """Return the seconds per call of ``operation``, from loops lasting ``budget`` in all."""
    target = budget / REPEATS
    iterations = 1
    # Calibrate with growing batches until one lasts a tenth of a timed loop.
    while True:
        elapsed = timed(operation, iterations)
        if elapsed >= target / 10 or iterations >= MAX_ITERATIONS:
            break
        iterations = min(iterations * (10 if elapsed < target / 100 else 2), MAX_ITERATIONS)
    iterations = max(1, min(MAX_ITERATIONS, round(iterations * target / max(elapsed, 1e-9))))
    gc.collect()
    return min(timed(operation, iterations) for _ in range(REPEATS)) / iterations


def describe(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return " ".join(text.split())


def run_worker(budget: float, skip: set[str], only: str | None) -> None:
    results: dict[str, dict[str, object]] = {}
    meta: dict[str, object] = {"python": sys.version.split()[0]}
    try:
        import websockets
        import websockets.version

        meta["websockets"] = websockets.version.version
        meta["path"] = str(Path(websockets.__file__).parent)
    except Exception as error:
        meta["error"] = describe(error)
    try:
        importlib.import_module("websockets.speedups")
    except Exception:
        meta["speedups"] = False
    else:
        meta["speedups"] = True
    alarm = hasattr(signal, "setitimer")
    if alarm:
        signal.signal(signal.SIGALRM, on_alarm)
    for case in all_cases():
        if case.key in skip or (only is not None and only not in case.key):
            continue
        try:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, CASE_TIMEOUT)
            try:
                seconds = measure(case.build(), budget)
            finally:
                if alarm:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        except Exception as error:
            results[case.key] = {"error": describe(error)}
        else:
            results[case.key] = {"seconds": seconds}
    print(json.dumps({"meta": meta, "results": results}))


# -- Driver -----------------------------------------------------------------------------


@dataclass
class Side:
    name: str
    python: Path | None
    meta: dict[str, object]
    seconds: dict[str, list[float]]
    errors: dict[str, str]
    problem: str | None = None
    environment: dict[str, str] | None = None

    def run(self, budget: float, only: str | None) -> None:
        if self.python is None:
            return
        command = [str(self.python), "-I", str(Path(__file__).resolve()), "--worker"]
        command += ["--budget", str(budget), "--skip", ",".join(self.errors)]
        if only is not None:
            command += ["--only", only]
        try:
            completed = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=WORKER_TIMEOUT,
                check=False,
                env=self.environment,
            )
        except subprocess.TimeoutExpired:
            self.problem = f"worker killed after {WORKER_TIMEOUT:.0f} s"
            return
        except OSError as error:
            self.problem = f"worker didn't start: {describe(error)}"
            return
        try:
            report = json.loads(completed.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            detail = " ".join(completed.stderr.strip().splitlines()[-1:])
            self.problem = f"worker failed with exit code {completed.returncode}: {detail}"
            return
        self.meta = report["meta"]
        for key, result in report["results"].items():
            if "error" in result:
                self.errors[key] = result["error"]
            else:
                self.seconds.setdefault(key, []).append(result["seconds"])


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_upstream(venv: Path) -> tuple[Path | None, str | None]:
    """Create the upstream virtualenv if needed; return its interpreter, or why not."""
    python = venv_python(venv)
    step = f"creating {venv.name}"
    try:
        if not python.exists():
            print(f"Creating {venv} with websockets=={UPSTREAM_VERSION}...", file=sys.stderr)
            # The same base interpreter as ours keeps the comparison about websockets alone.
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        probe = "import websockets.version as v; print(v.version)"
        installed = subprocess.run(
            [str(python), "-I", "-c", probe], capture_output=True, text=True, check=False
        )
        if installed.stdout.strip() != UPSTREAM_VERSION:
            step = f"pip install websockets=={UPSTREAM_VERSION}"
            pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
            subprocess.run([*pip, f"websockets=={UPSTREAM_VERSION}"], check=True, timeout=600)
    except subprocess.CalledProcessError as error:
        return None, f"{step} failed with exit code {error.returncode}"
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"{step} failed: {describe(error)}"
    return python, None


def format_figure(case: Case, side: Side) -> str:
    if case.key in side.errors:
        error = side.errors[case.key]
        # The full message is printed under the table.
        return f"n/a (error: {error if len(error) <= 40 else error[:37] + '...'})"
    samples = side.seconds.get(case.key)
    if not samples:
        # The problem, if any, is printed above the table.
        return "n/a (error: see above)" if side.problem else "n/a"
    seconds = statistics.median(samples)
    value = seconds * 1e6 if case.unit == "us/op" else case.size / seconds / 1e6
    spread = (max(samples) - min(samples)) / seconds * 50
    precision = 2 if value < 100 else 1 if value < 1000 else 0
    return f"{value:,.{precision}f} ±{spread:.0f}%"


def format_ratio(case: Case, ours: Side, upstream: Side) -> str:
    if case.key in ours.errors or case.key in upstream.errors:
        return "n/a"
    ours_samples = ours.seconds.get(case.key)
    upstream_samples = upstream.seconds.get(case.key)
    if not ours_samples or not upstream_samples:
        return "n/a"
    # Time per operation and throughput alike: higher means ours is faster.
    return f"{statistics.median(upstream_samples) / statistics.median(ours_samples):.2f}x"


def describe_side(side: Side) -> str:
    if side.python is None:
        return f"{side.name}: unavailable: {side.problem}"
    meta = side.meta
    if "websockets" not in meta:
        return f"{side.name}: {side.python} ({meta.get('error') or side.problem})"
    speedups = "with" if meta.get("speedups") else "without"
    path = Path(str(meta.get("path")))
    if path.is_relative_to(ROOT):
        path = path.relative_to(ROOT)
    text = (
        f"{side.name}: Python {meta.get('python')}, websockets {meta.get('websockets')} "
        f"from {path}, {speedups} the C speedups"
    )
    return f"{text}; {side.problem}" if side.problem else text


def print_table(
    cases: list[Case], ours: Side, upstream: Side, rounds: int, steady_malloc: bool
) -> None:
    rows = [("case", "unit", "ours", "upstream", "ours/upstream")]
    for case in cases:
        rows.append(
            (
                case.label,
                case.unit,
                format_figure(case, ours),
                format_figure(case, upstream),
                format_ratio(case, ours, upstream),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(5)]
    print(f"Sans-I/O micro-benchmark, median of {rounds} alternating runs per side")
    print(f"  {describe_side(ours)}")
    print(f"  {describe_side(upstream)}")
    if steady_malloc:
        print(f"  both with {' '.join(f'{key}={value}' for key, value in STEADY_MALLOC.items())}")
    print()
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        print("  ".join(cells).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    print()
    print("us/op: microseconds per operation, lower is better; MB/s: higher is better;")
    print("±: half the range of the runs around the median. ours/upstream compares speed:")
    print("above 1.00x, ours is faster.")
    errors = [
        (side.name, key, error) for side in (ours, upstream) for key, error in side.errors.items()
    ]
    if errors:
        print()
        print("Errors:")
    for name, key, error in errors:
        print(f"  {name} {key}: {error}")


def run_driver(
    rounds: int, budget: float, only: str | None, ours_python: Path, steady_malloc: bool
) -> None:
    upstream_python, problem = ensure_upstream(UPSTREAM_VENV)
    environment = {**os.environ, **STEADY_MALLOC} if steady_malloc else None
    ours = Side("ours", ours_python, {}, {}, {}, None, environment)
    upstream = Side("upstream", upstream_python, {}, {}, {}, problem, environment)
    cases = [case for case in all_cases() if only is None or only in case.key]
    started = time.perf_counter()
    for index in range(rounds):
        # Alternating the order spreads any drift of the machine over both sides.
        for side in (ours, upstream) if index % 2 == 0 else (upstream, ours):
            side.run(budget, only)
        print(
            f"run {index + 1}/{rounds} done ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
    print_table(cases, ours, upstream, rounds, steady_malloc)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="runs per side (default: 5)")
    parser.add_argument(
        "--budget", type=float, default=0.2, help="seconds per case per run (default: 0.2)"
    )
    parser.add_argument("--only", help="run only the cases whose key contains this text")
    parser.add_argument(
        "--ours",
        type=Path,
        default=venv_python(ROOT / ".venv"),
        help="interpreter with this project installed (default: .venv)",
    )
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="leave glibc's malloc settings alone (figures for 1 MiB frames get erratic)",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args.budget, set(filter(None, args.skip.split(","))), args.only)
    else:
        ours = args.ours if args.ours.exists() else Path(sys.executable)
        run_driver(max(1, args.rounds), args.budget, args.only, ours, not args.default_malloc)


if __name__ == "__main__":
    main()
