"""Work split across forked processes, one per core: rendering pages, reading many articles.

Forking hands each worker the parent's memory (the Site, compiled
templates) without pickling it; only the results travel back.
"""
from __future__ import annotations

import ctypes
import os
import signal
from typing import Any, Callable, Iterator, Sequence

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
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _HELD)  # held back by fork_balanced until now
    try:  # Linux: have the kernel send SIGKILL when the parent process ends
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # elsewhere a worker ends when its task or the pool's pipe does


_CLAIMING: tuple[Callable[[Iterator[tuple[int, Any]]], Any], Sequence[Any], Any] | None = None
"""What forked workers take their items from: (function, items, the shared count of items claimed), set
just before the pool forks (inherited, never pickled)."""


def _claims(items: Sequence[Any], claimed: Any, workers: int) -> Iterator[tuple[int, Any]]:
    """(index, item) for each item this process claims, a run of them at a time, until none is left. A run
    is an eighth of each process's even share of what is left, so that no process is left with much
    work at the end while the others wait."""
    total = len(items)
    while True:
        with claimed.get_lock():
            start = claimed.value
            size = max(1, (total - start) // (8 * workers))
            claimed.value = start + size
        if start >= total:
            return
        for index in range(start, min(start + size, total)):
            yield index, items[index]


def _claiming(workers: int) -> Any:
    """In a worker: the function over the items it claims."""
    function, items, claimed = _CLAIMING
    return function(_claims(items, claimed, workers))


def fork_balanced(function: Callable[[Iterator[tuple[int, Any]]], Any], items: Sequence[Any], workers: int,
                  meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """function(claims) in this process and in workers - 1 processes forked from it, side by side: claims
    yields (index, item) for the items that process takes, each item taken by exactly one. The results,
    this process's first.

    Items are claimed a run at a time as each process gets to them, so the work balances itself: a
    process that is slower, or that has other work (meanwhile, run here before this process claims any
    item), takes fewer. Which process takes which item is therefore not fixed: function must give the
    same answers for an item in any process, and the caller puts the results in order by index. function
    need not be a module-level function (the workers inherit it by fork); its result must pickle.
    """
    global _CLAIMING
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    context = multiprocessing.get_context("fork")
    claimed = context.Value("q", 0)
    _CLAIMING = (function, items, claimed)
    try:
        with ProcessPoolExecutor(workers - 1, mp_context=context, initializer=_worker_start) as pool:
            # A worker starts with this process's signal handlers until _worker_start replaces them; a
            # signal in between would raise KeyboardInterrupt there. Held back while the workers are
            # forked (on the first task), a signal reaches each process once its own handling is in place.
            held = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
            try:
                others = [pool.submit(_claiming, workers) for _ in range(workers - 1)]
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
            if meanwhile is not None:
                meanwhile()
            mine = function(_claims(items, claimed, workers))
            return [mine, *(future.result() for future in others)]
    finally:
        _CLAIMING = None
