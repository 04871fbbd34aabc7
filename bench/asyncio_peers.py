"""Benchmark of the asyncio API, server and client in separate processes, against upstream.

Usage: python bench/asyncio_peers.py [--quick] [--rounds N] [--budget SECONDS] [--only TEXT]
                                     [--pin same|split|none]

The script plays three roles. Run plainly, it is the driver: it makes sure that upstream
websockets 15.0.1 is installed in bench/.venv-upstream (as bench/sans_io.py does), then,
for each side (this project, upstream) in alternating order, starts an echo server in a
subprocess (--serve), runs a client worker in another subprocess (--client) that times
the cases against it and prints the results as JSON, and stops the server by its PID.
Both processes of a side run the same interpreter, hence the same websockets. The table
shows the median of the runs for each figure, side by side.

Both processes listen or connect on 127.0.0.1 only. Besides the WebSocket port, the
server opens a small line-based control port, served by plain asyncio streams, so that
the client can read the server's CPU time and RSS, count its connections and ask it to
broadcast, without depending on the WebSocket implementation under test.

A case that fails on one side (e.g. because that part isn't written yet) is reported as
"n/a (error: ...)" and skipped in later rounds; the other cases go on.

"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib
import itertools
import json
import os
import random
import resource
import selectors
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
HOST = "127.0.0.1"

KIB = 1024
MIB = 1024 * KIB
MAX_SIZE = 2 * MIB
"""``max_size`` on both ends: room for the 1 MiB messages."""

SMALL_MESSAGE = "0123456789abcdef" * 4
"""64 B of text for the round trips, the pipeline and the broadcast."""

BINARY_SIZE = MIB
DEFLATE_SIZE = 16 * KIB
PIPELINE_BATCH = 1000
"""Messages sent without waiting before reading their echoes, per batch."""

IDLE_CONNECTIONS = 1000
CONNECT_CONCURRENCY = 50
"""Connections opened concurrently while setting up the idle connections."""

CAPS = {
    "round-trip": 200_000,
    "pipelined": 2_000_000,
    "binary": 10_000,
    "deflate": 100_000,
    "handshake": 10_000,
    "raw": 1_000_000,
}
"""Upper bound on the messages (or handshakes) of each timed loop, whatever the budget."""

CASE_MARGIN = 30.0
"""Seconds a timed case may run past its budget before it is abandoned as broken."""

IDLE_TIMEOUT = 150.0
"""Seconds the idle-connections case may take before it is abandoned as broken."""

CLOSE_TIMEOUT = 20.0
"""Seconds allowed to close the idle connections at the end of their case."""

SERVER_START_TIMEOUT = 30.0
"""Seconds a server process may take to report its ports."""

SERVER_LIFETIME = 900.0
"""Seconds after which a server stops by itself, should the driver be gone."""

STEADY_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 * MIB), "MALLOC_TRIM_THRESHOLD_": str(256 * MIB)}
"""The glibc settings of bench/sans_io.py, for the same reason: steady 1 MiB buffers."""


class WrongResult(Exception):
    """A case produced a result that isn't the expected one."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise WrongResult(message)


class ServerError(Exception):
    """The server answered a control command with an error."""


class Partial(Exception):
    """A case got some of its figures, then a part of it failed."""

    def __init__(self, metrics: dict[str, float], part: str, error: BaseException) -> None:
        super().__init__(part, error)
        self.metrics = metrics
        self.part = part
        self.error = error


def describe(error: BaseException) -> str:
    if isinstance(error, ServerError):
        text = f"{error} (in the server)"
    else:
        text = f"{type(error).__name__}: {error}"
    return " ".join(text.split())


def json_text(size: int, seed: int) -> str:
    """Return ``size`` characters of ASCII text that looks like a JSON API response."""
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
    return json.dumps(records)[:size]


