"""One firm, one return per period: which of several returns of the same (uscc, period) counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

ACCEPTED = "accepted"
REJECTED = "rejected"
SUPERSEDED = "superseded"


@dataclass(frozen=True)
class Candidate:
    id: int
    passed: bool  # no E finding
    filled_date: str | None  # ISO date from 填报日期
    file_mtime: float
    path: str
    sheet: str
    row: int | None


def order_key(c: Candidate) -> tuple:
    """Later 填报日期 wins; an undated return is dated by its file's modification day, so the order
    stays total; then the later mtime, then the later path (and sheet, row) in sort order."""
    day = c.filled_date or datetime.fromtimestamp(c.file_mtime, UTC).date().isoformat()
    return (day, c.file_mtime, c.path, c.sheet, c.row or 0)


def resolve(candidates: list[Candidate]) -> dict[int, str]:
    """Status of each return of one (uscc, period).

    The latest passing return is accepted and supersedes earlier passing ones. A rejected return
    never supersedes an accepted one; it is superseded by any later return of the key, passing or not.
    """
    ranked = sorted(candidates, key=order_key)
    status: dict[int, str] = {}
    latest_passing = max((c for c in ranked if c.passed), key=order_key, default=None)
    for i, c in enumerate(ranked):
        if c.passed:
            status[c.id] = ACCEPTED if c is latest_passing else SUPERSEDED
        else:
            status[c.id] = SUPERSEDED if i < len(ranked) - 1 else REJECTED
    return status


def status_changes(stored: list[tuple[Candidate, str]]) -> dict[int, str]:
    """The returns of one (uscc, period) whose status must change, given each one's stored status."""
    statuses = resolve([c for c, _ in stored])
    return {c.id: statuses[c.id] for c, status in stored if statuses[c.id] != status}


def replacing(stored: list[tuple[Candidate, str]]) -> Candidate | None:
    """What a superseded return of a key was replaced by: the accepted return, or, when none passed,
    the latest one."""
    accepted = [c for c, status in stored if status == ACCEPTED]
    if accepted:
        return min(accepted, key=lambda c: c.id)
    return max((c for c, _ in stored), key=order_key, default=None)
