"""Work split across forked processes, one per core: rendering pages, reading many articles.

Forking hands each worker the parent's memory (the Site, compiled
templates) without pickling it; only the results travel back.
"""
from __future__ import annotations

import ctypes
import os
import signal
from typing import Any, Callable, Sequence

# multiprocessing and concurrent.futures are imported when first needed: a small build never forks.


def can_fork() -> bool:
    """True where worker processes can be forked (not on Windows)."""
    import multiprocessing
    return "fork" in multiprocessing.get_all_start_methods()


def cores() -> int:
    """How many processes to run side by side."""
    return os.cpu_count() or 1


_HELD = {signal.SIGINT, signal.SIGTERM}
"""Signals held back while workers are forked."""


def _worker_start() -> None:
    """In each worker: leave Ctrl-C to the parent, end quietly on SIGTERM, and die with the parent even if it
    is killed outright."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Not the parent's handler (inherited by fork), which turns SIGTERM into KeyboardInterrupt: in a worker
    # waiting for its task that prints a traceback. A build stopped with SIGTERM (sent to its whole process
    # group) is cleaned up and reported by the parent.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # held back by fork_map until now
    try:  # Linux: have the kernel send SIGKILL when the parent process ends
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere a worker ends when its task or the pool's pipe does


def fork_map(function: Callable[..., Any], shares: Sequence[Any], *more: Sequence[Any],
             meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """function(share, *more items) for each share; results in order.

    The first share runs in the calling process while each other share runs
    in a worker forked for it (the caller would only wait otherwise, and its
    results need not travel). function must be a module-level function; what
    it needs beyond its arguments it finds in module globals set before the
    call (inherited by fork). meanwhile, if given, runs in the calling process
    after its own share, while the workers may still be busy (else it would
    wait for them idle).
    """
    first = [items[0] for items in more]
    if len(shares) == 1:
        result = [function(shares[0], *first)]
        if meanwhile is not None:
            meanwhile()
        return result
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    with ProcessPoolExecutor(len(shares) - 1, mp_context=multiprocessing.get_context("fork"),
                             initializer=_worker_start) as pool:
        # A worker starts with this process's signal handlers until _worker_start replaces them; a signal
        # in between would raise KeyboardInterrupt there. Held back while the workers are forked (on the
        # first task), a signal reaches each process once its own handling is in place.
        held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
        try:
            others = pool.map(function, shares[1:], *(items[1:] for items in more))
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        mine = function(shares[0], *first)
        if meanwhile is not None:
            meanwhile()
        return [mine, *others]
