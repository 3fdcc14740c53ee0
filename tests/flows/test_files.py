"""The shell's file writes: atomic under SIGKILL, and what a killed writer leaves is swept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flows.files import (
    STALE_AFTER_SECONDS,
    ArchivePack,
    list_inbox,
    read_original,
    sweep_stale_temps,
    write_atomic,
)
from tests import reliability

ROOT = Path(__file__).resolve().parents[2]


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sweep_removes_only_what_dead_writers_left(tmp_path):
    dead, live = dead_pid(), os.getpid()
    nested = tmp_path / "2024H1" / "分地市"
    nested.mkdir(parents=True)
    left = [nested / f".tmp-{dead}-140-3.docx", tmp_path / f".tmp-{dead}-a_回执.part"]
    kept = [
        tmp_path / f".tmp-{live}-140-4.json",
        tmp_path / "summary.json",
        tmp_path / ".tmp-notapid.docx",
        nested / "广州市.docx",
    ]
    for p in left + kept:
        p.write_bytes(b"x")
    old = tmp_path / f".tmp-{live}-1-1.xlsx"  # a live PID but a day old: a reused PID, not a writer
    old.write_bytes(b"x")
    os.utime(old, (time.time() - STALE_AFTER_SECONDS - 60,) * 2)
    still: list[Path] = []
    assert sorted(sweep_stale_temps(tmp_path, still)) == sorted([*left, old])
    assert still == [tmp_path / f".tmp-{live}-140-4.json"]  # what a live writer may still be writing
    assert all(p.exists() for p in kept) and not any(p.exists() for p in left)
    assert sweep_stale_temps(tmp_path / "missing") == []


WRITER = """
import os, sys
from pathlib import Path
from flows.files import write_atomic
def stall(fd):  # the data is written; the rename has not happened yet
    print("written", flush=True)
    import time; time.sleep(120)
