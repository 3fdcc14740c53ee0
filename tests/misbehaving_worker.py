"""A bounded worker (flows.bounded) whose reader misbehaves on cue, by file name:
`hang` spins forever, `abort` kills the process as a reader's failed allocation does, `hog` allocates
without bound, `once` aborts only the first time it is read (a marker file beside it remembers)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import flows.reading as reading
from flows.bounded import serve_batches

_examine = reading.examine


def misbehaving(rel: str, data: bytes, ctx, limits):
    name = Path(rel).name
    if "hang" in name:
        while True:
            time.sleep(0.01)
    if "abort" in name:
        os.abort()
    if "hog" in name:
        hoard = []
        while True:
            hoard.append(bytearray(64 * 2**20))
    if "once" in name:
        marker = Path(os.environ["RTR_TEST_MARKERS"]) / name
        if not marker.exists():
            marker.touch()
            os.abort()
    return _examine(rel, data, ctx, limits)


reading.examine = misbehaving
if __name__ == "__main__":
    serve_batches(int(sys.argv[1]))
