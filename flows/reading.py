"""Reading a batch of inbox files: each file's bytes read once, hashed, archived and examined.

This is the one place that parses untrusted bytes. It runs in worker processes under limits
(flows/bounded.py), on this machine or on a Dask cluster (flows/readers.py, `[runner] kind`).
Nothing here touches the store or Prefect: a worker imports only this module and the core.
"""

from __future__ import annotations

import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from flows.files import ArchivePack, InboxFile, link_digest, read_regular, sha256
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


OVER_LIMITS = "文件读取时超出资源限制（{what}），未能读取。请用 Excel 或 WPS 打开本文件，删除多余的工作表和行列后另存为 .xlsx 重新发送"


def _examine_safely(rel: str, data: bytes, ctx: RuleContext, limits: Limits) -> Examined:
    try:
        examined = examine(rel, data, ctx, limits)
        return replace(examined, returns=[c.for_storing() for c in examined.returns])
    except MemoryError:  # over the worker's address-space limit (flows/bounded.py)
        return Examined(OVER_LIMITS.format(what="内存"), [])
    except Exception as exc:  # a reader bug must not sink the batch; the file is answered, not dropped
        return Examined(f"文件无法读取（{type(exc).__name__}），请用 Excel 或 WPS 打开另存后重新发送", [])


SYMLINK = "符号链接，未读取（不会沿链接读取收件箱之外的文件），请直接放入文件本身"
NO_PERMISSION = (
    "文件没有读取权限，未能读取（本系统无权打开该文件）。请管理员修改文件权限，或重新保存、重新放入收件箱后再次读取"
)


def _no_permission(f: InboxFile) -> ReadFile:
    """A file the pipeline may not open (EACCES): F01 for a spreadsheet, ignored otherwise. Its
    bytes cannot be hashed, so its ledger hash is one of its path, size and mtime (it is read
    again once it is saved anew)."""
    digest = sha256(f"no-permission:{f.rel}:{f.size}:{f.mtime}".encode("utf-8", "surrogatepass"))
    kind = classify(f.rel)
    if kind != SPREADSHEET:
        return ReadFile(f, digest, f.size, kind)
    return ReadFile(f, digest, f.size, kind, None, Examined(NO_PERMISSION, []))


def read_files(
    files: list[InboxFile],
    ctx: RuleContext,
    limits: Limits,
    archive_dir: Path,
    starting: Callable[[int], None] | None = None,
) -> list[ReadFile]:
    """Each file's bytes read once, hashed, archived (spreadsheets, in the batch's pack) and examined.
    `starting(i)` is told before file i is read (a supervising process watches it: flows/bounded.py)."""
    out = []
    pack = ArchivePack(archive_dir)
    try:
        for i, f in enumerate(files):
            if starting is not None:
                starting(i)
            try:
                if f.symlink:
                    out.append(ReadFile(f, link_digest(f.path), 0, SYMLINK))
                    continue
                data, digest, size = read_regular(f.path, limits.max_file_bytes)
            except PermissionError:  # there, but this process may not read it: answered, not waited for
                out.append(_no_permission(f))
                continue
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


def unpacked(reads: bytes | list[ReadFile]) -> list[ReadFile]:
    return pickle.loads(reads) if isinstance(reads, bytes) else reads


def batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def read_ahead(
    queue: list[list[InboxFile]],
    read_now: Callable[[list[InboxFile]], bytes | list[ReadFile]],
    read_there: Callable[[list[InboxFile]], Future],
    ahead: int,
) -> Iterator[list[ReadFile]]:
    """Each batch's reads, in order. Up to `ahead` batches are in flight in front of the one being
    stored, which bounds the memory their results hold; a batch or two (an incremental run) is read
    one after the other, with nothing in flight."""
    if len(queue) <= 2:
        for batch in queue:
            yield unpacked(read_now(batch))
        return
    pending = deque(read_there(b) for b in queue[:ahead])
    for i in range(len(queue)):
        reads = pending.popleft().result()  # the batch's results go once stored
        if i + ahead < len(queue):
            pending.append(read_there(queue[i + ahead]))
        yield unpacked(reads)