os.fsync = stall
write_atomic(Path(sys.argv[1]), b"new " * 250_000)
"""


def test_a_writer_killed_between_write_and_rename_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "summary.json"
    write_atomic(target, b'{"old": true}')
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "written"
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    (temp,) = tmp_path.glob(".tmp-*")
    assert temp.stat().st_size == 1_000_000 and target.read_bytes() == b'{"old": true}'
    assert sweep_stale_temps(tmp_path) == [temp]
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]
    reliability.record(
        "Crash safety",
        "SIGKILL between writing a file and renaming it into place",
        1,
        "readers still see the old file, whole; the temporary (.tmp-PID-…) is removed by the next run",
        "the target's bytes compared; the folder listed after the sweep",
    )


def _pack(archive: Path, originals: list[tuple[str, bytes]]) -> tuple[str | None, list[str]]:
    pack = ArchivePack(archive)
    members = [pack.add(digest, ".XLSX", data) for digest, data in originals]
    return pack.close(), members


def test_a_batch_pack_keeps_each_original_once_and_is_the_same_when_written_again(tmp_path):
    originals = [("aa" * 32, b"first \x00 bytes"), ("bb" * 32, b"second"), ("aa" * 32, b"first \x00 bytes")]
    rel, members = _pack(tmp_path / "one", originals)
    assert rel is not None and rel.startswith("packs/") and rel.endswith(".zip")
    assert members == ["aa" * 32 + ".xlsx", "bb" * 32 + ".xlsx", "aa" * 32 + ".xlsx"]
    assert [read_original(tmp_path / "one", f"{rel}/{m}") for m in members] == [d for _, d in originals]
    again, _ = _pack(tmp_path / "two", originals)  # the batch read again after a crash
    assert again == rel and (tmp_path / "two" / rel).read_bytes() == (tmp_path / "one" / rel).read_bytes()
    assert _pack(tmp_path / "three", list(reversed(originals)))[0] == rel  # named by what it holds
    assert (tmp_path / "one" / rel).read_bytes() != b"" and [
        p.name for p in (tmp_path / "one").rglob("*") if p.is_file()
    ] == [Path(rel).name]
    other, _ = _pack(tmp_path / "one", originals[1:2])
    assert other != rel  # another batch: another pack beside it


def test_an_empty_or_abandoned_pack_leaves_nothing(tmp_path):
    assert ArchivePack(tmp_path).close() is None and not any(tmp_path.iterdir())
    pack = ArchivePack(tmp_path)
    pack.add("cc" * 32, ".xlsx", b"x")
    pack.discard()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_an_original_archived_as_a_plain_file_is_still_read(tmp_path):
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / "abcd.xlsx").write_bytes(b"old layout")
    assert read_original(tmp_path, "ab/abcd.xlsx") == b"old layout"


def test_read_regular_reads_whole_files_and_only_hashes_oversized_ones(tmp_path, monkeypatch):
    import hashlib

    import flows.files as files

    path = tmp_path / "a.xlsx"
    body = bytes(range(256)) * 40
    path.write_bytes(body)
    digest = hashlib.sha256(body).hexdigest()
    assert files.read_regular(path, len(body)) == (body, digest, len(body))
    assert files.read_regular(path, len(body) - 1) == (None, digest, len(body))
    # a file that grew after its size was taken is read on, to the limit
    real = os.fstat
    monkeypatch.setattr(files.os, "fstat", lambda fd: os.stat_result((*real(fd)[:6], 100, *real(fd)[7:])))
    assert files.read_regular(path, len(body)) == (body, digest, len(body))
    assert files.read_regular(path, 200) == (None, digest, len(body))


def test_the_inbox_is_listed_folder_by_folder_links_listed_never_followed(tmp_path):
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    (inbox / "广州市" / "天河区").mkdir(parents=True)
    (outside / "深处").mkdir(parents=True)
    (outside / "深处" / "secret.xlsx").write_bytes(b"s")
    for rel, data in (("b.xlsx", b"bb"), ("a.xlsx", b"a"), ("广州市/x.xlsx", b"xxx"), ("广州市/天河区/y.xls", b"y")):
        (inbox / rel).write_bytes(data)
    os.symlink(outside / "深处", inbox / "广州市" / "link-to-folder")
    os.symlink(outside / "深处" / "secret.xlsx", inbox / "link.xlsx")
    os.mkfifo(inbox / "pipe.xlsx")  # neither a file nor a link: not listed
    odd = os.fsdecode(b"\xb9\xe3\xd6\xdd.xlsx")  # GBK bytes, not UTF-8
    (inbox / odd).write_bytes(b"g")
    listed, known = list_inbox(inbox)
    assert known == 0
    # each folder's files and links by name, then its folders by name
    assert [f.rel for f in listed] == [
        "a.xlsx",
        "b.xlsx",
        "link.xlsx",
        "\ufffd\ufffd\ufffd\ufffd.xlsx",
        "广州市/link-to-folder",
        "广州市/x.xlsx",
        "广州市/天河区/y.xls",
    ]
    by_rel = {f.rel: f for f in listed}
    assert by_rel["b.xlsx"].size == 2 and not by_rel["b.xlsx"].symlink
    assert by_rel["link.xlsx"].symlink and by_rel["广州市/link-to-folder"].symlink
    assert by_rel["\ufffd\ufffd\ufffd\ufffd.xlsx"].raw == b"\xb9\xe3\xd6\xdd.xlsx"
    assert os.path.samefile(by_rel["广州市/天河区/y.xls"].path, inbox / "广州市/天河区/y.xls")
    # what the ledger has seen (by key, size and mtime) is counted, not listed; a changed size is listed again
    seen = {(f.key, f.size, f.mtime) for f in listed if f.rel != "广州市/x.xlsx"}
    (inbox / "a.xlsx").write_bytes(b"aa")
    again, known = list_inbox(inbox, seen)
    assert [f.rel for f in again] == ["a.xlsx", "广州市/x.xlsx"] and known == len(listed) - 2
