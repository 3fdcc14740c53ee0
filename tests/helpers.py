"""Running the pipeline's steps in a test: a Setup pointed at a temporary folder, and the steps run directly."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from flows import steps
from flows.setup import Setup, open_store
from flows.storing import IntakeResult
from rtr.config import sqlite_url
from rtr.form.periods import Period

TODAY = date(2026, 1, 15)
OLD = time.time() - 3600  # files written an hour ago are settled


def drop(inbox: Path, rel: str, data: bytes, mtime: float = OLD) -> Path:
    path = inbox / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, (mtime, mtime))
    return path


def in_folder(setup: Setup, tmp: Path, *, roster=None, today: date = TODAY, **runner) -> Setup:
    """`setup` reading tmp/inbox and writing tmp/store.sqlite, tmp/originals, tmp/回执 and tmp/out."""
    config = replace(
        setup.config,
        inbox=tmp / "inbox",
        store_url=sqlite_url(tmp / "store.sqlite"),
        archive=tmp / "originals",
        receipts=tmp / "回执",
        outputs=tmp / "out",
        runner=setup.config.runner.model_copy(update=runner),
    )
    return replace(setup, config=config, roster=roster, today=today)


def run_intake(setup: Setup, *, progress=None) -> IntakeResult:
    via = steps.Direct(setup.config.runner.workers)
    try:
        with open_store(setup.config) as store:
            return steps.intake(setup, store, via, progress=progress).result
    finally:
        via.close()


def run_report(setup: Setup, period: Period, *, email: bool = False, documents=False) -> steps.Report:
    via = steps.Direct(setup.config.runner.workers)
    try:
        with open_store(setup.config) as store:
            return steps.report(setup, store, period, via, email=email, documents=documents)
    finally:
        via.close()