def raise_open_files(needed: int) -> None:
    """Raise the soft limit on open files towards ``needed``, up to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def rss_bytes() -> int:
    """Return the resident set size of this process (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def websockets_meta() -> dict[str, object]:
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
    return meta


# -- Server process -----------------------------------------------------------------------


class EchoProtocol(asyncio.Protocol):
    """The reference: a plain TCP echo, no WebSocket."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.transport.write(data)


class Control:
    """The server's side of the control port: one JSON reply per command line."""

    def __init__(self, connections: set[Any], broadcast: Callable[..., None] | None) -> None:
        self.connections = connections
        self.broadcast = broadcast

    def reply(self, command: str) -> dict[str, object]:
        if command == "cpu":
            return {"cpu": time.process_time()}
        if command == "memory":
            gc.collect()
            return {"rss": rss_bytes()}
        if command == "count":
            return {"count": len(self.connections)}
        if command == "broadcast" and self.broadcast is not None:
            start = time.perf_counter()
            self.broadcast(self.connections, SMALL_MESSAGE)
            return {"seconds": time.perf_counter() - start}
        return {"error": f"unknown command: {command}"}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    reply = self.reply(line.decode().strip())
                except Exception as error:
                    reply = {"error": describe(error)}
                writer.write(json.dumps(reply).encode() + b"\n")
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()


def announce(report: dict[str, object]) -> None:
    print(json.dumps(report), flush=True)


async def run_server(mode: str) -> None:
    meta = websockets_meta()
    raise_open_files(IDLE_CONNECTIONS + 200)
    loop = asyncio.get_running_loop()
    connections: set[Any] = set()
    server: Any
    try:
        if mode == "raw":
            control = Control(connections, None)
            server = await loop.create_server(EchoProtocol, HOST, 0)
        else:
            module = importlib.import_module("websockets.asyncio.server")
            control = Control(connections, module.broadcast)

            async def echo(websocket: Any) -> None:
                connections.add(websocket)
                try:
                    async for message in websocket:
                        await websocket.send(message)
                finally:
                    connections.discard(websocket)

            server = await module.serve(echo, HOST, 0, max_size=MAX_SIZE)
        port = server.sockets[0].getsockname()[1]
        control_server = await asyncio.start_server(control.handle, HOST, 0)
        control_port = control_server.sockets[0].getsockname()[1]
    except Exception as error:
        announce({"error": describe(error), "meta": meta})
        return
    announce({"port": port, "control": control_port, "meta": meta, "pid": os.getpid()})
    # The driver stops this process by PID; should the driver die first, stop anyway.
    parent = os.getppid()
    deadline = time.monotonic() + SERVER_LIFETIME
    while os.getppid() == parent and time.monotonic() < deadline:
        await asyncio.sleep(1)


# -- Client worker ------------------------------------------------------------------------


class ControlClient:
    """The client's side of the server's control port."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> ControlClient:
        reader, writer = await asyncio.open_connection(HOST, port)
        return cls(reader, writer)

    async def ask(self, command: str) -> dict[str, Any]:
        self.writer.write(command.encode() + b"\n")
        await self.writer.drain()
        line = await self.reader.readline()
        if not line:
            raise ConnectionError("server control port closed")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise ServerError(reply["error"])
        return reply

    async def cpu(self) -> float:
        return float((await self.ask("cpu"))["cpu"])

    async def wait_for_count(self, count: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while (current := (await self.ask("count"))["count"]) != count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"server has {current} connections, expected {count}")
            await asyncio.sleep(0.02)

    def close(self) -> None:
        self.writer.close()


@dataclass
class Context:
    client: Any
    """The ``websockets.asyncio.client`` module, or None in the raw reference."""
    port: int
    control: ControlClient
    budget: float
    broadcasts: int

    def connect(self, **kwargs: Any) -> Any:
        return self.client.connect(f"ws://{HOST}:{self.port}/", max_size=MAX_SIZE, **kwargs)


Operation = Callable[[], Awaitable[int]]
"""One step of a timed loop; returns how many messages (or handshakes) it handled."""


async def measure(context: Context, operation: Operation, cap: int) -> dict[str, float]:
    """Repeat ``operation`` until ``cap`` messages or the time budget; return per-message figures.

    CPU time is user + system time of both processes: the client's own, and the
    server's read through the control port before and after the loop.
    """
    server_cpu = await context.control.cpu()
    client_cpu = time.process_time()
    start = time.perf_counter()
    deadline = start + context.budget
    count = 0
    while count < cap and time.perf_counter() < deadline:
        count += await operation()
    elapsed = time.perf_counter() - start
    client_cpu = time.process_time() - client_cpu
    server_cpu = await context.control.cpu() - server_cpu
    return {
        "rate": count / elapsed,
        "cpu": (client_cpu + server_cpu) / count,
        "cpu_server": server_cpu / count,
        "count": count,
    }


async def case_round_trip(context: Context) -> dict[str, float]:
    async with context.connect(compression=None) as websocket:
        for _ in range(200):
            await websocket.send(SMALL_MESSAGE)
            expect(await websocket.recv() == SMALL_MESSAGE, "echo")

        async def operation() -> int:
            await websocket.send(SMALL_MESSAGE)
            await websocket.recv()
            return 1

        return await measure(context, operation, CAPS["round-trip"])


async def case_pipelined(context: Context) -> dict[str, float]:
    async with context.connect(compression=None) as websocket:

        async def operation() -> int:
            async def send_all() -> None:
                for _ in range(PIPELINE_BATCH):
                    await websocket.send(SMALL_MESSAGE)

            # Sending from a task while reading keeps both directions flowing: sending
            # everything first could fill every buffer on the way and stall both peers.
            sender = asyncio.create_task(send_all())
            try:
                for _ in range(PIPELINE_BATCH):
                    await websocket.recv()
            except BaseException:
                sender.cancel()
                raise
            await sender
            return PIPELINE_BATCH

        sender_check = asyncio.create_task(websocket.send(SMALL_MESSAGE))
        expect(await websocket.recv() == SMALL_MESSAGE, "echo")
        await sender_check
        await operation()
        return await measure(context, operation, CAPS["pipelined"])


async def case_binary(context: Context) -> dict[str, float]:
    payload = random.Random(BINARY_SIZE).randbytes(BINARY_SIZE)
    async with context.connect(compression=None) as websocket:
        for _ in range(3):
            await websocket.send(payload)
            expect(await websocket.recv() == payload, "echo")

        async def operation() -> int:
            await websocket.send(payload)
            await websocket.recv()
            return 1

        result = await measure(context, operation, CAPS["binary"])
        result["bytes_rate"] = result["rate"] * BINARY_SIZE
        return result


async def case_deflate(context: Context) -> dict[str, float]:
    # Distinct messages: a repeat of the previous one would compress to almost nothing.
    messages = [json_text(DEFLATE_SIZE, seed) for seed in range(16)]
    async with context.connect() as websocket:
        extensions = websocket.response.headers.get("Sec-WebSocket-Extensions", "")
        expect("permessage-deflate" in extensions, "permessage-deflate wasn't negotiated")
        for message in messages:
            await websocket.send(message)
            expect(await websocket.recv() == message, "echo")
        cycle = itertools.cycle(messages)

        async def operation() -> int:
            await websocket.send(next(cycle))
            await websocket.recv()
            return 1

        return await measure(context, operation, CAPS["deflate"])


async def case_handshake(context: Context) -> dict[str, float]:
    async def operation() -> int:
        async with context.connect():
            pass
        return 1

    for _ in range(5):
        await operation()
    return await measure(context, operation, CAPS["handshake"])


@dataclass
class Deliveries:
    """Broadcast messages received by the client, all connections together."""

    received: int = 0
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def reset(self) -> None:
        self.received = 0
        self.done.clear()


async def case_idle(context: Context) -> dict[str, float]:
    raise_open_files(IDLE_CONNECTIONS + 200)
    control = context.control
    # One connection first, so that the server's code paths are warm before the baseline.
    async with context.connect() as websocket:
        await websocket.send(SMALL_MESSAGE)
        expect(await websocket.recv() == SMALL_MESSAGE, "echo")
    await control.wait_for_count(0, 10)
    before = (await control.ask("memory"))["rss"]

    connections: list[Any] = []
    readers: list[asyncio.Task[None]] = []
    deliveries = Deliveries()

    async def read_all(websocket: Any) -> None:
        async for message in websocket:
            expect(message == SMALL_MESSAGE, "broadcast message")
            deliveries.received += 1
            if deliveries.received >= IDLE_CONNECTIONS:
                deliveries.done.set()

    try:
        while len(connections) < IDLE_CONNECTIONS:
            batch = min(CONNECT_CONCURRENCY, IDLE_CONNECTIONS - len(connections))
            opened = await asyncio.gather(
                *(context.connect() for _ in range(batch)), return_exceptions=True
            )
            connections += [item for item in opened if not isinstance(item, BaseException)]
            for item in opened:
                if isinstance(item, BaseException):
                    raise item
        await control.wait_for_count(IDLE_CONNECTIONS, 30)
        after = (await control.ask("memory"))["rss"]
        metrics = {"memory": (after - before) / IDLE_CONNECTIONS}

        # A failed broadcast keeps the memory figure.
        try:
            readers = [asyncio.create_task(read_all(websocket)) for websocket in connections]
            await asyncio.sleep(0.1)
            times: list[float] = []
            cpus: list[float] = []
            server_cpus: list[float] = []
            for _ in range(context.broadcasts):
                deliveries.reset()
                server_cpu = await control.cpu()
                client_cpu = time.process_time()
                start = time.perf_counter()
                await control.ask("broadcast")
                await asyncio.wait_for(deliveries.done.wait(), 30)
                times.append(time.perf_counter() - start)
                client_cpu = time.process_time() - client_cpu
                server_cpu = await control.cpu() - server_cpu
                cpus.append(client_cpu + server_cpu)
                server_cpus.append(server_cpu)
                received = deliveries.received
                expect(received == IDLE_CONNECTIONS, f"{received} messages received")
                await asyncio.sleep(0.1)
        except Exception as error:
            raise Partial(metrics, "broadcast", error) from error
        metrics["broadcast"] = statistics.median(times)
        metrics["broadcast_cpu"] = statistics.median(cpus)
        metrics["broadcast_cpu_server"] = statistics.median(server_cpus)
        return metrics
    finally:
        if connections:
            closing = asyncio.gather(
                *(websocket.close() for websocket in connections), return_exceptions=True
            )
            # Past the timeout, leave the rest: the driver stops the server anyway.
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(closing, CLOSE_TIMEOUT)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


class RawClient(asyncio.Protocol):
    """Round trips over a plain TCP connection, for the reference."""

    def __init__(self) -> None:
        self.received = 0
        self.expected = 0
        self.waiter: asyncio.Future[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.received += len(data)
        waiter = self.waiter
        if waiter is not None and self.received >= self.expected and not waiter.done():
            waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection lost"))

    async def round_trip(self, data: bytes) -> int:
        self.expected = self.received + len(data)
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(data)
        await self.waiter
        return 1


async def case_raw(context: Context) -> dict[str, float]:
    loop = asyncio.get_running_loop()
    transport, client = await loop.create_connection(RawClient, HOST, context.port)
    try:
        data = SMALL_MESSAGE.encode()
        for _ in range(200):
            await client.round_trip(data)
        return await measure(context, lambda: client.round_trip(data), CAPS["raw"])
    finally:
        transport.close()


CASES: dict[str, Callable[[Context], Awaitable[dict[str, float]]]] = {
    "round-trip": case_round_trip,
    "pipelined": case_pipelined,
    "binary": case_binary,
    "deflate": case_deflate,
    "handshake": case_handshake,
    "idle": case_idle,
    "raw": case_raw,
}


def case_timeout(key: str, budget: float) -> float:
    return IDLE_TIMEOUT if key == "idle" else budget + CASE_MARGIN


async def run_client(
    keys: list[str], port: int, control_port: int, budget: float, broadcasts: int
) -> None:
    meta = websockets_meta()
    results: dict[str, dict[str, object]] = {}
    client: Any = None
    problem: str | None = None
    if keys != ["raw"]:
        try:
            client = importlib.import_module("websockets.asyncio.client")
        except Exception as error:
            problem = describe(error)
    control = await ControlClient.open(control_port)
    try:
        context = Context(client, port, control, budget, broadcasts)
        for key in keys:
            if problem is not None:
                results[key] = {"error": problem}
                continue
            gc.collect()
            timeout = case_timeout(key, budget)
            try:
                metrics = await asyncio.wait_for(CASES[key](context), timeout)
            except asyncio.TimeoutError:
                results[key] = {"error": f"TimeoutError: took more than {timeout:.0f} s"}
            except Partial as partial:
                results[key] = {
                    "metrics": partial.metrics,
                    "errors": {partial.part: describe(partial.error)},
                }
            except Exception as error:
                results[key] = {"error": describe(error)}
            else:
                results[key] = {"metrics": metrics}
    finally:
        control.close()
    print(json.dumps({"meta": meta, "results": results}))


# -- Driver -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """Cases that share one server process (and one client worker) per run."""

    mode: str
    """``websockets`` or ``raw``."""
    keys: tuple[str, ...]


GROUPS = (
    Group("websockets", ("round-trip", "pipelined", "binary", "deflate", "handshake")),
    # A fresh server, so that the buffers of the earlier cases don't blur its memory use.
    Group("websockets", ("idle",)),
)
REFERENCE = Group("raw", ("raw",))


@dataclass(frozen=True)
class Row:
    key: str
    metric: str
    label: str
    unit: str
    scale: float
    """Multiplier from the worker's figure (SI units) to the displayed unit."""
    higher_is_better: bool
    part: str | None = None
    """The part of the case that the figure comes from, if a part can fail alone."""

    def error(self, side: Side) -> str | None:
        error = side.errors.get(self.key)
        if error is None and self.part is not None:
            error = side.errors.get(f"{self.key}/{self.part}")
        return error


def rows() -> list[Row]:
    def per_message(key: str, label: str, unit: str, cpu_unit: str, cpu_scale: float) -> list[Row]:
        return [
            Row(key, "rate", label, unit, 1, True),
            Row(key, "cpu", "  CPU per message, client + server", cpu_unit, cpu_scale, False),
            Row(key, "cpu_server", "  of which server", cpu_unit, cpu_scale, False),
        ]

    table = [
        *per_message("round-trip", "64 B text round trips, 1 connection", "msg/s", "us/msg", 1e6),
        *per_message(
            "pipelined",
            f"64 B text pipelined, batches of {PIPELINE_BATCH}",
            "msg/s",
            "us/msg",
            1e6,
        ),
        Row("binary", "bytes_rate", "1 MiB binary echo", "MB/s", 1e-6, True),
        *per_message("binary", "", "", "ms/msg", 1e3)[1:],
        *per_message(
            "deflate", "16 KiB JSON text echo, permessage-deflate", "msg/s", "us/msg", 1e6
        ),
        Row("handshake", "rate", "handshakes: open + close, sequential", "conn/s", 1, True),
        Row("handshake", "cpu", "  CPU per handshake, client + server", "us/conn", 1e6, False),
        Row("handshake", "cpu_server", "  of which server", "us/conn", 1e6, False),
        Row(
            "idle",
            "memory",
            f"{IDLE_CONNECTIONS} idle connections: server RSS",
            "KiB/conn",
            1 / KIB,
            False,
        ),
        Row(
            "idle",
            "broadcast",
            f"broadcast 64 B to {IDLE_CONNECTIONS}: until all received",
            "ms",
            1e3,
            False,
            "broadcast",
        ),
        Row(
            "idle",
            "broadcast_cpu",
            "  CPU per broadcast, client + server",
            "ms",
            1e3,
            False,
            "broadcast",
        ),
        Row("idle", "broadcast_cpu_server", "  of which server", "ms", 1e3, False, "broadcast"),
    ]
    return table


@dataclass
class Side:
    name: str
    python: Path | None
    environment: dict[str, str]
    problem: str | None = None
    meta: dict[str, object] = field(default_factory=dict[str, object])
    samples: dict[tuple[str, str], list[float]] = field(
        default_factory=dict[tuple[str, str], list[float]]
    )
    errors: dict[str, str] = field(default_factory=dict[str, str])


@contextlib.contextmanager
def server_process(
    python: Path, mode: str, environment: dict[str, str], cpu: int | None
) -> Generator[tuple[subprocess.Popen[str], dict[str, Any]], None, None]:
    """Start a server; yield it and its report (ports, meta); stop it by PID on the way out."""
    command = [str(python), "-I", str(Path(__file__).resolve()), "--serve", mode]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    with tempfile.TemporaryFile(mode="w+") as stderr:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=environment,
        )
        try:
            yield process, read_announcement(process, stderr)
        finally:
            stop(process)
            assert process.stdout is not None
            process.stdout.close()


