"""The receipts (回执): written from the store whenever a file's receipt is due, and copied into a report."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from flows.files import BackgroundWriter, flush_to_disk, sweep_stale_temps
from flows.setup import Setup
from rtr.filenames import receipt_name
from rtr.store import Store, ledger
from rtr.store.receipts import receipt_rows
from rtr.workbooks.receipts import ReceiptSettings, build_receipt, receipt_from_rows


def write_receipts(setup: Setup, store: Store, receipts_dir: Path, file_ids: list[int] | None = None) -> list[Path]:
    """Step 3: the receipts of these files (default: every file whose receipt is due), written then marked done."""
    with store.transaction() as conn:
        ids = ledger.receipts_due(conn) if file_ids is None else file_ids
        rows = receipt_rows(conn, ids)
    written = []
    cfg = setup.config
    settings = ReceiptSettings(cfg.schedule.timezone, cfg.report.office_contact, cfg.deadline.h1, cfg.deadline.h2)
    with BackgroundWriter() as writer:
        for file_row, return_rows, finding_rows, replacements in rows:
            data = receipt_from_rows(file_row, return_rows, finding_rows, replacements)
            target = receipts_dir / receipt_name(file_row["path"])
            writer.write(target, build_receipt(data, setup.schema.title, settings))
            written.append(target)
    if file_ids is None and ids:
        flush_to_disk()
        with store.transaction() as conn:
            ledger.mark_receipts_written(conn, ids, to_mail=cfg.email.enabled and cfg.email.receipts_to_firms)
    return written


def copy_receipts(setup: Setup, store: Store, file_ids: list[int], source_dir: Path, target_dir: Path) -> list[Path]:
    """The receipts of these files in `target_dir`: hard links to the intake's up-to-date receipts
    (intake replaces a receipt by renaming a new file over it, so a link never changes under a
    report), rendered afresh where one is due or missing."""
    with store.transaction() as conn:
        states = ledger.receipt_states(conn, file_ids)
    render, done, folders = [], [], set()
    for file_id in file_ids:
        path, due = states.get(file_id, ("", True))
        name = receipt_name(path)
        source, target = source_dir / name, target_dir / name
        if due:
            render.append(file_id)
            continue
        if target.parent not in folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            folders.add(target.parent)
        try:  # the usual case, a report's first copy: one system call (40,000 receipts: 39 s → 22 s here)
            os.link(source, target)
            done.append(target)
            continue
        except FileNotFoundError:  # no receipt to link to: rendered below
            render.append(file_id)
            continue
        except OSError:  # already there, another file system, or links not allowed: as below
            pass
        if not source.is_file():
            render.append(file_id)
            continue
        done.append(target)
        if target.exists() and os.path.samefile(source, target):
            continue  # already this very receipt (renaming a link over itself would leave the link behind)
        tmp = target.with_name(f".tmp-{os.getpid()}-{target.stem}.part")
        tmp.unlink(missing_ok=True)
        try:
            os.link(source, tmp)
        except OSError:  # another file system, or links not allowed: a copy
            shutil.copyfile(source, tmp)
        os.replace(tmp, target)
    for start in range(0, len(render), 1000):
        done += write_receipts(setup, store, target_dir, render[start : start + 1000])
    return done


UNFINISHED = ".intake-unfinished"  # in the archive folder while an intake runs


def sweep_leftovers(receipts_dir: Path, archive_dir: Path) -> int:
    """The temporary files of a killed intake or worker (receipts, originals), run under the intake
    lock; how many it had to leave because their writer still exists."""
    kept: list[Path] = []
    for folder in (receipts_dir, archive_dir):
        sweep_stale_temps(folder, kept)
    return len(kept)


class UnfinishedMark:
    """An intake between a mark it leaves in the archive folder and its end. A mark found at the
    start means the last intake was killed (or failed) and may have left temporary files: they are
    swept first. An unchanged inbox is then scanned without walking the receipts and the archive
    (≈0.13 s of a 0.55 s scan at 40,000 files). A sweep that had to leave a file because its writer
    still existed (an intake started the moment the last was killed, its workers not yet gone) is
    made again at the end; the mark is removed at a normal end once nothing is left."""

    def __init__(self, receipts_dir: Path, archive_dir: Path) -> None:
        self.receipts_dir, self.archive_dir = receipts_dir, archive_dir
        self.mark = archive_dir / UNFINISHED
        self.left = 0

    def sweep(self) -> None:
        self.left = sweep_leftovers(self.receipts_dir, self.archive_dir)

    def __enter__(self) -> UnfinishedMark:
        if self.mark.exists():
            self.sweep()
        self.archive_dir.mkdir(parents=True, exist_ok=True)
        self.mark.touch()
        return self

    def __exit__(self, kind, *_) -> None:
        if kind is not None:
            return  # the mark stays, for the next intake
        if self.left:
            self.sweep()
        if not self.left:
            self.mark.unlink(missing_ok=True)
