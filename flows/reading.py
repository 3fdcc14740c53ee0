"""Reading a batch of inbox files: each file's bytes read once, hashed, archived and examined.

This is the one place that parses untrusted bytes, and the one step that may run elsewhere: in
this process, in worker processes on this machine, or on a Dask cluster (`[runner] kind`).
Nothing here touches the store or Prefect: a worker imports only this module and the core.
"""

from __future__ import annotations

import logging
import multiprocessing
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from flows.files import ArchivePack, InboxFile, link_digest, read_regular
from rtr.checking.examine import SPREADSHEET, Examined, classify, examine
from rtr.checking.rules import RuleContext
from rtr.reading.workbook import Limits, too_large


@dataclass(frozen=True, slots=True)
class ReadFile:
    """One inbox file after reading."""

    file: InboxFile
    digest: str | None  # None: the file vanished or could not be read just now
    size: int = 0
    kind: str = SPREADSHEET  # or why it is ignored
    archived_as: str | None = None
    examined: Examined | None = None  # its returns hold only the raw cells storing reads (`for_storing`)


def _examine_safely(rel: str, data: bytes, ctx: RuleContext, limits: Limits) -> Examined:
    try:
        examined = examine(rel, data, ctx, limits)
        return replace(examined, returns=[c.for_storing() for c in examined.returns])
    except Exception as exc:  # a reader bug must not sink the batch; the file is answered, not dropped
        return Examined(f"文件无法读取（{type(exc).__name__}），请用 Excel 或 WPS 打开另存后重新发送", [])


SYMLINK = "符号链接，未读取（不会沿链接读取收件箱之外的文件），请直接放入文件本身"


def read_files(files: list[InboxFile], ctx: RuleContext, limits: Limits, archive_dir: Path) -> list[ReadFile]:
    """Each file's bytes read once, hashed, archived (spreadsheets, in the batch's pack) and examined."""
    out = []
    pack = ArchivePack(archive_dir)
    try:
        for f in files:
            try:
                if f.symlink:
                    out.append(ReadFile(f, link_digest(f.path), 0, SYMLINK))
                    continue
                data, digest, size = read_regular(f.path, limits.max_file_bytes)
            except OSError:
                out.append(ReadFile(f, None))  # vanished, replaced or unreadable right now: left for the next scan
                continue
            kind = classify(f.rel)
            if kind != SPREADSHEET:
                out.append(ReadFile(f, digest, size, kind))
                continue
            if data is None:  # over the size limit: answered from its size, the bytes neither examined nor archived
                out.append(ReadFile(f, digest, size, kind, None, Examined(too_large(size, limits), [])))
                continue
            member = pack.add(digest, PurePosixPath(f.rel).suffix, data)
            out.append(ReadFile(f, digest, size, kind, member, _examine_safely(f.rel, data, ctx, limits)))
        packed = pack.close()  # durable: the originals are on disk before the store says they were received
    except BaseException:
        pack.discard()
        raise
    if packed is None:
        return out
    return [replace(r, archived_as=f"{packed}/{r.archived_as}") if r.archived_as else r for r in out]


def batch_payload(files: list[InboxFile], ctx: RuleContext, limits: Limits, archive_dir: Path) -> bytes:
    """What `read_packed` reads: a batch and what reading it needs, pickled by the sender, because
    runners that ship arguments themselves rebuild dataclasses on the way (an InboxFile arrived
    from Dask as a tuple)."""
    return pickle.dumps((files, ctx, limits, archive_dir))


def read_packed(payload: bytes) -> bytes:
    """`read_files` of a pickled batch, as one pickled bytes: what a worker process or another
    machine runs. It crosses back as it is, and while it waits to be stored it is one object
    instead of ≈14 a file that every full garbage collection of the storing process walks."""
    files, ctx, limits, archive = pickle.loads(payload)
    return pickle.dumps(read_files(files, ctx, limits, archive), protocol=pickle.HIGHEST_PROTOCOL)


def unpacked(reads: bytes | list[ReadFile]) -> list[ReadFile]:
    return pickle.loads(reads) if isinstance(reads, bytes) else reads


class Reader:
    """Where batches are read: `read(payload)` waits for one batch's reads. Started on first use, so
    a run that reads everything in its own process (one or two batches) starts no workers."""

    def read(self, payload: bytes) -> bytes:
        return read_packed(payload)

    def close(self) -> None:
        pass


class ProcessReader(Reader):
    """Spawned worker processes that import this module and the core, not Prefect (1.3 s of CPU
    each), and never talk to a Prefect server."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def read(self, payload: bytes) -> bytes:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool.submit(read_packed, payload).result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


class DaskReader(Reader):
    """A Dask cluster: the one at `address`, or a local one of `workers` processes."""

    def __init__(self, address: str, workers: int) -> None:
        self.address, self.workers = address, workers
        self._client = None

    def read(self, payload: bytes) -> bytes:
        if self._client is None:
            from distributed import Client, LocalCluster

            if self.address:
                self._client = Client(self.address)
            else:
                cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self._client = Client(cluster)
        return self._client.submit(read_packed, payload, pure=False).result()

    def close(self) -> None:
        if self._client is not None:
            cluster = self._client.cluster
            self._client.close()
            if cluster is not None and not self.address:
                cluster.close()


def reader_for(kind: str, workers: int, dask_address: str = "") -> Reader:
    if kind == "processes":
        return ProcessReader(workers)
    if kind == "dask":
        return DaskReader(dask_address, workers)
    return Reader()  # threads: batches read in this process's worker threads


def batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_ahead(
    queue: list[list[InboxFile]],
    read_here: Callable[[list[InboxFile]], list[ReadFile]],
    read_there: Callable[[list[InboxFile]], Future],
    ahead: int,
) -> Iterator[list[ReadFile]]:
    """Each batch's reads, in order. Up to `ahead` batches are in flight in front of the one being
    stored, which bounds the memory their results hold; a batch or two (an incremental run) is read
    right here, since starting worker processes would cost more than it saves."""
    if len(queue) <= 2:
        for batch in queue:
            yield read_here(batch)
        return
    pending = deque(read_there(b) for b in queue[:ahead])
    for i in range(len(queue)):
        reads = pending.popleft().result()  # the batch's results go once stored
        if i + ahead < len(queue):
            pending.append(read_there(queue[i + ahead]))
        yield unpacked(reads)
