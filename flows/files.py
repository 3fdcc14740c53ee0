"""File I/O of the shell: atomic writes, the inbox listing, the archive of originals."""

from __future__ import annotations

import errno
import hashlib
import itertools
import operator
import os
import re
import stat
import threading
import time
import zipfile
from collections.abc import Container
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

_SEQUENCE = itertools.count()
_NAME = operator.attrgetter("name")
_FIRST = operator.itemgetter(0)

_REASONS = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EROFS: "所在磁盘是只读的",
    errno.ENOSPC: "磁盘空间已满",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENAMETOOLONG: "文件名过长",
    errno.ECONNREFUSED: "连接被拒绝",
    errno.ETIMEDOUT: "连接超时",
    errno.EHOSTUNREACH: "无法到达该主机",
    errno.ENETUNREACH: "网络不可达",
}


def os_reason(exc: OSError) -> str:
    """Why an operation failed, in words staff read (the system's own text in English otherwise)."""
    return _REASONS.get(exc.errno, exc.strerror or type(exc).__name__) if exc.errno else str(exc) or type(exc).__name__


def temp_path(folder: Path, suffix: str) -> Path:
    """A name no other writer uses (process, thread, sequence), to be created exclusively (cheaper
    than mkstemp); `sweep_stale_temps` knows it by its `.tmp-PID-` start."""
    return folder / f".tmp-{os.getpid()}-{threading.get_ident()}-{next(_SEQUENCE)}{suffix}"


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Readers see the old file or the whole new one, never a half-written one. `durable=False`
    skips the fsync (≈0.3 ms a file) for bulk writes that end with one `flush_to_disk()`."""
    tmp = temp_path(path.parent, path.suffix)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(tmp, flags, 0o644)
    except FileNotFoundError:  # the folder is new: made only then, not checked before every file
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(tmp, flags, 0o644)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


_TEMP_NAME = re.compile(r"\.tmp-(\d+)-")  # the temporary names of write_atomic and copy_receipts
STALE_AFTER_SECONDS = 24 * 3600


def sweep_stale_temps(folder: Path, kept: list[Path] | None = None) -> list[Path]:
    """Removes the temporary files a killed writer left below `folder` (`.tmp-PID-…`): those whose
    process is gone, or older than a day (a reused PID). A live writer's files are left alone (and
    added to `kept`): a killed process can still be there for a moment, dying or not yet reaped."""
    removed: list[Path] = []
    now = time.time()
    for root, _dirs, names in os.walk(folder):
        for name in names:
            if not (match := _TEMP_NAME.match(name)):
                continue
            path = Path(root) / name
            try:
                if _alive(int(match[1])) and now - path.lstat().st_mtime < STALE_AFTER_SECONDS:
                    if kept is not None:
                        kept.append(path)
                    continue
                path.unlink()
            except FileNotFoundError:  # its writer renamed or removed it meanwhile
                continue
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


class BackgroundWriter:
    """Atomic, non-durable file writes on one background thread: creating a file costs ≈0.3 ms of
    kernel time here, which overlaps with the examining and rendering done meanwhile. Leaving the
    `with` block waits for every write and re-raises the first failure."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        self._futures: list[Future] = []

    def write(self, path: Path, data: bytes) -> None:
        self._futures.append(self._pool.submit(write_atomic, path, data, durable=False))

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *exc) -> None:
        try:
            for f in self._futures:
                f.result()
        finally:
            self._pool.shutdown(wait=True)


def flush_to_disk() -> None:
    """Everything written so far reaches the disk (one sync for a batch of non-durable writes)."""
    os.sync()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class InboxFile:
    rel: str  # POSIX path relative to the inbox, as shown: valid UTF-8 (see `shown_name`)
    path: str  # on disk, exactly (a name that is not UTF-8 keeps its bytes as surrogate escapes)
    size: int
    mtime: float
    symlink: bool = False  # listed so that the ledger answers it, never followed
    raw: bytes | None = None  # the relative name's bytes, when they are not UTF-8

    @property
    def key(self) -> str | bytes:
        """What the ledger knows the file by: its name, or its name's bytes when they are not UTF-8."""
        return self.rel if self.raw is None else self.raw


def shown_name(rel: str) -> tuple[str, bytes | None]:
    """A name as it can be shown, stored and written into receipts, and its bytes when they are not
    UTF-8 (from an old Windows share or a zip: Python holds those bytes as surrogate escapes, which
    no encoder, SQLite or openpyxl accepts). Each such byte is shown as U+FFFD."""
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(rel)
        return raw.decode("utf-8", "replace"), raw
    return rel, None


