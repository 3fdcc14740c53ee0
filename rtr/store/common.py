"""What the store's query modules share."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def chunks(items: list, size: int = 400) -> Iterator[list]:
    """IN lists kept under SQLite's parameter limit."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
