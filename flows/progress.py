"""The progress callback the CLI sets on a terminal: called with (files done, files in all).

A module of its own: flows are pickled by value when tasks run in other processes (Prefect's
process and Dask runners), and a ContextVar among a flow function's globals cannot be pickled;
a module is pickled by reference.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

hook: ContextVar[Callable[[int, int], None] | None] = ContextVar("progress_hook", default=None)