def read_announcement(process: subprocess.Popen[str], stderr: IO[str]) -> dict[str, Any]:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(SERVER_START_TIMEOUT):
            raise RuntimeError(f"server didn't start within {SERVER_START_TIMEOUT:.0f} s")
    line = process.stdout.readline()
    if not line:
        process.wait(timeout=10)
        stderr.seek(0)
        detail = " ".join(stderr.read().strip().splitlines()[-1:])
        raise RuntimeError(f"server exited with code {process.returncode}: {detail}")
    report: dict[str, Any] = json.loads(line)
    return report


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


@dataclass(frozen=True)
class Settings:
    budget: float
    broadcasts: int
    server_cpu: int | None
    client_cpu: int | None


def pinned_cpus(pin: str) -> tuple[int | None, int | None]:
    """Return the CPUs of the server and of the client for ``--pin``."""
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if pin == "none" or not cpus:
        return None, None
    if pin == "split" and len(cpus) > 1:
        return cpus[0], cpus[1]
    return cpus[-1], cpus[-1]


def run_group(side: Side, group: Group, keys: list[str], settings: Settings) -> None:
    """Run the ``keys`` of ``group`` once for ``side``, recording figures or errors."""
    if side.python is None or not keys:
        return
    budget = settings.budget
    try:
        with server_process(side.python, group.mode, side.environment, settings.server_cpu) as (
            process,
            report,
        ):
            side.meta = report.get("meta", side.meta)
            if "error" in report:
                for key in keys:
                    side.errors[key] = f"{report['error']} (in the server)"
                return
            command = [str(side.python), "-I", str(Path(__file__).resolve()), "--client"]
            command += ["--cases", ",".join(keys), "--port", str(report["port"])]
            command += ["--control", str(report["control"]), "--budget", str(budget)]
            command += ["--broadcasts", str(settings.broadcasts)]
            if settings.client_cpu is not None:
                command += ["--cpu", str(settings.client_cpu)]
            timeout = sum(case_timeout(key, budget) for key in keys) + 60
            try:
                completed = subprocess.run(
                    command,
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                    check=False,
                    env=side.environment,
                )
            except subprocess.TimeoutExpired:
                for key in keys:
                    side.errors[key] = f"client worker killed after {timeout:.0f} s"
                return
            code = process.poll()
            server_exit = "" if code is None else f" (the server had exited with code {code})"
    except (OSError, RuntimeError, ValueError) as error:
        for key in keys:
            side.errors[key] = describe(error)
        return
    try:
        client_report = json.loads(completed.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        detail = " ".join(completed.stderr.strip().splitlines()[-1:])
        for key in keys:
            side.errors[key] = f"client worker failed with code {completed.returncode}: {detail}"
        return
    for key, result in client_report["results"].items():
        if "error" in result:
            side.errors[key] = result["error"] + server_exit
        for metric, value in result.get("metrics", {}).items():
            side.samples.setdefault((key, metric), []).append(value)
        for part, message in result.get("errors", {}).items():
            side.errors[f"{key}/{part}"] = message + server_exit


def format_figure(row: Row, side: Side, once: bool = False) -> str:
    error = row.error(side)
    if error is not None:
        # The full message is printed under the table.
        return f"n/a (error: {error if len(error) <= 40 else error[:37] + '...'})"
    samples = side.samples.get((row.key, row.metric))
    if not samples:
        # The problem, if any, is printed above the table.
        return "n/a (error: see above)" if side.problem else "n/a"
    median = statistics.median(samples)
    value = median * row.scale
    precision = 2 if value < 100 else 1 if value < 1000 else 0
    if once:
        return f"{value:,.{precision}f}"
    spread = (max(samples) - min(samples)) / median * 50 if median else 0.0
    return f"{value:,.{precision}f} ±{spread:.0f}%"


def ratio(row: Row, ours: Side, upstream: Side) -> str:
    if row.error(ours) is not None or row.error(upstream) is not None:
        return "n/a"
    ours_samples = ours.samples.get((row.key, row.metric))
    upstream_samples = upstream.samples.get((row.key, row.metric))
    if not ours_samples or not upstream_samples:
        return "n/a"
    mine, theirs = statistics.median(ours_samples), statistics.median(upstream_samples)
    if not mine or not theirs:
        return "n/a"
    # Above 1.00x, ours is better: faster, or less CPU time, memory or delay.
    return f"{mine / theirs if row.higher_is_better else theirs / mine:.2f}x"


def describe_side(side: Side) -> str:
    if side.python is None:
        return f"{side.name}: unavailable: {side.problem}"
    meta = side.meta
    if "websockets" not in meta:
        return f"{side.name}: {side.python} ({meta.get('error') or side.problem or 'no report'})"
    speedups = "with" if meta.get("speedups") else "without"
    path = Path(str(meta.get("path")))
    if path.is_relative_to(ROOT):
        path = path.relative_to(ROOT)
    text = (
        f"{side.name}: Python {meta.get('python')}, websockets {meta.get('websockets')} "
        f"from {path}, {speedups} the C speedups"
    )
    return f"{text}; {side.problem}" if side.problem else text


def print_rows(rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        print("  ".join(cells).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def print_table(
    selected: list[Row],
    ours: Side,
    upstream: Side,
    reference: Side | None,
    rounds: int,
    settings: Settings,
    steady_malloc: bool,
) -> None:
    print(f"asyncio API, server and client in separate processes on {HOST},")
    print(f"median of {rounds} alternating runs per side")
    print(f"  {describe_side(ours)}")
    print(f"  {describe_side(upstream)}")
    if settings.server_cpu is None:
        print("  server and client on any CPU")
    elif settings.server_cpu == settings.client_cpu:
        print(f"  server and client both pinned to CPU {settings.server_cpu}")
    else:
        print(f"  server pinned to CPU {settings.server_cpu}, client to CPU {settings.client_cpu}")
    if steady_malloc:
        print(f"  both with {' '.join(f'{key}={value}' for key, value in STEADY_MALLOC.items())}")
    print()
    table: list[tuple[str, ...]] = [("case", "unit", "ours", "upstream", "ours/upstream")]
    for row in selected:
        figures = format_figure(row, ours), format_figure(row, upstream)
        table.append((row.label, row.unit, *figures, ratio(row, ours, upstream)))
    print_rows(table)
    print()
    print("Round trips, 1 MiB echo: compression=None on the client. Deflate, handshakes, idle")
    print("connections: default settings. CPU: user + system time of both processes.")
    print("±: half the range of the runs around the median. ours/upstream: above 1.00x,")
    print("ours is better (more per second, or less CPU time, memory or delay).")
    if reference is not None:
        print()
        print("Reference, measured once: the ceiling of asyncio in pure Python here.")
        print()
        reference_rows = [
            Row("raw", "rate", "raw asyncio.Protocol echo (no WebSocket), 64 B", "msg/s", 1, True),
            Row("raw", "cpu", "  CPU per message, client + server", "us/msg", 1e6, False),
            Row("raw", "cpu_server", "  of which server", "us/msg", 1e6, False),
        ]
        table = [("case", "unit", "figure", "vs upstream round trips")]
        for row in reference_rows:
            upstream_row = Row("round-trip", row.metric, "", "", 1, row.higher_is_better)
            figure = format_figure(row, reference, once=True)
            versus = cross_ratio(row, reference, upstream_row, upstream)
            table.append((row.label, row.unit, figure, versus))
        print_rows(table)
    # One line per side and message, listing the cases that failed with it.
    errors: dict[tuple[str, str], list[str]] = {}
    for side in (ours, upstream, *([reference] if reference else [])):
        for key, error in side.errors.items():
            errors.setdefault((side.name, error), []).append(key)
    if errors:
        print()
        print("Errors:")
    for (name, error), keys in errors.items():
        print(f"  {name} {', '.join(keys)}: {error}")


def cross_ratio(row: Row, side: Side, other_row: Row, other: Side) -> str:
    """Compare ``row`` of ``side`` with ``other_row`` of ``other``: above 1.00x, side is better."""
    samples = side.samples.get((row.key, row.metric))
    other_samples = other.samples.get((other_row.key, other_row.metric))
    if row.key in side.errors or not samples or not other_samples:
        return "n/a"
    mine, theirs = statistics.median(samples), statistics.median(other_samples)
    if not mine or not theirs:
        return "n/a"
    return f"{mine / theirs if row.higher_is_better else theirs / mine:.2f}x"


def client_environment(steady_malloc: bool) -> dict[str, str]:
    # Loopback only: no proxy from the environment may get in the way of connect().
    environment = {
        key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")
    }
    if steady_malloc:
        environment.update(STEADY_MALLOC)
    return environment


def run_driver(
    rounds: int,
    settings: Settings,
    only: str | None,
    ours_python: Path,
    steady_malloc: bool,
    with_reference: bool,
) -> None:
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    from sans_io import UPSTREAM_VENV, ensure_upstream

    upstream_python, problem = ensure_upstream(UPSTREAM_VENV)
    environment = client_environment(steady_malloc)
    ours = Side("ours", ours_python, environment)
    upstream = Side("upstream", upstream_python, environment, problem)
    selected = [row for row in rows() if only is None or only in row.key]
    started = time.perf_counter()
    for index in range(rounds):
        for group in GROUPS:
            # Alternating the order spreads any drift of the machine over both sides.
            for side in (ours, upstream) if index % 2 == 0 else (upstream, ours):
                keys = [key for key in group.keys if only is None or only in key]
                keys = [key for key in keys if key not in side.errors]
                run_group(side, group, keys, settings)
        print(
            f"run {index + 1}/{rounds} done ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
    reference: Side | None = None
    if with_reference:
        reference = Side("reference", Path(sys.executable), environment)
        run_group(reference, REFERENCE, list(REFERENCE.keys), settings)
    print_table(selected, ours, upstream, reference, rounds, settings, steady_malloc)
    print(f"\n({time.perf_counter() - started:.0f} s)", file=sys.stderr)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 short runs: about a minute")
    parser.add_argument("--rounds", type=int, help="runs per side (default: 7; --quick: 3)")
    parser.add_argument(
        "--budget", type=float, help="seconds per timed case per run (default: 1.5; --quick: 0.8)"
    )
    parser.add_argument("--only", help="run only the cases whose key contains this text")
    parser.add_argument(
        "--ours",
        type=Path,
        default=ROOT / ".venv" / "bin" / "python",
        help="interpreter with this project installed (default: .venv)",
    )
    parser.add_argument(
        "--default-malloc", action="store_true", help="leave glibc's malloc settings alone"
    )
    parser.add_argument(
        "--pin",
        choices=["same", "split", "none"],
        default="same",
        help="CPUs of the server and the client: the same one (default), one each, or any",
    )
    parser.add_argument("--cpu", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--serve", choices=["websockets", "raw"], help=argparse.SUPPRESS)
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cases", default="", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--control", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument(
        "--broadcasts",
        type=int,
        help="broadcasts per run, of which the median counts (default: 10; --quick: 5)",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 7)
    budget = args.budget or (0.8 if args.quick else 1.5)
    broadcasts = args.broadcasts or (5 if args.quick else 10)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    if args.serve:
        asyncio.run(run_server(args.serve))
    elif args.client:
        keys = [key for key in args.cases.split(",") if key in CASES]
        asyncio.run(run_client(keys, args.port, args.control, budget, broadcasts))
    else:
        ours = args.ours if args.ours.exists() else Path(sys.executable)
        settings = Settings(budget, max(1, broadcasts), *pinned_cpus(args.pin))
        run_driver(
            max(1, rounds),
            settings,
            args.only,
            ours,
            not args.default_malloc,
            args.only is None or args.only in "raw",
        )


if __name__ == "__main__":
    main()