def list_inbox(
    inbox: Path, seen: Container[tuple[str | bytes, int, float]] = frozenset()
) -> tuple[list[InboxFile], int]:
    """Every regular file and every symlink below the inbox that `seen` does not hold (by
    `InboxFile.key`, size and mtime), and how many it held: in each folder its files (and links) by
    name, then its subfolders by name. Symlinks (to files or to folders) are listed, never followed:
    nothing outside the inbox is read. Names stay strings, and a file already seen is never made an
    object (for 40,000 files a Path each cost ≈1 s of CPU a scan, an InboxFile each ≈0.2 s)."""
    found: list[InboxFile] = []
    known = 0

    def walk(folder: str, prefix: str) -> None:
        nonlocal known
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            return  # vanished or unreadable while listing
        folders, here = [], []  # only these are sorted: most files of a scan are seen
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    folders.append(e)
                    continue
                st = e.stat(follow_symlinks=False)
            except OSError:
                continue  # vanished while listing
            link = stat.S_ISLNK(st.st_mode)
            if link or stat.S_ISREG(st.st_mode):
                rel = prefix + e.name
                if (rel, st.st_size, st.st_mtime) in seen:
                    known += 1
                    continue
                rel, raw = shown_name(rel)
                if raw is not None and (raw, st.st_size, st.st_mtime) in seen:
                    known += 1
                    continue
                here.append((e.name, InboxFile(rel, e.path, st.st_size, st.st_mtime, link, raw)))
        found.extend(f for _, f in sorted(here, key=_FIRST))
        for e in sorted(folders, key=_NAME):
            walk(e.path, f"{prefix}{e.name}/")

    walk(os.fspath(inbox), "")
    return found, known


class NotARegularFile(OSError):
    """The path is no longer a regular file (replaced by a link, a folder or a pipe since listing)."""


def read_regular(path: str | Path, limit: int) -> tuple[bytes | None, str, int]:
    """(bytes, sha256, size) of a regular file, never through a symlink and never blocking on a
    pipe; a file over `limit` bytes is hashed in chunks and its bytes not kept (None)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(f"not a regular file: {path}")
        if st.st_size <= limit:
            # asking for `limit + 1` bytes would allocate that much first (≈0.04 ms a file); a file
            # that grew since the stat is read on to the limit
            data = handle.read(st.st_size + 1)
            if len(data) > st.st_size:
                data += handle.read(limit + 1 - len(data))
            if len(data) <= limit:
                return data, sha256(data), len(data)
            handle.seek(0)
        digest, size = hashlib.sha256(), 0
        while chunk := handle.read(2**20):
            digest.update(chunk)
            size += len(chunk)
        return None, digest.hexdigest(), size


def link_digest(path: str | Path) -> str:
    """A symlink's ledger hash: of where it points (its target is never read)."""
    return sha256(os.fsencode(os.readlink(path)))


def restat(f: InboxFile) -> InboxFile | None:
    try:
        st = os.lstat(f.path)
    except OSError:
        return None
    return InboxFile(f.rel, f.path, st.st_size, st.st_mtime, f.symlink, f.raw)


class ArchivePack:
    """The originals of one batch in one zip of stored (uncompressed) members named `<sha256><suffix>`:
    one file created per batch, not one per original (≈0.3–0.6 ms of kernel time a file here).
    Members are written as they come, so memory holds one original at a time. The pack is named by
    the hashes it holds and its members carry a fixed date, so the same batch read again after a
    crash writes the same bytes to the same name. `close` makes it durable (one fsync of the pack and
    of its folder, far cheaper than a system-wide sync), before the batch's store commit."""

    FOLDER = "packs"

    def __init__(self, archive: Path) -> None:
        self.archive = archive
        self.members: dict[str, str] = {}  # sha256 → member name
        self._tmp: Path | None = None
        self._file = None
        self._zip: zipfile.ZipFile | None = None

    def add(self, digest: str, suffix: str, data: bytes) -> str:
        """Adds an original (once per content); returns its member name."""
        if digest in self.members:
            return self.members[digest]
        if self._zip is None:
            folder = self.archive / self.FOLDER
            folder.mkdir(parents=True, exist_ok=True)
            self._tmp = temp_path(folder, ".zip")
            self._file = open(self._tmp, "xb")  # noqa: SIM115 (closed by close or discard)
            self._zip = zipfile.ZipFile(self._file, "w", zipfile.ZIP_STORED)
        member = self.members[digest] = f"{digest}{suffix.lower()}"
        self._zip.writestr(zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0)), data)
        return member

    def close(self) -> str | None:
        """Finishes the pack under its final name; returns its path relative to the archive (None: empty)."""
        if self._zip is None or self._file is None or self._tmp is None:
            return None
        self._zip.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        name = hashlib.sha256("".join(sorted(self.members)).encode()).hexdigest()[:32]
        rel = f"{self.FOLDER}/{name[:2]}/{name}.zip"
        target = self.archive / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, target)
        _fsync_folder(target.parent)
        self._zip = self._file = self._tmp = None
        return rel

    def discard(self) -> None:
        for handle in (self._zip, self._file):
            if handle is not None:
                handle.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
        self._zip = self._file = self._tmp = None


def _fsync_folder(folder: Path) -> None:
    """A rename in `folder` reaches the disk."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_original(archive: Path, archived_as: str) -> bytes:
    """An original's bytes from the archive: `packs/…/NAME.zip/MEMBER` (a batch's pack) or a
    plain file (the per-file layout archives written before packs still use)."""
    pack, sep, member = archived_as.partition(".zip/")
    if not sep:
        return (archive / archived_as).read_bytes()
    with zipfile.ZipFile(archive / f"{pack}.zip") as z:
        return z.read(member)
