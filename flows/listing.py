"""Listing the inbox: the files the ledger has not seen (by path, size and mtime), once they have settled."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from flows.files import InboxFile, list_inbox, restat
from rtr.store import Store, ledger


@dataclass(frozen=True)
class Listing:
    todo: list[InboxFile]  # new and settled, in path order
    seen: int  # already in the ledger, not read again
    waiting: int  # still being written: left for the next scan


def settled(candidates: list[InboxFile], settle_seconds: float) -> tuple[list[InboxFile], int]:
    """Files whose size and mtime stay the same over the settle time; the others wait for the next scan."""
    now = time.time()
    young = [f for f in candidates if now - f.mtime < settle_seconds]
    if not young:
        return candidates, 0
    time.sleep(max(0.0, settle_seconds - (now - max(f.mtime for f in young))))
    ready, waiting = [f for f in candidates if f not in young], 0
    for f in young:
        again = restat(f)
        if again is not None and (again.size, again.mtime) == (f.size, f.mtime):
            ready.append(f)
        else:
            waiting += 1
    return sorted(ready, key=lambda f: f.rel), waiting


def list_new(store: Store, inbox: Path, settle_seconds: float) -> Listing:
    with store.transaction() as conn:
        seen = ledger.seen(conn)
    fresh, known = list_inbox(inbox, seen)
    todo, waiting = settled(fresh, settle_seconds)
    return Listing(todo, known, waiting)
