"""Worker processes that parse untrusted files under limits: whatever a file holds, it costs at most its own F01.

Each worker runs with an address-space limit (`resource.setrlimit`), so a file that makes a reader
allocate without bound fails inside the worker (a Python MemoryError, or the reader aborting the
worker) instead of taking the machine; and the supervisor watches a clock per file, so a file that
makes a reader spin is cut off. A worker tells the supervisor which file it starts, so when it dies
or runs over, the supervisor knows the file: that file is read again alone in a fresh worker, the
others of its batch are read again together, and a file that fails alone too is answered F01
("超出资源限制"), its original archived like any other. The run carries on either way.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import resource
import select
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flows.files import ArchivePack, InboxFile, read_regular
from flows.reading import OVER_LIMITS, ReadFile, read_files
from rtr.checking.examine import SPREADSHEET, Examined, classify
from rtr.checking.rules import RuleContext
from rtr.reading.workbook import Limits

ROOT = Path(__file__).resolve().parents[1]
WORKER = ("-m", "flows.bounded")  # what a worker process runs (tests run one that misbehaves on cue)


@dataclass(frozen=True)
class Bounds:
    memory_bytes: int  # address space of a worker process
    seconds_per_file: float  # wall-clock time a worker may spend on one file


# A frame: one byte of kind, four of length, then the data. The worker sends STARTING (the index of
# the file it starts) before each file and DONE (the pickled reads) at the end of a batch.
STARTING, DONE, BATCH = b"s", b"d", b"b"


def _send(stream, kind: bytes, data: bytes) -> None:
    stream.write(kind + len(data).to_bytes(4, "little") + data)
    stream.flush()


def _receive(stream) -> tuple[bytes, bytes] | None:
    head = stream.read(5)
    if len(head) < 5:
        return None
    size = int.from_bytes(head[1:], "little")
    data = stream.read(size)
    return (head[:1], data) if len(data) == size else None


def serve_batches(memory_bytes: int) -> None:
    """A worker (`python -m flows.bounded BYTES`): batches on stdin, reads on stdout."""
    with contextlib.suppress(ValueError, OSError):  # a limit the system refuses is no reason not to read
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    source, sink = sys.stdin.buffer, sys.stdout.buffer
    while (frame := _receive(source)) is not None:
        files, ctx, limits, archive = pickle.loads(frame[1])
        reads = read_files(
            files, ctx, limits, archive, starting=lambda i: _send(sink, STARTING, i.to_bytes(4, "little"))
        )
        _send(sink, DONE, pickle.dumps(reads, protocol=pickle.HIGHEST_PROTOCOL))


class _Worker:
    """A worker process started with `subprocess` rather than multiprocessing, so that it can be
    started from anywhere, a Dask worker (a daemon process) included."""

    def __init__(self, memory_bytes: int, command: tuple[str, ...] = WORKER) -> None:
        quiet = None if os.environ.get("RTR_DEBUG") else subprocess.DEVNULL  # a reader aborting says so on stderr
        self.process = subprocess.Popen(
            [sys.executable, *command, str(memory_bytes)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=quiet,
            cwd=ROOT,
            env=os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))},
        )
        self._pending = bytearray()  # what the worker sent that is not yet a whole frame

    def send(self, payload: bytes) -> None:
        _send(self.process.stdin, BATCH, payload)

    def receive(self, timeout: float) -> tuple[bytes, bytes] | bool | None:
        """The next frame; None when the worker is gone; False when it sent nothing in `timeout` seconds.

        Read from the pipe's descriptor into a buffer of our own, never through the buffered stream:
        a read of the stream takes whatever the pipe holds, so a frame that came with the one before
        (a fast worker's STARTING and DONE, read by a busy supervisor) would sit in the stream's
        buffer while `select` waited on the empty pipe for the whole clock, and the file was read again."""
        fd = self.process.stdout.fileno()
        while (frame := self._frame()) is None:
            ready, _, _ = select.select([fd], [], [], timeout)
            if not ready:
                return False
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return None
            self._pending += chunk  # the clock starts again: the worker is sending
        return frame

    def _frame(self) -> tuple[bytes, bytes] | None:
        pending = self._pending
        if len(pending) < 5:
            return None
        end = 5 + int.from_bytes(pending[1:5], "little")
        if len(pending) < end:
            return None
        frame = (bytes(pending[:1]), bytes(pending[5:end]))
        del pending[:end]
        return frame

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


@dataclass(frozen=True)
class _Failed:
    index: int  # the file the worker had started
    what: str  # 内存 (the worker died) or 时间 (it ran over)


class BoundedWorkers:
    """`read(payload)`: a batch's reads, pickled, from a worker under the bounds. Thread-safe: one
    batch per worker at a time. Workers start on first use."""

    def __init__(self, size: int, bounds: Bounds, command: tuple[str, ...] = WORKER) -> None:
        self.size, self.bounds, self.command = size, bounds, command
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()
        self._all: list[_Worker] = []
        self.lost = 0  # workers that died or were cut off: they may have left temporary files

    def _take(self) -> _Worker:
        with self._lock:
            if self._idle.empty() and self._started < self.size:
                self._started += 1
                worker = _Worker(self.bounds.memory_bytes, self.command)
                self._all.append(worker)
                return worker
        return self._idle.get()

    def _replace(self, dead: _Worker) -> _Worker:
        dead.kill()
        worker = _Worker(self.bounds.memory_bytes, self.command)
        with self._lock:
            self.lost += 1
            self._all = [w for w in self._all if w is not dead] + [worker]
        return worker

    def _run(self, worker: _Worker, payload: bytes) -> bytes | _Failed:
        started = 0
        try:
            worker.send(payload)
            while True:
                frame = worker.receive(self.bounds.seconds_per_file)
                if frame is False:
                    return _Failed(started, "时间")
                if frame is None:
                    return _Failed(started, "内存")
                kind, data = frame
                if kind == DONE:
                    return data
                started = int.from_bytes(data, "little")
        except (BrokenPipeError, OSError):  # it died before it took the batch
            return _Failed(started, "内存")

    def read(self, payload: bytes) -> bytes:
        worker = self._take()
        try:
            outcome = self._run(worker, payload)
            if isinstance(outcome, bytes):
                return outcome
            worker = self._replace(worker)
        finally:
            self._idle.put(worker)
        files, ctx, limits, archive = pickle.loads(payload)
        culprit = files[outcome.index]
        others = files[: outcome.index] + files[outcome.index + 1 :]
        alone = self._alone(culprit, ctx, limits, archive)
        rest = pickle.loads(self.read(pickle.dumps((others, ctx, limits, archive)))) if others else []
        return pickle.dumps([*rest[: outcome.index], alone, *rest[outcome.index :]], protocol=pickle.HIGHEST_PROTOCOL)

    def _alone(self, file: InboxFile, ctx: RuleContext, limits: Limits, archive: Path) -> ReadFile:
        """The file that stopped a worker, read once more by itself: a hiccup is read normally,
        a file that stops a fresh worker too is answered F01 from here, without parsing it."""
        worker = self._take()
        try:
            outcome = self._run(worker, pickle.dumps(([file], ctx, limits, archive)))
            if isinstance(outcome, bytes):
                return pickle.loads(outcome)[0]
            worker = self._replace(worker)
        finally:
            self._idle.put(worker)
        return over_limits(file, archive, limits, outcome.what)

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()


def over_limits(file: InboxFile, archive: Path, limits: Limits, what: str) -> ReadFile:
    """A file no worker could read within the bounds: hashed and archived here (reading its bytes
    is safe; parsing them was not), and answered F01."""
    try:
        data, digest, size = read_regular(file.path, limits.max_file_bytes)
    except OSError:
        return ReadFile(file, None)  # gone meanwhile: the next scan sees it again
    problem = Examined(OVER_LIMITS.format(what=what), [])
    if data is None:
        return ReadFile(file, digest, size, classify(file.rel), None, problem)
    pack = ArchivePack(archive)
    try:
        member = pack.add(digest, PurePosixPath(file.rel).suffix, data)
        packed = pack.close()
    except BaseException:
        pack.discard()
        raise
    return ReadFile(file, digest, size, SPREADSHEET, f"{packed}/{member}", problem)


if __name__ == "__main__":
    serve_batches(int(sys.argv[1]))
