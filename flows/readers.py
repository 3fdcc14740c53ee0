"""Where batches are read (`[runner] kind`): worker processes on this machine, or a Dask cluster.

Either way a batch is parsed in a worker process under the `[intake]` bounds (flows/bounded.py):
no runner reads untrusted bytes in the run's own process.
"""

from __future__ import annotations

import logging
import threading

from flows.bounded import BoundedWorkers, Bounds


class Reader:
    """`read(payload)` waits for one batch's reads (pickled). Workers start on the first batch."""

    def read(self, payload: bytes) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        pass

    @property
    def may_have_left_temporaries(self) -> bool:
        """Whether a worker may have died mid-write this run (its partial archive pack left behind)."""
        return True


class ProcessReader(Reader):
    """`workers` bounded worker processes on this machine ("processes"; "threads" is the same: a
    thread cannot bound what a file costs). They import the reading step and the core, not Prefect
    (1.3 s of CPU each), and never talk to a Prefect server."""

    def __init__(self, workers: int, bounds: Bounds) -> None:
        self.pool = BoundedWorkers(workers, bounds)

    def read(self, payload: bytes) -> bytes:
        return self.pool.read(payload)

    def close(self) -> None:
        self.pool.close()

    @property
    def may_have_left_temporaries(self) -> bool:
        return self.pool.lost > 0


_ON_DASK: dict[Bounds, BoundedWorkers] = {}
_ON_DASK_LOCK = threading.Lock()


def read_on_dask(payload: bytes, bounds: Bounds) -> bytes:
    """What a Dask worker runs for a batch: one bounded worker process of its own, kept for its next batches."""
    with _ON_DASK_LOCK:
        pool = _ON_DASK.get(bounds) or _ON_DASK.setdefault(bounds, BoundedWorkers(1, bounds))
    return pool.read(payload)


class DaskReader(Reader):
    """A Dask cluster: the one at `address`, or a local one of `workers` processes."""

    def __init__(self, address: str, workers: int, bounds: Bounds) -> None:
        self.address, self.workers, self.bounds = address, workers, bounds
        self._client = None
        self._lock = threading.Lock()

    def _connected(self):
        with self._lock:
            if self._client is None:
                from distributed import Client, LocalCluster

                if self.address:
                    self._client = Client(self.address)
                else:
                    cluster = LocalCluster(
                        n_workers=self.workers,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                        silence_logs=logging.ERROR,
                    )
                    self._client = Client(cluster)
            return self._client

    def read(self, payload: bytes) -> bytes:
        return self._connected().submit(read_on_dask, payload, self.bounds, pure=False).result()

    @property
    def may_have_left_temporaries(self) -> bool:
        return self._client is not None  # it read batches; whether a worker died there is not known here

    def close(self) -> None:
        if self._client is not None:
            cluster = self._client.cluster
            self._client.close()
            if cluster is not None and not self.address:
                cluster.close()


def reader_for(kind: str, workers: int, bounds: Bounds, dask_address: str = "") -> Reader:
    if kind == "dask":
        return DaskReader(dask_address, workers, bounds)
    return ProcessReader(workers, bounds)
