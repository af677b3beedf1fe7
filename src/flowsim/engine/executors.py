"""Where runs execute: in-process, in a local process pool, or on a Dask cluster.

All three are ``concurrent.futures`` executors, so the sweep has one code path:

- ``serial``: runs each task when it is submitted, in this process (debugging, profiling).
- ``processes``: a ``ProcessPoolExecutor`` whose workers are started with the ``spawn``
  method, passed as ``mp_context`` so the process-wide start method is never changed.
  Spawned workers start from a fresh interpreter: they inherit no threads or locks from
  the parent, which makes the pool safe inside a Jupyter kernel (its ZMQ and IO threads
  make ``fork`` unsafe), and ``spawn`` behaves the same on Linux, macOS and Windows
  (``forkserver`` is Unix-only). The cost is importing flowsim once per worker, paid
  once per sweep. Tasks must be importable functions, which ``run_one`` is. Workers die
  with the sweep: each asks Linux to kill it when its parent dies (``PR_SET_PDEATHSIG``)
  and also checks its parent every second, so a ``kill -9`` of the sweep never leaves
  workers running on (they would otherwise go on writing into the folder).
- ``dask``: ``client.get_executor()`` on a ``dask.distributed`` client; a
  ``LocalCluster`` (one thread per worker process) when no scheduler address is given,
  else ``Client(scheduler)`` on an existing cluster.
"""

from __future__ import annotations

import concurrent.futures as cf
import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")


class SerialExecutor(cf.Executor):
    """An executor that runs each task in the calling thread at submission."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> cf.Future:
        """Run ``fn(*args, **kwargs)`` now and return a finished future."""
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # the future carries it, as in any executor
            future.set_exception(exc)
        return future


@dataclass(frozen=True)
class Pool:
    """An open executor and how many tasks it runs at once.

    Attributes:
        executor: The ``concurrent.futures`` executor.
        slots: Tasks it runs concurrently (the sweep keeps about twice that in flight).
        kind: ``"serial"``, ``"processes"`` or ``"dask"``.
    """

    executor: cf.Executor
    slots: int
    kind: str


def available_cpus() -> int:
    """Return the CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def check_executor(kind: str) -> None:
    """Raise ``ValueError`` naming the allowed executors when ``kind`` is unknown."""
    if kind not in EXECUTORS:
        raise ValueError(f"unknown executor {kind!r} (allowed: {', '.join(EXECUTORS)})")


@contextmanager
def open_pool(
    kind: str, workers: int | None = None, scheduler: str | None = None
) -> Iterator[Pool]:
    """Open an executor, yield it, and close everything this function opened.

    Args:
        kind: ``"serial"``, ``"processes"`` or ``"dask"``.
        workers: Worker processes (default: the CPUs available); ignored for ``serial``
            and when connecting to an existing Dask scheduler.
        scheduler: Address of a running Dask scheduler (``tcp://host:8786``); only with
            ``kind="dask"``.

    Yields:
        The open pool.
    """
    check_executor(kind)
    n = workers or available_cpus()
    if kind == "serial":
        yield Pool(SerialExecutor(), 1, kind)
    elif kind == "processes":
        yield from _process_pool(n)
    else:
        yield from _dask_pool(n, scheduler)


#: Seconds between a worker's checks that the process which started it is alive.
PARENT_POLL_SECONDS = 1.0

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def die_with_parent(parent: int) -> None:
    """Make this worker process exit when ``parent`` dies (pool initializer).

    On Linux the kernel sends ``SIGKILL`` when the parent dies; everywhere a daemon
    thread also checks every ``PARENT_POLL_SECONDS`` that the parent is still ours.

    Args:
        parent: Process id of the sweep that started this worker.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="flowsim-parent-watch", daemon=True).start()


def _process_pool(n: int) -> Iterator[Pool]:
    import multiprocessing

    executor = cf.ProcessPoolExecutor(
        max_workers=n,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )
    try:
        yield Pool(executor, n, "processes")
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown(wait=True)


def _dask_pool(n: int, scheduler: str | None) -> Iterator[Pool]:
    from dask.distributed import Client, LocalCluster

    from flowsim.errors import FlowsimError

    cluster = None
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise FlowsimError(
                f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc}); "
                "allowed: the address of a running scheduler, e.g. tcp://host:8786"
            ) from None
    else:
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        slots = max(1, sum(client.nthreads().values()))
        # pure=False: a rerun of a run (e.g. --retry-failed) must execute, not reuse a key.
        yield Pool(client.get_executor(pure=False), slots, "dask")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
